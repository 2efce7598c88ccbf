"""How many worker processes the memory allows, for the largest image of the run.

Measured with ``python benchmarks/memory_per_pixel.py`` (torch 2.14.1, Linux, 4 samples):
auditing an image that the pipeline keeps in float at full resolution raises a process's
peak by about 180 MiB plus 350 bytes per pixel (the image, its float64 reference twin,
probes, SSIM maps, copies per sample): +513 MiB at 1 MP, +1515 MiB at 4 MP. A pipeline
that crops early costs far less (under 70 bytes per pixel). The budget below keeps a
margin over the costly case, and ``tests/execution/test_memory.py`` checks that it holds.
Forked workers share the parent's pages (torch, the pipeline) until they write to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from augaudit.sources.images import header_pixels

PEAK_BYTES_PER_PIXEL = 400
WORKER_BASE_BYTES = 256 * 1024 * 1024
MEMINFO = Path("/proc/meminfo")
CGROUP = Path("/sys/fs/cgroup")


def peak_bytes(pixels: int) -> int:
    """A worker's expected peak for an image of ``pixels``, base included."""
    return WORKER_BASE_BYTES + PEAK_BYTES_PER_PIXEL * pixels


def fit_jobs(images: Sequence[Path]) -> int:
    """The machine's cores, within what the memory holds for the largest image's worker."""
    from augaudit.execution.parallel import default_jobs

    largest = max((header_pixels(path) for path in images), default=0)
    return jobs_for_memory(default_jobs(), largest, available_bytes())


def jobs_for_memory(cores: int, largest_pixels: int, available: int | None) -> int:
    """At most ``cores`` workers, and no more than ``available`` bytes hold; at least 1."""
    if available is None:
        return max(1, cores)
    return max(1, min(cores, available // peak_bytes(largest_pixels)))


def available_bytes(meminfo: Path = MEMINFO, cgroup: Path = CGROUP) -> int | None:
    """Memory this process can still take: the system's MemAvailable, and under a cgroup
    limit (a container's, v2 or v1) what is left of it; None where neither can be read."""
    found = [meminfo_available(meminfo), *(_left(*pair) for pair in _cgroup_files(cgroup))]
    known = [value for value in found if value is not None]
    return min(known) if known else None


def meminfo_available(meminfo: Path) -> int | None:
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024  # the file counts in KiB
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_files(cgroup: Path) -> list[tuple[Path, Path]]:
    """(limit, usage) files: cgroup v2 at the root of the mount and at this process's own
    group, cgroup v1's memory controller."""
    pairs = [(cgroup / "memory.max", cgroup / "memory.current")]
    own = _own_v2_group()
    if own:
        pairs.append((cgroup / own / "memory.max", cgroup / own / "memory.current"))
    v1 = cgroup / "memory"
    pairs.append((v1 / "memory.limit_in_bytes", v1 / "memory.usage_in_bytes"))
    return pairs


def _own_v2_group() -> str | None:
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            if line.startswith("0::/"):
                return line[4:] or None
    except OSError:
        return None
    return None


NO_LIMIT = 1 << 60  # cgroup v1 writes "no limit" as a number near 2**63


def _left(limit_file: Path, usage_file: Path) -> int | None:
    try:
        limit = limit_file.read_text().strip()
        used = int(usage_file.read_text().strip())
    except (OSError, ValueError):
        return None
    if not limit.isdigit() or int(limit) >= NO_LIMIT:  # v2 writes "max"
        return None
    return max(0, int(limit) - used)
