"""Commands that document the checks: rules, explain. They never import torch."""

from __future__ import annotations

import difflib
from typing import Annotated

import typer

from augaudit.cli.common import fail, load_settings


def rules() -> None:
    """List every check: code, name, default severity, summary (with the configured limits)."""
    from augaudit.checks.registry import all_checks

    thresholds = load_settings(None, debug=False).thresholds
    checks = all_checks()
    width = max(len(c.name) for c in checks)
    for check in checks:
        summary = check.summary_for(thresholds)
        typer.echo(f"{check.code}  {check.name:<{width}}  {check.severity:<7}  {summary}")


def explain(
    code: Annotated[str, typer.Argument(help="A check code, e.g. AUG202.")],
) -> None:
    """Print a check's documentation, with a failing and a passing example."""
    from augaudit.checks.registry import all_checks

    by_code = {c.code: c for c in all_checks()}
    check = by_code.get(code.upper())
    if check is None:
        close = difflib.get_close_matches(code.upper(), list(by_code), n=1)
        hint = f"did you mean {close[0]}?" if close else "see `augaudit rules`"
        fail(f"unknown check code {code!r} (hint: {hint})")
    typer.echo(f"{check.code} {check.name} ({check.severity})\n")
    typer.echo(f"{check.summary_for(load_settings(None, debug=False).thresholds)}\n")
    typer.echo(check.doc.rstrip() + "\n")
    typer.echo(f"Hint: {check.hint}")
