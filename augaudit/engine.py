"""``audit()``: spec -> stages -> per-stage records -> findings -> Report.

The library entry point. It never prints; progress goes to an optional
callback, and user errors raise :class:`augaudit.errors.AugauditError`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from augaudit import __version__
from augaudit.aggregate import Aggregator
from augaudit.checks.context import DEFAULT_THRESHOLDS, CheckContext
from augaudit.checks.registry import all_checks, selected
from augaudit.classify import stage_kind
from augaudit.errors import InputError
from augaudit.images import MODE_CHOICES, ImageSkipped, discover, load
from augaudit.model import (
    FAIL_ON_CHOICES,
    Finding,
    ImageReport,
    Report,
    Settings,
    Summary,
    summarize,
)
from augaudit.paths import display_path
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

    Raises
    ------
    AugauditError
        Bad spec, bad option, or no image files found.
    """
    _check_options(samples, input, mode, fail_on)
    pipeline = spec if isinstance(spec, Pipeline) else load_spec(spec, allow_modules=allow_modules)
    input_kind = input or pipeline.input or "pil"
    sources = discover(images)
    settings = Settings(seed=seed, samples=samples, input=input_kind, mode=mode, fail_on=fail_on)

    from augaudit.inputs import make_input
    from augaudit.runner import run_sample

    transforms = [s.transform for s in pipeline.stages]
    kinds = [stage_kind(t) for t in transforms]
    agg = Aggregator(len(transforms))
    image_reports: list[ImageReport] = []
    for done, source in enumerate(sources, start=1):
        try:
            loaded = load(source.path, mode)  # type: ignore[arg-type]
        except ImageSkipped as exc:
            image_reports.append(ImageReport(source.display, "skipped", str(exc), None, None))
        else:
            image_reports.append(
                ImageReport(source.display, "ok", None, loaded.file_mode, loaded.size, loaded.notes)
            )
            for sample in range(samples):
                x = make_input(loaded.image, input_kind)
                runs = run_sample(
                    transforms, kinds, x, image_key=source.display, sample=sample, seed=seed
                )
                agg.add(source.display, sample, runs)
        if progress is not None:
            progress(done, len(sources))

    stage_reports = agg.stage_reports(pipeline.stages, kinds)
    ctx = CheckContext(
        stages=stage_reports,
        extremes=agg.extremes,
        transforms=tuple(transforms),
        thresholds={**DEFAULT_THRESHOLDS, **(thresholds or {})},
        images=tuple(image_reports),
        input_kind=input_kind,
    )
    findings, codes = _findings(ctx, pipeline, select, ignore, static_only=False)
    summary = summarize(findings, fail_on)
    if not any(img.status == "ok" for img in image_reports):
        summary = Summary(summary.errors, summary.warnings, summary.infos, 2)
    return Report(
        spec=_spec_display(pipeline.source),
        settings=settings,
        images=tuple(image_reports),
        stages=stage_reports,
        findings=findings,
        summary=summary,
        augaudit_version=__version__,
        checks=codes,
        extra={"tracebacks": agg.tracebacks},
    )


def validate(
    spec: str | Pipeline,
    *,
    fail_on: str = "error",
    allow_modules: Sequence[str] = (),
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    build: bool = False,
) -> Report:
    """Load a spec and run the static checks: no images, nothing measured.

    A YAML spec naming only torchvision classes is checked against the recorded catalog of
    torchvision's transforms, without importing torch (its stages' ``repr`` is then the
    arguments as given); anything else, or ``build=True``, builds the real transforms, which
    also catches argument values a constructor refuses.

    Raises
    ------
    AugauditError
        The spec cannot be read or resolved, or its arguments do not fit (bad name or
        arguments; with building, values the constructor refuses).
    """
    _check_options(1, None, "rgb", fail_on)
    if isinstance(spec, Pipeline):
        pipeline = spec
    else:
        from augaudit.spec.static import load_static

        static = None if build else load_static(spec, allow_modules=allow_modules)
        pipeline = static or load_spec(spec, allow_modules=allow_modules)
    transforms = [s.transform for s in pipeline.stages]
    kinds = [stage_kind(t) for t in transforms]
    stages = Aggregator(len(transforms)).stage_reports(pipeline.stages, kinds)
    ctx = CheckContext(
        stages=stages,
        extremes={},
        transforms=tuple(transforms),
        input_kind=pipeline.input or "pil",
    )
    findings, codes = _findings(ctx, pipeline, select, ignore, static_only=True)
    settings = Settings(
        seed=0, samples=0, input=pipeline.input or "pil", mode="rgb", fail_on=fail_on
    )
    return Report(
        spec=_spec_display(pipeline.source),
        settings=settings,
        images=(),
        stages=stages,
        findings=findings,
        summary=summarize(findings, fail_on),
        augaudit_version=__version__,
        checks=codes,
    )


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
    ctx: CheckContext,
    pipeline: Pipeline,
    select: Sequence[str],
    ignore: Sequence[str],
    *,
    static_only: bool,
) -> tuple[tuple[Finding, ...], tuple[str, ...]]:
    """Findings of the selected checks, minus per-stage suppressions, and the codes that ran."""
    per_stage_ignore = {i + 1: s.ignore for i, s in enumerate(pipeline.stages)}
    found: list[Finding] = []
    codes: list[str] = []
    for check in all_checks():
        if not selected([check.code], select, ignore) or (static_only and not check.static):
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
