"""A watching parent for the commands that run the user's code.

A Python spec's top-level code runs where it is loaded, and a stage can end the
process that calls it (``os._exit(0)``, a crash in an extension, the kernel's
out-of-memory killer). Ended that way, the process's exit status says nothing
true about the audit: ``os._exit(0)`` would pass a gate that never ran. So the
CLI forks before doing anything: the child does the work and, as its last act,
writes its exit code to a pipe; the parent only waits. A child that ends without
writing one did not finish, and the parent says so with a code that is never 0.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import NoReturn

from augaudit.cli.common import EXIT_USER_ERROR, bounded
from augaudit.execution.lifetime import die_with_parent

# Commands that load a spec (a Python spec runs its top-level code on loading).
SUPERVISED_COMMANDS = frozenset({"run", "check", "baseline", "validate"})
FORWARDED = (signal.SIGINT, signal.SIGTERM)
# A terminal's Ctrl-C reaches the whole process group and the parent forwards it too:
# deliveries this close together are one interrupt.
SAME_INTERRUPT_SECONDS = 1.0


def wanted(args: list[str]) -> bool:
    """Supervise when the command runs user code, this platform can fork, and the output
    streams are file descriptors the child shares (not an in-process capture, whose
    copy in the child would be lost)."""
    if not args or args[0] not in SUPERVISED_COMMANDS or not hasattr(os, "fork"):
        return False
    try:
        sys.stdout.fileno()
        sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return False
    return True


def supervise(body: Callable[[], None]) -> NoReturn:
    """Run ``body`` in a child process and exit with the code it reports finishing with."""
    done_read, done_write = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        os.close(done_read)
        _child(body, done_write)
    os.close(done_write)
    _forward_signals_to(pid)
    reported = _read_all(done_read)
    _, status = os.waitpid(pid, 0)
    if reported:
        sys.exit(reported[-1])
    _report_unfinished(status)


def _child(body: Callable[[], None], done_write: int) -> NoReturn:
    die_with_parent(signal.SIGTERM)
    _dedupe_interrupts()
    try:
        body()
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc)
    except BaseException:  # a spec's own GeneratorExit, say: unfinished, and the parent says so
        os._exit(1)
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    os.write(done_write, bytes([code & 0xFF]))
    # The cleanup of a normal exit (atexit handlers: temporary files, pools), but never
    # back into the caller's frames: a forked copy of them (a test runner calling main(),
    # say) must not carry on in this process.
    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()
    os._exit(code & 0xFF)


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)  # what Python does with sys.exit("message")
    return 1


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 64):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def _forward_signals_to(pid: int) -> None:
    def forward(signum: int, frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    for signum in FORWARDED:
        signal.signal(signum, forward)


def _dedupe_interrupts() -> None:
    """SIGINT: the first delivery of a burst raises KeyboardInterrupt, its echoes do not."""
    last: list[float] = []

    def handle(signum: int, frame: object) -> None:
        now = time.monotonic()
        if last and now - last[-1] < SAME_INTERRUPT_SECONDS:
            return
        last.append(now)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handle)


def _report_unfinished(status: int) -> NoReturn:
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        how = f"was killed by {signal.Signals(signum).name}"
        hint = (
            "out of memory (the kernel's OOM killer), a crash in an extension, or a kill "
            "from outside; rerun with --jobs 1 and a smaller --max-megapixels, or load the "
            "spec with python to find the crash"
        )
        code = 128 + signum
    else:
        how = f"ended with status {os.WEXITSTATUS(status)} (os._exit in the spec's code?)"
        hint = "a Python spec's top-level code must not end the process; run it with python"
        code = EXIT_USER_ERROR
    message = (
        f"the process running the pipeline {how} before the audit finished: nothing was audited"
    )
    print(f"augaudit: error: {bounded(message)}; hint: {hint}", file=sys.stderr)
    sys.exit(code)
