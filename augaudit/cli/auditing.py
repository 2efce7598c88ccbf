"""Running audits for the commands: draw settings, progress, Ctrl-C, where specs and images
come from. The commands themselves are in audit_cmds and gate_cmds."""

from __future__ import annotations

import contextlib
import glob
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from augaudit.cli.common import (
    EXIT_USER_ERROR,
    NO_IMAGE,
    Policy,
    emit,
    fail,
    guarded,
    interrupted_code,
    pick,
    progress_bar,
    warn_skipped,
)
from augaudit.cli.protect import refuse_overwriting_inputs, user_code_guard
from augaudit.errors import AuditInterrupted, AugauditError

if TYPE_CHECKING:
    from augaudit.gate.config import Config
    from augaudit.model import Report


@dataclass(frozen=True)
class Sampling:
    """The draw settings as given on the command line (None: take the config's)."""

    samples: int | None = None
    seed: int | None = None
    input: str | None = None
    mode: str | None = None
    jobs: int | None = None
    max_images: int | None = None
    stage_timeout: float | None = None
    visuals: bool = False
    visual_images: int | None = None
    visual_samples: int | None = None
    max_megapixels: float | None = None


def audit_all(
    specs: list[str],
    images: list[str],
    config: Config,
    rules: Policy,
    draws: Sampling,
    debug: bool,
    *,
    from_config_folder: bool = False,
) -> list[Report]:
    """Audit each spec on the same images with the same settings.

    ``from_config_folder`` (the gate's commands): audit from the configuration file's folder,
    so reports name files relative to it, and seeds, baselines and comparisons are the same
    from any subfolder. On Ctrl-C, raises :class:`PartialRun` with the reports finished so
    far and the interrupted one's partial report.
    """
    from augaudit.execution.allocator import tune_allocator

    tune_allocator()
    root = config.path.parent if from_config_folder and config.path else None
    if root is not None:
        specs = [_absolute_spec(spec) for spec in specs]
        images = [os.path.abspath(image) for image in images]
    reports: list[Report] = []
    for spec in specs:
        try:
            reports.append(audit_one(spec, images, config, rules, draws, debug, root))
        except AuditInterrupted as exc:
            raise PartialRun([*reports, exc.report]) from None
    return reports


class PartialRun(KeyboardInterrupt):
    """Ctrl-C: the reports to write before exiting 130.

    A KeyboardInterrupt, so commands that have no partial report to write
    (``baseline``, ``diff``) still end as interrupted (exit 130), never as a bug.
    """

    def __init__(self, reports: list[Report]):
        super().__init__("interrupted")
        self.reports = reports


def emit_partial(
    run: PartialRun,
    format: str,
    output: Path | None,
    then: Callable[[Report], None] = lambda report: None,
) -> NoReturn:
    """Write the partial reports (then ``then`` on the interrupted one) and exit 130 (143
    after SIGTERM).

    A partial report's summary says that code too: the exit code of the run it describes.
    """
    code = interrupted_code()
    reports = [
        replace(r, summary=replace(r.summary, exit_code=code)) if r.partial else r
        for r in run.reports
    ]
    emit(reports, format, output, code)
    then(reports[-1])
    typer.echo("augaudit: error: interrupted; the report covers the images audited", err=True)
    raise typer.Exit(code)


def fail_if_unreadable(reports: Sequence[Report]) -> None:
    """Exit 2 as ``run`` does (each skipped image named, then one error line) when no image
    could be read: for the commands that print no report of their own (diff, baseline)."""
    unreadable = next((r for r in reports if r.summary.exit_code == EXIT_USER_ERROR), None)
    if unreadable is not None:
        warn_skipped([unreadable])
        fail(NO_IMAGE)


