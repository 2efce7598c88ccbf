"""Targets 3 to 5, measured on ``augaudit`` subprocesses: start-up, --jobs, memory, sampling.

Every child is a fresh interpreter, so start-up includes Python's own, as a
user sees it. Flags the CLI does not know yet (exit 2, "No such option") are
reported as not available instead of failing the benchmark.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from workload import ROOT

# Runs the CLI in-process, then says whether torch got imported, on a line of
# its own on stderr (the command's own output is left alone).
_TORCH_PROBE = """
import sys
from augaudit.cli import main
sys.argv = ["augaudit", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("BENCH_TORCH_IMPORTED=" + str("torch" in sys.modules), file=sys.stderr)
"""

# Runs a command in a child and prints the child's peak RSS in KiB (Linux
# reports ru_maxrss in KiB); a fresh wrapper per measurement, since
# RUSAGE_CHILDREN keeps the maximum over every child ever waited for.
_RSS_PROBE = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""

STARTUP_COMMANDS = (
    ("--help",),
    ("--version",),
    ("rules",),
    ("explain", "AUG302"),
    ("validate", "configs/well_built.yaml"),
)


@dataclass(frozen=True)
class Startup:
    command: str
    seconds: float
    torch_imported: bool
    exit_code: int


def _augaudit() -> list[str]:
    # The installed console script when it is there (what users run), else the module.
    script = Path(sys.executable).with_name("augaudit")
    return [str(script)] if script.exists() else [sys.executable, "-m", "augaudit"]


def _run(cmd: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)


def unsupported(proc: subprocess.CompletedProcess[bytes]) -> bool:
    """The CLI rejected an option it does not know (click's usage error)."""
    return proc.returncode == 2 and b"No such option" in proc.stderr


def startup(repeats: int) -> list[Startup]:
    """Median wall time of each fast command, and whether it imported torch."""
    results = []
    for args in STARTUP_COMMANDS:
        times, code = [], 0
        for _ in range(repeats):
            start = time.perf_counter()
            code = _run([*_augaudit(), *args]).returncode
            times.append(time.perf_counter() - start)
        probe = _run([sys.executable, "-c", _TORCH_PROBE, *args])
        imported = b"BENCH_TORCH_IMPORTED=True" in probe.stderr
        results.append(Startup(" ".join(args), statistics.median(times), imported, code))
    return results


@dataclass(frozen=True)
class Jobs:
    available: bool
    seconds_1: float = 0.0
    seconds_2: float = 0.0
    identical: bool = False
    detail: str = ""


def jobs(spec: Path, images: Path, samples: int) -> Jobs:
    """``--jobs 1`` against ``--jobs 2`` on the same audit: time, and JSON byte for byte."""
    outputs, seconds = [], []
    for n in (1, 2):
        cmd = [*_augaudit(), "run", str(spec), str(images), "--format", "json"]
        cmd += ["--samples", str(samples), "--jobs", str(n)]
        start = time.perf_counter()
        proc = _run(cmd)
        seconds.append(time.perf_counter() - start)
        if unsupported(proc):
            return Jobs(False, detail="--jobs not available (the CLI rejects it)")
        if proc.returncode not in (0, 1):
            return Jobs(False, detail=f"--jobs {n} exited {proc.returncode}")
        outputs.append(proc.stdout)
    return Jobs(True, seconds[0], seconds[1], outputs[0] == outputs[1])


@dataclass(frozen=True)
class Memory:
    available: bool
    small_kib: int = 0
    large_kib: int = 0
    detail: str = ""


def peak_rss(spec: Path, images: Path, extra: list[str]) -> tuple[int, int]:
    """(exit code, peak RSS in KiB) of one ``augaudit run`` in a fresh child."""
    cmd = [*_augaudit(), "run", str(spec), str(images), "--format", "json", *extra]
    out = _run([sys.executable, "-c", _RSS_PROBE, *cmd]).stdout.decode().split()
    return int(out[0]), int(out[1])


def memory(spec: Path, small: Path, large: Path, extra: list[str]) -> Memory:
    code_small, kib_small = peak_rss(spec, small, extra)
    code_large, kib_large = peak_rss(spec, large, extra)
    if code_small not in (0, 1) or code_large not in (0, 1):
        return Memory(False, detail=f"augaudit run exited {code_small} / {code_large}")
    return Memory(True, kib_small, kib_large)


@dataclass(frozen=True)
class Sampling:
    available: bool
    reproducible: bool = False
    audited: int = 0
    has_interval: bool = False
    detail: str = ""


def _mentions_interval(report: object) -> bool:
    """Whether the JSON report holds a confidence interval (a ``ci95``-like key with a value)."""
    if isinstance(report, dict):
        for key, value in report.items():
            name = key.lower()
            if (name.startswith("ci") or "confidence" in name) and value is not None:
                return True
            if _mentions_interval(value):
                return True
    if isinstance(report, list):
        return any(_mentions_interval(v) for v in report)
    return False


def sampling(spec: Path, images: Path, count: int) -> Sampling:
    """``--max-images N`` twice: the same subset both times, N images, an interval reported."""
    cmd = [*_augaudit(), "run", str(spec), str(images), "--format", "json"]
    cmd += ["--samples", "1", "--max-images", str(count)]
    first, second = _run(cmd), _run(cmd)
    if unsupported(first):
        return Sampling(False, detail="--max-images not available (the CLI rejects it)")
    if first.returncode not in (0, 1):
        return Sampling(False, detail=f"--max-images exited {first.returncode}")
    report = json.loads(first.stdout)
    audited = sum(1 for img in report.get("images", []) if img.get("status") == "ok")
    return Sampling(
        True, first.stdout == second.stdout, audited, _mentions_interval(report.get("stages"))
    )
