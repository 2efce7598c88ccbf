"""What every command shares: exit codes, error handling, settings, output.

Exit codes (public API): 0 no finding at or above --fail-on; 1 findings at or
above it (or a baseline regression); 2 usage, spec, config or input error;
3 internal error (a bug); 130 interrupted; 143 terminated; 128+N the process
doing the work was killed by signal N (see cli/supervise.py).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer

from augaudit.errors import AuditInterrupted, AugauditError

if TYPE_CHECKING:
    from augaudit.gate.config import Config
    from augaudit.model import Report

EXIT_USER_ERROR = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT)
EXIT_TERMINATED = 143  # SIGTERM: CI cancellation, `timeout`, `docker stop`
T = TypeVar("T")
_TERMINATED: list[int] = []  # the SIGTERM received, if any


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C is (partial report, workers stopped), then exit 143."""


def stop_on_sigterm() -> None:
    """Turn SIGTERM into :class:`Terminated` in this process (the main thread's handler)."""

    def handle(signum: int, frame: object) -> None:
        if _TERMINATED:  # an echo (sent to the group and forwarded), or a second request
            return
        _TERMINATED.append(signum)
        raise Terminated()

    with contextlib.suppress(ValueError):  # not the main thread: leave the default
        signal.signal(signal.SIGTERM, handle)


def interrupted_code() -> int:
    """The exit code of an interrupted run: 143 after SIGTERM, else 130 (Ctrl-C)."""
    return EXIT_TERMINATED if _TERMINATED else EXIT_INTERRUPTED


MAX_MESSAGE = 1000  # characters of an error line: a user's 900 kB name is not echoed whole


def fail(message: str, code: int = EXIT_USER_ERROR) -> NoReturn:
    typer.echo(f"augaudit: error: {bounded(message)}", err=True)
    raise typer.Exit(code)


def bounded(text: str, limit: int = MAX_MESSAGE) -> str:
    """At most ``limit`` characters on one line (the middle cut, both ends kept)."""
    if len(text) <= limit and "\n" not in text:
        return text
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    half = (limit - 5) // 2
    return f"{flat[:half]} ... {flat[-half:]}"


def guarded(call: Callable[[], T], *, debug: bool, cleanup: Callable[[], None] = lambda: None) -> T:
    """Run library code, turning a user error into exit 2 and a bug into exit 3."""
    try:
        return call()
    except AugauditError as exc:
        cleanup()
        fail(str(exc), EXIT_USER_ERROR)
    except AuditInterrupted:
        cleanup()
        raise  # the caller still has a partial report to write
    except KeyboardInterrupt:
        cleanup()
        fail("interrupted", interrupted_code())
    except Exception as exc:
        cleanup()
        if debug:
            traceback.print_exc()
        fail(
            f"internal error (a bug in augaudit): {type(exc).__name__}: {exc}; "
            "rerun with --debug and report it",
            EXIT_BUG,
        )


def load_settings(config_path: Path | None, debug: bool) -> Config:
    from augaudit.gate.config import load_config

    return guarded(lambda: load_config(config_path), debug=debug)


def pick(flag: Any, configured: Any, default: Any) -> Any:
    """A command-line flag beats the config file, which beats the built-in default."""
    if flag is not None:
        return flag
    return configured if configured is not None else default


@dataclass(frozen=True)
class Policy:
    """Which checks run and how they are judged, after flags and config are merged."""

    select: tuple[str, ...]
    ignore: tuple[str, ...]
    fail_on: str
    thresholds: dict[str, float]
    allow_modules: tuple[str, ...]


