"""augaudit's speed benchmark: every ratio of issue 5 next to its target, in one run.

    python benchmarks/bench.py            # the full benchmark (about 5 minutes on 2 cores)
    python benchmarks/bench.py --quick    # a smaller version, a smoke test (about 1 minute)

Times are medians of several repetitions; the audit and the plain pipeline
alternate so that both see the same machine load. Targets are ratios, so the
numbers compare across machines; the load average is printed because another
process on the machine moves them.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cli_targets
import ssim_target
from workload import (
    PAIR_CHANGING_STAGES,
    PIPELINE_YAML,
    floor_run,
    make_photos,
    plain_inputs,
    plain_run,
    write_spec,
)


@dataclass(frozen=True)
class Plan:
    photos: int
    samples: int
    repeats: int
    ssim_photos: int
    startup_repeats: int
    jobs_samples: int
    memory_counts: tuple[int, int]
    max_images: int


FULL = Plan(32, 4, 3, 32, 5, 2, (50, 500), 8)
QUICK = Plan(3, 1, 1, 2, 1, 1, (4, 12), 2)


def line(number: str, name: str, measured: str, target: str, ok: bool | None) -> None:
    verdict = "n/a" if ok is None else "PASS" if ok else "MISS"
    print(f"[{number}] {name:<40} {measured:<46} target {target:<11} {verdict}", flush=True)


def machine() -> str:
    import torch

    cpu = platform.processor() or platform.machine()
    info = Path("/proc/cpuinfo")
    names = (
        [t for t in info.read_text().splitlines() if t.startswith("model name")]
        if info.exists()
        else []
    )
    if names:
        cpu = names[0].split(":", 1)[1].strip()
    return (
        f"{os.cpu_count()} cores ({cpu}), torch {torch.__version__} with "
        f"{torch.get_num_threads()} threads, Python {platform.python_version()}"
    )


def overhead(plan: Plan, spec: Path, images: Path) -> None:
    """Target 1: api.audit() against the bare pipeline, same inputs, samples and seeds."""
    import torch

    from augaudit.api import audit

    # As the command line does before auditing; the pipeline alone runs in
    # the same process, so it gets the same allocator (and measured no faster).
    from augaudit.execution.allocator import tune_allocator
    from augaudit.spec import load_spec

    tune_allocator()
    transforms = [s.transform for s in load_spec(str(spec)).stages]
    loaded = plain_inputs(images)
    first = sorted(images.iterdir())[0]
    audit(str(spec), [str(first)], samples=1)  # warm-up: lazy imports, allocator, kernels
    plain_run(transforms, loaded, 1, 0)
    plain_times, audit_times = [], []
    floors: dict[torch.dtype, list[float]] = {torch.float64: [], torch.float32: []}
    threads = torch.get_num_threads()
    for _ in range(plan.repeats):
        # The audit runs each image on one torch thread (results must not depend
        # on the thread count), so the pipeline alone gets one thread too.
        torch.set_num_threads(1)
        start = time.perf_counter()
        plain_run(transforms, loaded, plan.samples, 0)
        plain_times.append(time.perf_counter() - start)
        for dtype, times in floors.items():
            times.append(sum(floor_run(transforms, loaded, plan.samples, 0, dtype)))
        torch.set_num_threads(threads)
        start = time.perf_counter()
        audit(str(spec), [str(images)], samples=plan.samples, seed=0)
        audit_times.append(time.perf_counter() - start)
    plain, audited = statistics.median(plain_times), statistics.median(audit_times)
    ratio = audited / plain
    runs = plan.photos * plan.samples
    measured = f"{ratio:.2f}x ({audited:.2f} s / {plain:.2f} s, {runs} samples)"
    line("1", "audit overhead (audit / pipeline)", measured, "<= 3x", ratio <= 3.0)
    per_sample = f"{audited / runs * 1e3:.1f} ms audited, {plain / runs * 1e3:.1f} ms plain"
    print(f"    per sample of 6 stages: {per_sample}")
    # What the definition alone costs: the pipeline, its reference and the
    # SSIMs of the stages that make a new pair, with nothing else measured.
    f64, f32 = ((plain + statistics.median(floors[d])) / plain for d in floors)
    ssims = len(PAIR_CHANGING_STAGES)
    print(f"    floor (pipeline + float64 reference + {ssims} SSIMs, nothing else): {f64:.2f}x;")
    print(f"    the same with a float32 reference: {f32:.2f}x")


def ssim_speed(plan: Plan, photos: list[Path]) -> None:
    """Target 2: per-image SSIM against kornia and scikit-image, and agreement."""
    try:
        r = ssim_target.measure(photos[: plan.ssim_photos], max(1, plan.repeats))
    except ModuleNotFoundError as exc:  # kornia and scikit-image come with the test extras
        why = f"{exc.name} not installed (pip install -e '.[test]')"
        for name in ("SSIM speed vs kornia", "SSIM speed vs scikit-image", "SSIM agreement"):
            line("2", name, why, "-", None)
        return
    # Both thread settings get a verdict: torch's default is how a user calls
    # SSIM, one thread is how the audit runs it (and scikit-image has only one).
    threads = int(r["threads"])
    for suffix, label in (("", f"{threads} threads"), ("_1", "1 thread")):
        ours, kornia, skimage = (r[k + suffix] for k in ("ours", "kornia", "skimage"))
        vs_kornia, vs_skimage = kornia / ours, skimage / ours
        detail = f"({ours * 1e3:.1f} ms vs {kornia * 1e3:.1f} ms)"
        ok = vs_kornia >= 2.5
        line("2", f"SSIM speed vs kornia, {label}", f"{vs_kornia:.2f}x {detail}", ">= 2.5x", ok)
        detail = f"{vs_skimage:.2f}x ({ours * 1e3:.1f} ms vs {skimage * 1e3:.1f} ms)"
        line("2", f"SSIM speed vs scikit-image, {label}", detail, ">= 6x", vs_skimage >= 6)
    worst = r["diff_vs_f32"]
    measured = f"max |diff| {worst:.1e} (vs its float64: {r['diff_vs_f64']:.1e})"
    line("2", "SSIM agreement with scikit-image", measured, "<= 5e-5", worst <= 5e-5)


def startup(plan: Plan) -> None:
    """Target 3: fast commands, in fresh interpreters."""
    for s in cli_targets.startup(plan.startup_repeats):
        torch_note = "imports torch" if s.torch_imported else "no torch"
        measured = f"{s.seconds:.3f} s, {torch_note}, exit {s.exit_code}"
        ok = s.seconds < 0.3 and not s.torch_imported and s.exit_code == 0
        line("3", f"start-up: {s.command}", measured, "< 0.3 s", ok)


def scale(plan: Plan, spec: Path, images: Path, tmp: Path) -> None:
    """Target 4: --jobs 2 against --jobs 1, and peak memory on 10x the images."""
    j = cli_targets.jobs(spec, images, plan.jobs_samples)
    if j.available:
        speedup = j.seconds_1 / j.seconds_2
        same = "identical" if j.identical else "DIFFERENT"
        measured = f"JSON {same}, {speedup:.2f}x faster ({j.seconds_1:.1f} s / {j.seconds_2:.1f} s)"
        line("4", "--jobs 2 vs --jobs 1", measured, "identical", j.identical)
    else:
        line("4", "--jobs 2 vs --jobs 1", j.detail, "identical", None)

    small_n, large_n = plan.memory_counts
    small_spec = tmp / "small_pipeline.yaml"
    small_spec.write_text(PIPELINE_YAML.replace("size: 224", "size: 64"))
    small_dir, large_dir = tmp / f"mem_{small_n}", tmp / f"mem_{large_n}"
    make_photos(small_dir, small_n, size=64)
    make_photos(large_dir, large_n, size=64)
    extra = ["--samples", "1"] + (["--jobs", "1"] if j.available else [])
    m = cli_targets.memory(small_spec, small_dir, large_dir, extra)
    name = f"peak memory {large_n} vs {small_n} images"
    if m.available:
        ratio = m.large_kib / m.small_kib
        measured = f"{ratio:.2f}x ({m.large_kib / 1024:.0f} MB / {m.small_kib / 1024:.0f} MB)"
        line("4", name, measured, "<= 1.5x", ratio <= 1.5)
    else:
        line("4", name, m.detail, "<= 1.5x", None)

    s = cli_targets.sampling(small_spec, large_dir, plan.max_images)
    name = f"--max-images {plan.max_images} of {large_n}"
    if s.available:
        ok = s.reproducible and s.audited == plan.max_images and s.has_interval
        measured = (
            f"{s.audited} audited, {'same' if s.reproducible else 'DIFFERENT'} subset twice, "
            f"{'95% CI' if s.has_interval else 'no CI'} in report"
        )
        line("5", name, measured, "repro + CI", ok)
    else:
        line("5", name, s.detail, "repro + CI", None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run, for a smoke test")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    print(f"augaudit benchmark ({'quick' if args.quick else 'full'}): {machine()}")
    print(f"load average at start: {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="augaudit-bench-") as name:
        tmp = Path(name)
        photos = make_photos(tmp / "photos", plan.photos)
        spec = write_spec(tmp)
        print(f"workload: {plan.photos} photos 512x512, {plan.samples} samples, 6 stages")
        # SSIM first: it is a library call, measured in a process whose
        # allocator is as a library user's (overhead() tunes it as the CLI does).
        ssim_speed(plan, photos)
        overhead(plan, spec, tmp / "photos")
        startup(plan)
        scale(plan, spec, tmp / "photos", tmp)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
