"""``audit()``: spec -> stages -> per-stage records -> findings -> Report.

The library entry point. It never prints; progress goes to an optional
callback, and user errors raise :class:`augaudit.errors.AugauditError`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from augaudit._version import __version__
from augaudit.aggregate.aggregator import Aggregator
from augaudit.aggregate.collector import Collector
from augaudit.aggregate.sampling import subset
from augaudit.checks.context import CheckContext
from augaudit.checks.registry import all_checks
from augaudit.errors import AuditInterrupted, InputError
from augaudit.execution.memory import fit_jobs
from augaudit.execution.worker import AuditPlan
from augaudit.knowledge import stage_kind
from augaudit.model import (
    FAIL_ON_CHOICES,
    Finding,
    Report,
    Settings,
    summarize,
)
from augaudit.model.codes import code_prefixes, selected
from augaudit.model.thresholds import DEFAULT_THRESHOLDS
from augaudit.sources.images import MODE_CHOICES, ImageSource, discover
from augaudit.sources.paths import display_path
from augaudit.spec import load_spec
from augaudit.spec.model import INPUT_KINDS, Pipeline

Progress = Callable[[int, int], None]


def audit(
    spec: str | Pipeline,
    images: Sequence[str],
    *,
    samples: int = 4,
    seed: int = 0,
    input: str | None = None,
    mode: str = "rgb",
    fail_on: str = "error",
    allow_modules: Sequence[str] = (),
    thresholds: dict[str, float] | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    progress: Progress | None = None,
    jobs: int | Literal["auto"] = 1,
    isolate: bool = False,
    max_images: int | None = None,
    stage_timeout: float | None = 60.0,
    max_megapixels: float | None = 50.0,
    visuals: bool = False,
    visual_images: int | None = None,
    visual_samples: int | None = None,
) -> Report:
    """Audit a pipeline on images and return the :class:`~augaudit.model.Report`.

    Parameters
    ----------
    spec
        A spec path (YAML, ``file.py[:name]``), an import path
        ``package.module:attribute``, or an already loaded ``Pipeline``.
    images
        Image files and folders (searched recursively).
    samples, seed
        Random draws per image, and the seed every stage seed derives from.
    input
        What the pipeline receives: ``pil``, ``uint8`` or ``float``; default
        the spec's ``input:``, else ``pil``.
    mode
        ``rgb`` converts every image to RGB; ``keep`` keeps its mode.
    jobs, isolate
        Worker processes (1: this process; ``"auto"``: the cores the memory allows for the
        largest image, as the CLI). ``isolate`` forks one even for 1, so that a stage that
        ends its process costs only its image. The report is the same for any value.
    max_images
        Audit a seeded random subset of this many images (means get a 95% interval).
    stage_timeout, max_megapixels
        Seconds a stage may take on one sample, and the largest output it may return
        (None: no limit); either broken is reported, and a timed-out stage not run again.
    visuals
        Keep pictures of every stage (``Report.visuals``) for the visual reports:
        of the first ``visual_images`` images that loaded and their first
        ``visual_samples`` samples (None: all), so a large run holds only what
        will be shown.

    Raises
    ------
    AugauditError
        Bad spec, bad option, or no image files found.
    AuditInterrupted
        Ctrl-C; carries the partial report.
    """
    _check_options(samples, input, mode, fail_on)
    _check_run_options(jobs, max_images, stage_timeout, max_megapixels)
    policy = _Policy(thresholds, code_prefixes(select, "select"), code_prefixes(ignore, "ignore"))
    pipeline = spec if isinstance(spec, Pipeline) else load_spec(spec, allow_modules=allow_modules)
    found = discover(images)
    kind = input or pipeline.input or "pil"
    settings = Settings(seed, samples, kind, mode, fail_on, max_images, stage_timeout)
    settings = replace(settings, max_megapixels=max_megapixels)
    sources = found if max_images is None else subset(found, max_images, seed)
    pipeline = _unwrapped(pipeline, sources, settings)
    pictures = _Pictures(visuals, visual_images, visual_samples)
    found_count = len(found) if max_images is not None else None
    workers = fit_jobs([source.path for source in sources]) if jobs == "auto" else jobs
    execution = _Execution(workers, isolate, progress, pictures)
    return _audit(pipeline, settings, policy, (sources, found_count), execution)


@dataclass(frozen=True)
class _Pictures:
    """Which pictures to keep for the visual reports (None: all)."""

    wanted: bool
    images: int | None
    samples: int | None


@dataclass(frozen=True)
class _Execution:
    """How images are run: worker processes, isolation, progress, pictures kept."""

    jobs: int
    isolate: bool
    progress: Progress | None
    pictures: _Pictures


def _audit(
    pipeline: Pipeline,
    settings: Settings,
    policy: _Policy,
    images: tuple[Sequence[ImageSource], int | None],
    execution: _Execution,
) -> Report:
    """Run the plan on the images (and how many were found, with --max-images)."""
    sources, found = images
    transforms = tuple(s.transform for s in pipeline.stages)
    kinds = tuple(stage_kind(t) for t in transforms)
    intervals = settings.max_images is not None
    pictures = execution.pictures
    collector = Collector(Aggregator(len(kinds), intervals=intervals), pictures.images)
    plan = AuditPlan(
        transforms,
        kinds,
        settings.input,
        settings.mode,
        settings.samples,
        settings.seed,
        settings.stage_timeout,
        pictures.wanted,
        pictures.samples,
        round(settings.max_megapixels * 1e6) if settings.max_megapixels else None,
    )
    try:
        _run(plan, sources, execution, collector)
    except KeyboardInterrupt:
        report = _assemble(pipeline, kinds, collector, settings, policy, static_only=False)
        raise AuditInterrupted(replace(report, partial=True, images_found=found)) from None
    report = _assemble(pipeline, kinds, collector, settings, policy, static_only=False)
    return replace(report, images_found=found)


def _run(
    plan: AuditPlan, sources: Sequence[ImageSource], execution: _Execution, collector: Collector
) -> None:
    from augaudit.execution.parallel import results

    runs = results(plan, sources, execution.jobs, isolate=execution.isolate)
    for done, result in enumerate(runs, start=1):
        collector.add(result)
        if execution.progress is not None:
            execution.progress(done, len(sources))


def _unwrapped(pipeline: Pipeline, sources: Sequence[ImageSource], settings: Settings) -> Pipeline:
    """Wrappers proved to call their inner pipeline, replaced by its stages."""
    if not any(stage.delegate is not None for stage in pipeline.stages):
        return pipeline  # nothing to prove: torch is not needed for this
    from augaudit.measure.delegation import Draws, unwrap

    draws = Draws(settings.input, settings.mode, settings.samples, settings.seed)
    draws = replace(draws, stage_timeout=settings.stage_timeout)
    return replace(pipeline, stages=unwrap(pipeline.stages, sources, draws))


def _check_run_options(
    jobs: int | Literal["auto"],
    max_images: int | None,
    stage_timeout: float | None,
    megapixels: float | None,
) -> None:
    if jobs != "auto" and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise InputError(f"--jobs must be at least 1, got {jobs!r}")
    if max_images is not None and max_images < 1:
        raise InputError(f"--max-images must be at least 1, got {max_images}")
    if stage_timeout is not None and not stage_timeout >= 0:  # NaN fails too
        raise InputError(
            f"--stage-timeout must be 0 (no limit) or more seconds, got {stage_timeout}"
        )
    if megapixels is not None and not 0 < megapixels < float("inf"):  # NaN fails too
        raise InputError(f"--max-megapixels must be 0 (no limit) or more, got {megapixels}")


@dataclass(frozen=True)
class _Policy:
    """Which checks run, and the thresholds they judge by (None: the defaults)."""

    thresholds: dict[str, float] | None
    select: Sequence[str]
    ignore: Sequence[str]


def _assemble(
    pipeline: Pipeline,
    kinds: Sequence[str],
    collected: Collector,
    settings: Settings,
    policy: _Policy,
    *,
    static_only: bool,
) -> Report:
    """Stage statistics, the selected checks' findings and the summary, as one Report."""
    agg, images = collected.aggregator, tuple(collected.images)
    transforms = tuple(s.transform for s in pipeline.stages)
    stage_reports = agg.stage_reports(pipeline.stages, kinds)
    in_effect = {**DEFAULT_THRESHOLDS, **(policy.thresholds or {})}
    settings = replace(settings, thresholds=tuple(sorted(in_effect.items())))
    ctx = CheckContext(
        stages=stage_reports,
        evidence=agg.evidence(),
        transforms=transforms,
        thresholds=in_effect,
        images=images,
        input_kind=settings.input,
    )
    findings, codes = _findings(ctx, pipeline, policy, static_only=static_only)
    return Report(
        spec=_spec_display(pipeline.source),
        settings=settings,
        images=images,
        stages=stage_reports,
        findings=findings,
        summary=summarize(findings, settings.fail_on),
        augaudit_version=__version__,
        checks=codes,
        visuals=tuple(collected.pictures),
        tracebacks=tuple(sorted(agg.tracebacks.items())),
    )


