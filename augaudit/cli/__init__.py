"""The command line: a thin layer over the library and the reporters.

Only this package imports typer. Heavy modules (torch, the api) are imported
inside commands, never at the top, so ``--help``, ``--version``, ``rules`` and
``explain`` stay fast.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from functools import partial
from typing import Annotated, NoReturn

import typer

from augaudit._version import __version__
from augaudit.cli import audit_cmds, docs_cmds, gate_cmds, supervise
from augaudit.cli.common import (
    EXIT_BUG,
    OUTPUT_ERRNOS,
    interrupted_code,
    output_failed,
    stop_on_sigterm,
)

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


def _fast_path(args: list[str]) -> Callable[[], None] | None:
    """The command to call directly for a command line of positional arguments only.

    typer 0.29 builds a pydantic TypeAdapter for every parameter it parses, its own --help
    option included: importing pydantic costs 0.1-0.15 s of the 0.3 s start-up budget of
    `rules`, `explain CODE` and `validate SPEC...`. Given nothing but positional arguments,
    those commands get exactly the values typer would pass them; anything else (an option,
    `--`, a missing or extra argument, a shell completion request) goes through typer.
    """
    if any(arg.startswith("-") for arg in args) or any(
        key.startswith("_") and key.endswith("_COMPLETE") for key in os.environ
    ):
        return None
    if args == ["rules"]:
        return docs_cmds.rules
    if len(args) == 2 and args[0] == "explain":
        return partial(docs_cmds.explain, args[1])
    if len(args) >= 2 and args[0] == "validate":
        # The one option read from the environment, as click reads it (empty means unset).
        fmt = os.environ.get("AUGAUDIT_FORMAT") or "text"
        return partial(audit_cmds.validate, args[1:], format=fmt)
    return None


def _run_fast(command: Callable[[], None]) -> None:
    # What typer's standalone mode does around a command: Exit codes, Ctrl-C as 130, and a
    # closed pipe as a quiet exit 1.
    try:
        command()
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(interrupted_code())
    except OSError as exc:
        if exc.errno not in OUTPUT_ERRNOS:
            raise
        try:
            output_failed(exc)
        except typer.Exit as done:
            sys.exit(done.exit_code)


def main() -> None:
    if supervise.wanted(sys.argv[1:]):
        supervise.supervise(_run_command)
    _run_command()


def _run_command() -> None:
    stop_on_sigterm()
    try:
        fast = _fast_path(sys.argv[1:])
        if fast is not None:
            _run_fast(fast)
        else:
            app()
    except KeyboardInterrupt:
        typer.echo("augaudit: error: interrupted", err=True)
        sys.exit(interrupted_code())
    except OSError as exc:
        if exc.errno not in OUTPUT_ERRNOS:
            _bug(exc)
        try:
            output_failed(exc)
        except typer.Exit as done:
            sys.exit(done.exit_code)
    except Exception as exc:
        _bug(exc)


def _bug(exc: BaseException) -> NoReturn:
    """A bug anywhere in the CLI layer is still exit 3, one line."""
    if "--debug" in sys.argv:
        traceback.print_exc()
    typer.echo(
        f"augaudit: error: internal error (a bug in augaudit): {type(exc).__name__}: {exc}; "
        "rerun with --debug and report it",
        err=True,
    )
    sys.exit(EXIT_BUG)
