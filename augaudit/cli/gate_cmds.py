"""Commands that gate pipeline changes: baseline, diff, and check's baseline comparison."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from augaudit.cli.auditing import (
    Sampling,
    audit_all,
    configured_images,
    configured_specs,
    fail_if_unreadable,
    protect_inputs,
)
from augaudit.cli.common import guarded, load_settings, policy, write_atomic
from augaudit.cli.options import AllowModule, ConfigPath, Debug, Input, Mode, Samples, Seed

if TYPE_CHECKING:
    from augaudit.gate.config import Config
    from augaudit.model import Report


def compare_baseline(
    path: Path, reports: list[Report], config: Config, debug: bool
) -> list[Report]:
    """Compare with the baseline, print the comparison on stderr, and return the reports
    carrying its verdict (a pipeline with a regression exits 1), for every format to show."""
    from augaudit.gate.baseline import load_baseline
    from augaudit.gate.compare import compare, tolerances_from, with_verdict
    from augaudit.reporters.comparison import render_comparison

    data = guarded(lambda: load_baseline(path), debug=debug)
    comparison = guarded(
        partial(compare, data, reports, tolerances_from(config.thresholds)), debug=debug
    )
    typer.echo(render_comparison(comparison), err=True)
    return with_verdict(reports, comparison)


def baseline(
    specs: Annotated[
        list[str] | None, typer.Argument(help="Spec files (default: the configured pipelines).")
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Baseline file to write.")] = Path(
        "augaudit.lock.json"
    ),
    images: Annotated[
        list[str] | None, typer.Option("--images", help="Image files or folders (repeatable).")
    ] = None,
    samples: Samples = None,
    seed: Seed = None,
    input: Input = None,
    mode: Mode = None,
    allow_module: AllowModule = None,
    config: ConfigPath = None,
    debug: Debug = False,
) -> None:
    """Record the stage metrics and findings of the pipelines, to gate later changes on."""
    from augaudit.gate.baseline import dump_baseline, make_baseline

    settings = load_settings(config, debug)
    rules = policy(
        settings,
        select=None,
        ignore=None,
        extend_ignore=None,
        fail_on="never",
        allow_module=allow_module,
    )
    chosen = configured_images(images, settings)
    chosen_specs = configured_specs(specs, settings)
    protect_inputs({"--output": output}, chosen_specs, chosen, settings)
    draws = Sampling(samples, seed, input, mode)
    reports = audit_all(
        chosen_specs, chosen, settings, rules, draws, debug, from_config_folder=True
    )
    fail_if_unreadable(reports)
    write_atomic(output, dump_baseline(make_baseline(reports)))
    count = f"{len(reports)} pipeline" + ("" if len(reports) == 1 else "s")
    typer.echo(f"augaudit: wrote baseline {output} ({count})", err=True)


def diff(
    old: Annotated[str, typer.Argument(help="The old spec.")],
    new: Annotated[str, typer.Argument(help="The new spec.")],
    images: Annotated[list[str], typer.Argument(help="Image files or folders.")],
    samples: Samples = None,
    seed: Seed = None,
    input: Input = None,
    mode: Mode = None,
    allow_module: AllowModule = None,
    config: ConfigPath = None,
    debug: Debug = False,
) -> None:
    """Audit two pipelines on the same images and seeds; show stages side by side."""
    from augaudit.gate.diff import diff_reports
    from augaudit.reporters.diff_text import render_diff

    settings = load_settings(config, debug)
    rules = policy(
        settings,
        select=None,
        ignore=None,
        extend_ignore=None,
        fail_on=None,
        allow_module=allow_module,
    )
    both = audit_all(
        [old, new], images, settings, rules, Sampling(samples, seed, input, mode), debug
    )
    fail_if_unreadable(both)

    def show() -> str:
        return render_diff(diff_reports(both[0], both[1]))

    typer.echo(guarded(show, debug=debug))