def validate(
    spec: str | Pipeline,
    *,
    fail_on: str = "error",
    allow_modules: Sequence[str] = (),
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    build: bool = False,
    thresholds: dict[str, float] | None = None,
) -> Report:
    """Load a spec and run the static checks: no images, nothing measured.

    A YAML spec naming only torchvision classes is checked against the recorded catalog of
    torchvision's transforms, without importing torch (its stages' ``repr`` is then the
    arguments as given); anything else, or ``build=True``, builds the real transforms, which
    also catches argument values a constructor refuses. ``thresholds`` are only stated, never
    applied (nothing is measured): the report's texts name these limits.

    Raises
    ------
    AugauditError
        The spec cannot be read or resolved, or its arguments do not fit (bad name or
        arguments; with building, values the constructor refuses).
    """
    _check_options(1, None, "rgb", fail_on)
    select, ignore = code_prefixes(select, "select"), code_prefixes(ignore, "ignore")
    if isinstance(spec, Pipeline):
        pipeline = spec
    else:
        from augaudit.spec.static import load_static

        static = None if build else load_static(spec, allow_modules=allow_modules)
        pipeline = static or load_spec(spec, allow_modules=allow_modules)
    kinds = [stage_kind(s.transform) for s in pipeline.stages]
    settings = Settings(
        seed=0, samples=0, input=pipeline.input or "pil", mode="rgb", fail_on=fail_on
    )
    nothing = Collector(Aggregator(len(kinds)))  # nothing measured: stages without statistics
    policy = _Policy(thresholds, select, ignore)
    return _assemble(pipeline, kinds, nothing, settings, policy, static_only=True)


