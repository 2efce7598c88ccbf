"""The command line: a thin layer over ``augaudit.audit`` and the reporters.

Exit codes (public API): 0 no finding at or above --fail-on; 1 findings at or
above it; 2 usage, spec or input error; 3 internal error (a bug); 130 interrupted.
Heavy modules (torch, the engine) are imported inside commands, never at the
top, so ``--help``, ``--version``, ``rules`` and ``explain`` stay fast.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from augaudit import __version__
from augaudit.errors import AugauditError

EXIT_USER_ERROR = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130
FORMATS = ("text", "json")

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


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"augaudit: error: {message}", err=True)
    raise typer.Exit(code)


def _write_atomic(path: Path, text: str) -> None:
    # Temporary file then rename: an interrupted run never leaves a truncated report.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        # mkstemp creates 0600; a report is an artifact others read, so honour the umask.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _ProgressBar:
    """A progress bar on stderr that appears only when a run takes more than a moment."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.started = time.monotonic()
        self.bar: Any = None
        self.task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.started < 1.0 or done >= total:
                return
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("auditing images", total=total)
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@app.command()
def run(
    spec: Annotated[str, typer.Argument(help="Pipeline spec: .yaml, .py[:name] or module:attr.")],
    images: Annotated[list[str], typer.Argument(help="Image files or folders (recursive).")],
    samples: Annotated[int, typer.Option(help="Random draws per image.")] = 4,
    seed: Annotated[int, typer.Option(help="Seed all stage seeds derive from.")] = 0,
    input: Annotated[
        str | None,
        typer.Option("--input", help="What the pipeline receives: pil | uint8 | float."),
    ] = None,
    mode: Annotated[str, typer.Option(help="rgb (convert every image) | keep.")] = "rgb",
    format: Annotated[
        str, typer.Option("--format", envvar="AUGAUDIT_FORMAT", help="text | json.")
    ] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report here (atomically).")
    ] = None,
    fail_on: Annotated[
        str,
        typer.Option("--fail-on", help="Exit 1 on findings at or above: error | warning | never."),
    ] = "error",
    allow_module: Annotated[
        list[str] | None,
        typer.Option("--allow-module", help="A module YAML specs may name (repeatable)."),
    ] = None,
    debug: Annotated[
        bool, typer.Option(help="Show tracebacks of failing stages and bugs.")
    ] = False,
) -> None:
    """Audit SPEC on IMAGES and report every stage."""
    if format not in FORMATS:
        _fail(f"--format must be one of {', '.join(FORMATS)}, got {format!r}", EXIT_USER_ERROR)
    progress = _ProgressBar(sys.stderr.isatty())
    try:
        from augaudit.engine import audit

        report = audit(
            spec,
            images,
            samples=samples,
            seed=seed,
            input=input,
            mode=mode,
            fail_on=fail_on,
            allow_modules=allow_module or (),
            progress=progress,
        )
    except AugauditError as exc:
        progress.close()
        _fail(str(exc), EXIT_USER_ERROR)
    except KeyboardInterrupt:
        progress.close()
        _fail("interrupted", EXIT_INTERRUPTED)
    except Exception as exc:
        progress.close()
        if debug:
            traceback.print_exc()
        _fail(
            f"internal error (a bug in augaudit): {type(exc).__name__}: {exc}; "
            "rerun with --debug and report it",
            EXIT_BUG,
        )
    progress.close()
    for img in report.images:
        if img.status == "skipped":
            typer.echo(f"augaudit: warning: {img.path} skipped: {img.reason}", err=True)
    if debug:
        for stage, tb in sorted(report.extra.get("tracebacks", {}).items()):
            typer.echo(f"--- traceback of stage {stage} ---\n{tb}", err=True)
    if format == "json":
        from augaudit.reporters.json_format import render as render_json

        text = render_json(report)
    else:
        from augaudit.reporters.text import render as render_text

        color = output is None and sys.stdout.isatty()
        encoding = (sys.stdout.encoding or "ascii").lower().replace("-", "")
        text = render_text(report, color=color, ascii_only=output is None and encoding != "utf8")
    if output is not None:
        _write_atomic(output, text)
        typer.echo(
            f"augaudit: wrote {output}: {report.summary.errors} errors, "
            f"{report.summary.warnings} warnings (exit {report.summary.exit_code})",
            err=True,
        )
    else:
        _write_stdout(text)
    if report.summary.exit_code == 2:
        typer.echo("augaudit: error: no image could be read", err=True)
    raise typer.Exit(report.summary.exit_code)


def _write_stdout(text: str) -> None:
    # A terminal that cannot encode a character gets a replacement, never a traceback.
    encoding = sys.stdout.encoding or "utf-8"
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode(encoding, errors="replace"))
    sys.stdout.flush()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("augaudit: error: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)


if __name__ == "__main__":
    main()
