"""The command line: a thin layer over the library and the reporters.

Only this package imports typer. Heavy modules (torch, the engine) are imported
inside commands, never at the top, so ``--help``, ``--version``, ``rules`` and
``explain`` stay fast.
"""

from __future__ import annotations

import sys
import traceback
from typing import Annotated

import typer

from augaudit import __version__
from augaudit.cli import audit_cmds, docs_cmds, gate_cmds
from augaudit.cli.common import EXIT_BUG, EXIT_INTERRUPTED

app = typer.Typer(
    add_completion=False,
    # Plain help: typer's rich help imports markdown-it and costs ~100 ms of the 0.3 s budget.
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Audit image augmentation pipelines stage by stage: dtype, range, wrap-around, "
    "border fill and fidelity.",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"augaudit {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """augaudit: find where an augmentation pipeline silently degrades images."""


for command in (
    audit_cmds.run,
    audit_cmds.check,
    audit_cmds.validate,
    gate_cmds.baseline,
    gate_cmds.diff,
    docs_cmds.rules,
    docs_cmds.explain,
):
    app.command()(command)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("augaudit: error: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # a bug anywhere in the CLI layer is still exit 3, one line
        if "--debug" in sys.argv:
            traceback.print_exc()
        typer.echo(
            f"augaudit: error: internal error (a bug in augaudit): {type(exc).__name__}: {exc}; "
            "rerun with --debug and report it",
            err=True,
        )
        sys.exit(EXIT_BUG)
