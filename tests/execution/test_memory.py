"""The worker count fitted to memory, and the per-pixel budget it relies on."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from PIL import Image

from augaudit.execution.memory import (
    PEAK_BYTES_PER_PIXEL,
    WORKER_BASE_BYTES,
    available_bytes,
    jobs_for_memory,
    peak_bytes,
)
from augaudit.sources.images import header_pixels

GIB = 1 << 30
BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "memory_per_pixel.py"


def test_the_memory_caps_the_cores() -> None:
    twelve_mp = 12_000_000
    per_worker = peak_bytes(twelve_mp)
    assert per_worker == WORKER_BASE_BYTES + PEAK_BYTES_PER_PIXEL * twelve_mp
    assert jobs_for_memory(8, twelve_mp, 3 * per_worker + 1) == 3
    assert jobs_for_memory(2, twelve_mp, 100 * GIB) == 2
    assert jobs_for_memory(8, twelve_mp, 1) == 1  # never fewer than one worker
    assert jobs_for_memory(4, 0, None) == 4  # memory unknown: the cores


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_available_memory_is_the_least_of_the_system_and_the_cgroup(tmp_path: Path) -> None:
    meminfo = _write(tmp_path, "meminfo", "MemTotal: 100 kB\nMemAvailable:    8000000 kB\n")
    cgroup = tmp_path / "cgroup"
    cgroup.mkdir()
    assert available_bytes(meminfo, cgroup) == 8_000_000 * 1024
    _write(cgroup, "memory.max", "4294967296\n")  # a container limited to 4 GiB (cgroup v2)
    _write(cgroup, "memory.current", "1073741824\n")
    assert available_bytes(meminfo, cgroup) == 3 * GIB
    _write(cgroup, "memory.max", "max\n")  # v2 without a limit
    _write(cgroup, "memory/memory.limit_in_bytes", "2147483648\n")  # v1 with one
    _write(cgroup, "memory/memory.usage_in_bytes", "536870912\n")
    assert available_bytes(meminfo, cgroup) == 3 * GIB // 2
    _write(cgroup, "memory/memory.limit_in_bytes", "9223372036854771712\n")  # v1: no limit
    assert available_bytes(meminfo, cgroup) == 8_000_000 * 1024
    assert available_bytes(tmp_path / "none", tmp_path / "none") is None


def test_image_sizes_come_from_headers(tmp_path: Path) -> None:
    Image.new("RGB", (300, 200)).save(tmp_path / "a.png")
    (tmp_path / "b.png").write_bytes(b"not an image")
    assert header_pixels(tmp_path / "a.png") == 60_000
    assert header_pixels(tmp_path / "b.png") == 0
    assert header_pixels(tmp_path / "missing.png") == 0


@pytest.mark.slow
@pytest.mark.subprocess
def test_the_budget_holds_for_a_pipeline_in_float_at_full_resolution() -> None:
    """The measured peak of auditing a 1.44 MP image stays within the budget --jobs uses."""
    spec = importlib.util.spec_from_file_location("memory_per_pixel", BENCHMARK)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    got = bench.measure(bench.FLOAT_SPEC, 1200)
    assert got["pixels"] == 1200 * 1200
    assert 0 < got["rise"] <= peak_bytes(got["pixels"]), got


def test_the_library_fits_jobs_on_request(tmp_path: Path) -> None:
    from augaudit import audit
    from augaudit.errors import InputError

    for i in range(2):
        Image.effect_noise((40, 30), 40 + i).convert("RGB").save(tmp_path / f"n{i}.png")
    spec = tmp_path / "p.yaml"
    spec.write_text("pipeline:\n  - ToImage\n  - RandomRotation: {degrees: 20}\n")
    fitted = audit(str(spec), [str(tmp_path)], samples=2, jobs="auto")
    alone = audit(str(spec), [str(tmp_path)], samples=2, jobs=1)
    assert len(fitted.images) == 2 and fitted == alone
    for wrong in (0, "many", True, 1.5):
        with pytest.raises(InputError, match="--jobs must be at least 1"):
            audit(str(spec), [str(tmp_path)], jobs=wrong)  # type: ignore[arg-type]