def policy(
    config: Config,
    *,
    select: list[str] | None,
    ignore: list[str] | None,
    extend_ignore: list[str] | None,
    fail_on: str | None,
    allow_module: list[str] | None,
) -> Policy:
    from augaudit.model.codes import code_prefixes

    def prefixes(flag: list[str] | None, configured: Any, name: str) -> tuple[str, ...]:
        given = flag if flag is not None else configured
        where = f"--{name}" if flag is not None else f"{name} (in the config file)"
        try:
            return code_prefixes(given or (), where)
        except AugauditError as exc:
            fail(str(exc))

    extended = (
        *prefixes(None, config.extend_ignore, "extend-ignore"),
        *prefixes(extend_ignore, None, "extend-ignore"),
    )
    return Policy(
        select=prefixes(select, config.select, "select"),
        ignore=(*prefixes(ignore, config.ignore, "ignore"), *extended),
        fail_on=pick(fail_on, config.fail_on, "error"),
        thresholds=dict(config.thresholds),
        allow_modules=(*config.allow_modules, *(allow_module or ())),
    )


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write a report file, or exit 2 naming it when it cannot be written there."""
    try:
        _write_atomic(path, text.encode("utf-8") if isinstance(text, str) else text)
    except IsADirectoryError:
        fail(f"cannot write {path}: it is a directory (hint: give a file name)")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc} (hint: choose a writable place)")


# The process's own streams, whatever they are redirected to (a regular file too).
_STREAM = re.compile(r"^/(dev/(stdout|stderr|fd/\d+)|proc/(self|\d+)/fd/\d+)$")


def _write_atomic(path: Path, data: bytes) -> None:
    # Temporary file then rename: an interrupted run never leaves a truncated report.
    if path.is_dir():
        raise IsADirectoryError(str(path))
    if _STREAM.match(os.path.abspath(path)) or (path.exists() and not path.is_file()):
        # /dev/stdout, a FIFO, a terminal: written to, never renamed over. Appended
        # to, because /dev/stdout can be the caller's `>> log` file: truncating or
        # replacing it would lose what the shell put there.
        with path.open("ab") as handle:
            handle.write(data)
        return
    # Through a symbolic link to the file it names, so the link stays a link.
    path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        # mkstemp creates 0600; a report is an artifact others read, so honour the umask.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_stdout(text: str) -> None:
    # A terminal that cannot encode a character gets a replacement, never a traceback.
    encoding = sys.stdout.encoding or "utf-8"
    try:
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode(encoding, errors="replace"))
        sys.stdout.flush()
    except OSError as exc:
        if exc.errno not in OUTPUT_ERRNOS:
            raise
        output_failed(exc)


# Standard output that cannot take the report: a closed pipe, a full disk, a dead device.
OUTPUT_ERRNOS = frozenset({errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def output_failed(exc: OSError) -> NoReturn:
    """Exit 2 with one line: the report could not be written to standard output."""
    with contextlib.suppress(OSError, ValueError):  # keep the exit flush quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    hint = (
        "the program reading the pipe stopped; write the report with --output FILE"
        if exc.errno == errno.EPIPE
        else "write the report with --output FILE elsewhere, or free the disk"
    )
    fail(f"cannot write the report to standard output: {exc.strerror or exc} (hint: {hint})")


class ProgressBar:
    """A progress bar on stderr that appears only when a run takes more than a moment."""

    def __init__(self, enabled: bool, label: str = "auditing images"):
        self.enabled = enabled
        self.label = label
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
            self.task = self.bar.add_task(self.label, total=total)
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


@contextmanager
def progress_bar(label: str = "auditing images") -> Iterator[ProgressBar]:
    bar = ProgressBar(sys.stderr.isatty(), label)
    try:
        yield bar
    finally:
        bar.close()


def check_format(fmt: str) -> None:
    from augaudit.reporters import FORMATS

    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")


def render(reports: Sequence[Report], fmt: str, *, to_terminal: bool) -> str:
    """The reports in a stream format; one report keeps the single-pipeline JSON shape."""
    from augaudit.reporters import RenderOptions, reporter

    encoding = (sys.stdout.encoding or "ascii").lower().replace("-", "")
    options = RenderOptions(
        color=to_terminal and sys.stdout.isatty(),
        ascii_only=to_terminal and encoding != "utf8",
    )
    text = reporter(fmt)(reports, options)
    assert isinstance(text, str)  # the stream formats are text
    return text


def emit(reports: Sequence[Report], fmt: str, output: Path | None, extra_exit: int = 0) -> int:
    """Write the reports where asked; return the exit code of the whole run."""
    text = render(reports, fmt, to_terminal=output is None)
    warn_skipped(reports)
    if fmt == "text" and os.environ.get("GITHUB_ACTIONS") == "true":
        sys.stderr.write(render(reports, "github", to_terminal=False))
    code = max([extra_exit, *(r.summary.exit_code for r in reports)])
    if output is not None:
        write_atomic(output, text)
        errors = sum(r.summary.errors for r in reports)
        warnings = sum(r.summary.warnings for r in reports)
        typer.echo(
            f"augaudit: wrote {output}: {errors} errors, {warnings} warnings (exit {code})",
            err=True,
        )
    else:
        write_stdout(text)
    if any(r.summary.exit_code == EXIT_USER_ERROR and not r.partial for r in reports):
        typer.echo(f"augaudit: error: {NO_IMAGE}", err=True)
    return code


NO_IMAGE = "no image could be read"


def warn_skipped(reports: Sequence[Report]) -> None:
    """One warning line on stderr per image a run skipped, naming why."""
    for report in reports:
        for img in report.images:
            if img.status == "skipped":
                typer.echo(f"augaudit: warning: {img.path} skipped: {img.reason}", err=True)