def audit_one(
    spec: str,
    images: list[str],
    config: Config,
    rules: Policy,
    draws: Sampling,
    debug: bool,
    root: Path | None = None,
) -> Report:
    from augaudit.api import audit

    with progress_bar(f"auditing {spec}") as bar, user_code_guard(root):
        report = guarded(
            lambda: audit(
                spec,
                images,
                samples=pick(draws.samples, config.samples, 4),
                seed=pick(draws.seed, config.seed, 0),
                input=pick(draws.input, config.input, None),
                mode=pick(draws.mode, config.mode, "rgb"),
                fail_on=rules.fail_on,
                allow_modules=rules.allow_modules,
                thresholds=rules.thresholds,
                select=rules.select,
                ignore=rules.ignore,
                progress=bar,
                jobs=pick(draws.jobs, None, "auto"),
                isolate=True,
                max_images=draws.max_images,
                stage_timeout=_timeout(pick(draws.stage_timeout, config.stage_timeout, None)),
                max_megapixels=_limit(pick(draws.max_megapixels, config.max_megapixels, None)),
                visuals=draws.visuals,
                visual_images=draws.visual_images,
                visual_samples=draws.visual_samples,
            ),
            debug=debug,
            cleanup=bar.close,
        )
    if report.no_image_read:  # the CLI's exit code for a run that audited nothing
        report = replace(report, summary=replace(report.summary, exit_code=EXIT_USER_ERROR))
    if debug:
        for stage, tb in report.tracebacks:
            typer.echo(f"--- traceback of stage {stage} ---\n{tb}", err=True)
    return report


def _limit(megapixels: float | None) -> float | None:
    """Megapixels per output: 50 when not given; 0 means no limit."""
    if megapixels is None:
        return 50.0
    return None if megapixels == 0 else megapixels


def _timeout(seconds: float | None) -> float | None:
    """Seconds per stage: 60 when not given; 0 means no limit."""
    if seconds is None:
        return 60.0
    return None if seconds == 0 else seconds


def configured_specs(specs: list[str] | None, config: Config) -> list[str]:
    """Specs given on the command line, else the config's `pipelines` (globs expanded)."""
    if specs:
        return list(specs)
    found: list[str] = []
    for pattern in config.pipelines:
        matches = _expand(pattern)
        found.extend(matches if matches else [pattern])
    if not found:
        fail(
            "no pipelines to check (hint: pass spec files, or set pipelines = [...] under "
            "[tool.augaudit] in pyproject.toml or in augaudit.toml)"
        )
    return found


def _expand(pattern: str) -> list[str]:
    """Files matching a glob, ``**`` included, without following symbolic links to folders
    (``glob.glob`` follows them, and a link loop never ends)."""
    if not glob.has_magic(pattern):
        return [pattern] if os.path.lexists(pattern) else []
    path = Path(pattern)
    anchor = Path(path.anchor) if path.is_absolute() else Path()
    relative = path.relative_to(anchor) if path.is_absolute() else path
    matches = [p for p in anchor.glob(relative.as_posix()) if p.is_file()]
    # As glob.glob does: wildcards do not match hidden names.
    hidden_asked = any(part.startswith(".") for part in relative.parts)
    return sorted(
        p.as_posix()
        for p in matches
        if hidden_asked or not any(part.startswith(".") for part in p.relative_to(anchor).parts)
    )


def configured_images(images: list[str] | None, config: Config) -> list[str]:
    chosen = list(images or config.images)
    if not chosen:
        fail(
            "no images to audit with (hint: pass --images DIR, or set images = [...] under "
            "[tool.augaudit] in pyproject.toml or in augaudit.toml)"
        )
    return chosen


def protect_inputs(
    outputs: dict[str, Path | None],
    specs: Sequence[str],
    images: Sequence[str],
    config: Config,
    baseline: Path | None = None,
) -> None:
    """Refuse, before anything runs, an output that would overwrite a spec, an image, the
    configuration or the baseline being compared."""
    from augaudit.sources.images import discover

    files = [Path(file) for spec in specs if (file := _existing_file(spec))]
    with contextlib.suppress(AugauditError):  # no images: the audit says so, in its words
        files += [source.path for source in discover(list(images))]
    files += [p for p in (config.path, baseline) if p is not None]
    refuse_overwriting_inputs(outputs, files)


def _existing_file(spec: str) -> str | None:
    """The file a spec names, when it exists (not for an import path)."""
    from augaudit.spec import spec_file

    file = spec_file(spec)
    return file if file is not None and Path(file).exists() else None


def _absolute_spec(spec: str) -> str:
    """The spec with its existing file made absolute (anything else stays as typed, so its
    error names it as the user wrote it)."""
    file = _existing_file(spec)
    if file is None:
        return spec
    return os.path.abspath(file) + spec[len(file) :]
