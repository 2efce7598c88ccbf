"""Stop a stage that hangs: a deadline on the calling thread, by SIGALRM.

A Python-level hang (a loop, a sleep, a lock wait that releases the GIL)
is interrupted when the alarm fires; C code that never returns to the
interpreter is not, which a worker process's timeout cannot fix either
without killing the process. Signals reach only the main thread, so a
deadline requested from another thread (a library caller's worker thread)
is not armed, and :func:`deadlines_work` says so.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class StageTimeout(BaseException):
    """A stage did not return within its deadline.

    A BaseException, like KeyboardInterrupt, so that neither the stage's own
    ``except Exception`` nor the runner's handlers around probes swallow it.
    """

    def __init__(self, seconds: float):
        # The budget covers the stage's calls on the sample and augaudit measuring
        # them: say so, or a stage that is fast on a huge image gets the blame.
        super().__init__(
            f"with its measurement, did not finish within {seconds:g} s (--stage-timeout)"
        )
        self.seconds = seconds


def deadlines_work() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


# Longer limits are no limit at all (setitimer refuses huge values; 11 days is plenty).
NO_LIMIT = 1e6


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise :class:`StageTimeout` inside the block after ``seconds`` (None or 0: no limit)."""
    if not seconds or not 0 < seconds < NO_LIMIT or not deadlines_work():
        yield
        return

    def fire(signum: int, frame: FrameType | None) -> None:
        raise StageTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, fire)
    started = time.monotonic()
    # A caller's own timer (pytest-timeout, a service's watchdog) is put back afterwards,
    # less the time spent here; if it fell due meanwhile it fires right after the block.
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay > 0:
            left = max(outer_delay - (time.monotonic() - started), 1e-6)
            signal.setitimer(signal.ITIMER_REAL, left, outer_interval)
