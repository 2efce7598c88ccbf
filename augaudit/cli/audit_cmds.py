"""Commands that audit pipelines: run, check, validate, baseline, diff."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from augaudit.cli.auditing import (
    PartialRun,
    Sampling,
    audit_all,
    configured_images,
    configured_specs,
    emit_partial,
    protect_inputs,
)
from augaudit.cli.common import (
    Policy,
    check_format,
    emit,
    fail,
    guarded,
    load_settings,
    policy,
    write_atomic,
)
from augaudit.cli.options import (
    AllowModule,
    ConfigPath,
    Debug,
    ExtendIgnore,
    FailOn,
    Format,
    Grid,
    Html,
    HtmlImages,
    Ignore,
    Input,
    Jobs,
    MaxImages,
    MaxMegapixels,
    Mode,
    Output,
    Samples,
    Seed,
    Select,
    StageTimeout,
)
from augaudit.cli.protect import user_code_guard

if TYPE_CHECKING:
    from augaudit.model import Report


def run(
    spec: Annotated[str, typer.Argument(help="Pipeline spec: .yaml, .py[:name] or module:attr.")],
    images: Annotated[list[str], typer.Argument(help="Image files or folders (recursive).")],
    samples: Samples = None,
    seed: Seed = None,
    input: Input = None,
    mode: Mode = None,
    jobs: Jobs = None,
    max_images: MaxImages = None,
    stage_timeout: StageTimeout = None,
    max_megapixels: MaxMegapixels = None,
    format: Format = "text",
    output: Output = None,
    html: Html = None,
    grid: Grid = None,
    html_images: HtmlImages = None,
    fail_on: FailOn = None,
    select: Select = None,
    ignore: Ignore = None,
    extend_ignore: ExtendIgnore = None,
    allow_module: AllowModule = None,
    config: ConfigPath = None,
    debug: Debug = False,
) -> None:
    """Audit SPEC on IMAGES and report every stage."""
    check_format(format)
    if html_images is not None and html_images < 1:
        fail(f"--html-images must be at least 1, got {html_images}")
    if grid is not None and grid.suffix.lower() != ".png":
        fail(f"--grid writes a PNG contact sheet, not {grid.name} (hint: end the name in .png)")
    settings = load_settings(config, debug)
    protect_inputs({"--output": output, "--html": html, "--grid": grid}, [spec], images, settings)
    rules = policy(
        settings,
        select=select,
        ignore=ignore,
        extend_ignore=extend_ignore,
        fail_on=fail_on,
        allow_module=allow_module,
    )
    visual = html is not None or grid is not None
    # Keep only the pictures a report will show: the grid shows sample 0 of every image,
    # the HTML every sample of its first --html-images images.
    shown_images = html_images if grid is None else None
    shown_samples = 1 if html is None else None
    draws = Sampling(
        samples,
        seed,
        input,
        mode,
        jobs,
        max_images,
        stage_timeout,
        visual,
        shown_images,
        shown_samples,
        max_megapixels,
    )

    def partial_visuals(report: Report) -> None:
        write_visuals(report, html, grid, html_images, debug)

    try:
        reports = audit_all([spec], images, settings, rules, draws, debug)
    except PartialRun as partial:
        emit_partial(partial, format, output, partial_visuals)
    # The main report first: a visual report that cannot be written must not lose it.
    code = emit(reports, format, output)
    write_visuals(reports[0], html, grid, html_images, debug)
    raise typer.Exit(code)


def write_visuals(
    report: Report, html: Path | None, grid: Path | None, html_images: int | None, debug: bool
) -> None:
    """The visual reports asked for, written atomically next to the main one."""
    from augaudit.reporters import RenderOptions, render

    options = RenderOptions(max_images=html_images)
    for name, path in (("html", html), ("grid", grid)):
        if path is not None:
            data = guarded(partial(render, name, [report], options), debug=debug)
            write_atomic(path, data)
            typer.echo(f"augaudit: wrote {path}", err=True)


def check(
    specs: Annotated[
        list[str] | None, typer.Argument(help="Spec files (default: the configured pipelines).")
    ] = None,
    images: Annotated[
        list[str] | None, typer.Option("--images", help="Image files or folders (repeatable).")
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="Fail on regressions against this file.")
    ] = None,
    samples: Samples = None,
    seed: Seed = None,
    input: Input = None,
    mode: Mode = None,
    jobs: Jobs = None,
    max_images: MaxImages = None,
    stage_timeout: StageTimeout = None,
    max_megapixels: MaxMegapixels = None,
    format: Format = "text",
    output: Output = None,
    fail_on: FailOn = None,
    select: Select = None,
    ignore: Ignore = None,
    extend_ignore: ExtendIgnore = None,
    allow_module: AllowModule = None,
    config: ConfigPath = None,
    debug: Debug = False,
) -> None:
    """Audit the configured pipelines (or the spec files pre-commit passes) as a gate."""
    check_format(format)
    settings = load_settings(config, debug)
    rules = policy(
        settings,
        select=select,
        ignore=ignore,
        extend_ignore=extend_ignore,
        fail_on=fail_on,
        allow_module=allow_module,
    )
    chosen = configured_images(images, settings)
    chosen_specs = configured_specs(specs, settings)
    baseline_path = baseline or (Path(settings.baseline) if settings.baseline else None)
    protect_inputs({"--output": output}, chosen_specs, chosen, settings, baseline_path)
    draws = Sampling(samples, seed, input, mode, jobs, max_images, stage_timeout)
    draws = replace(draws, max_megapixels=max_megapixels)
    try:
        reports = audit_all(
            chosen_specs, chosen, settings, rules, draws, debug, from_config_folder=True
        )
    except PartialRun as partial:
        emit_partial(partial, format, output)
    if baseline_path is not None:
        from augaudit.cli.gate_cmds import compare_baseline

        # The reports carry the comparison's verdict: every format shows it, and their exit
        # codes are the run's.
        reports = compare_baseline(baseline_path, reports, settings, debug)
    raise typer.Exit(emit(reports, format, output))


def validate(
    specs: Annotated[list[str], typer.Argument(help="Spec files to validate.")],
    format: Format = "text",
    fail_on: FailOn = None,
    select: Select = None,
    ignore: Ignore = None,
    extend_ignore: ExtendIgnore = None,
    allow_module: AllowModule = None,
    config: ConfigPath = None,
    build: Annotated[
        bool,
        typer.Option(
            "--build",
            help="Build the transforms (imports torch) instead of checking YAML specs against "
            "the recorded torchvision catalog: also catches argument values a constructor "
            "refuses.",
        ),
    ] = False,
    debug: Debug = False,
) -> None:
    """Parse specs, check names and arguments, run the static checks: fast, no images."""
    check_format(format)
    settings = load_settings(config, debug)
    rules = policy(
        settings,
        select=select,
        ignore=ignore,
        extend_ignore=extend_ignore,
        fail_on=fail_on,
        allow_module=allow_module,
    )
    with user_code_guard():  # a Python spec's prints
        reports = [_validate_one(spec, rules, build, debug) for spec in specs]
    raise typer.Exit(emit(reports, format, None))


def _validate_one(spec: str, rules: Policy, build: bool, debug: bool) -> Report:
    from augaudit.api import validate as validate_spec

    return guarded(
        partial(
            validate_spec,
            spec,
            fail_on=rules.fail_on,
            allow_modules=rules.allow_modules,
            select=rules.select,
            ignore=rules.ignore,
            build=build,
            thresholds=rules.thresholds,
        ),
        debug=debug,
    )