def _check_options(samples: int, input: str | None, mode: str, fail_on: str) -> None:
    if samples < 1:
        raise InputError(f"--samples must be at least 1, got {samples}")
    if input is not None and input not in INPUT_KINDS:
        raise InputError(f"--input must be one of {', '.join(INPUT_KINDS)}, got {input!r}")
    if mode not in MODE_CHOICES:
        raise InputError(f"--mode must be one of {', '.join(MODE_CHOICES)}, got {mode!r}")
    if fail_on not in FAIL_ON_CHOICES:
        raise InputError(f"--fail-on must be one of {', '.join(FAIL_ON_CHOICES)}, got {fail_on!r}")


def _findings(
    ctx: CheckContext, pipeline: Pipeline, policy: _Policy, *, static_only: bool
) -> tuple[tuple[Finding, ...], tuple[str, ...]]:
    """Findings of the selected checks, minus per-stage suppressions, and the codes that ran."""
    per_stage_ignore = {i + 1: s.ignore for i, s in enumerate(pipeline.stages)}
    found: list[Finding] = []
    codes: list[str] = []
    for check in all_checks():
        if not selected([check.code], policy.select, policy.ignore) or (
            static_only and not check.static
        ):
            continue
        codes.append(check.code)
        for finding in check.run(ctx):
            if (
                finding.stage is not None
                and selected([finding.code], (), per_stage_ignore.get(finding.stage, ())) is False
            ):
                continue
            found.append(finding)
    order = {"error": 0, "warning": 1, "info": 2}
    found.sort(key=lambda f: (f.stage or 0, order[f.severity], f.code))
    return tuple(found), tuple(codes)


def _spec_display(source: str) -> str:
    """The spec as reports show it: file specs without an absolute prefix."""
    path, sep, name = source.partition(":")
    if sep and not path.endswith(".py"):
        return source  # an import path, package.module:attribute
    return display_path(Path(path)) + sep + name
