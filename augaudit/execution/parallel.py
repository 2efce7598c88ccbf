"""Audit images in order, in this process or spread over worker processes (``--jobs``).

Results are identical whatever the number of jobs: every image is audited
with one torch thread (torch's reductions depend on the thread count in the
last bits, and so would the report), seeds derive from the image and sample
only, and results are consumed in the images' order. Workers are forked, so
they inherit the built transforms (lambdas and third-party objects
included) without pickling them; only results travel back.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from augaudit.execution.lifetime import die_with_parent
from augaudit.execution.worker import AuditPlan, ImageResult, audit_image, crashed
from augaudit.sources.images import ImageSource

# The plan a forked worker inherits: set just before the pool forks.
_PLAN: AuditPlan | None = None
_TIMED_OUT: dict[int, str] = {}  # a forked worker's stages that hung


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


@contextmanager
def one_thread() -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def results(
    plan: AuditPlan, sources: Sequence[ImageSource], jobs: int, *, isolate: bool = False
) -> Iterator[ImageResult]:
    """One result per source, in order. ``jobs`` > 1 forks that many workers; ``isolate``
    forks at least one, so that a stage that ends its process costs only its image."""
    if (not isolate and (jobs <= 1 or len(sources) <= 1)) or not can_fork():
        timed_out: dict[int, str] = {}
        with one_thread():
            for source in sources:
                yield audit_image(plan, source, timed_out)
        return
    yield from _forked(plan, sources, max(1, min(jobs, len(sources))))


def _init_worker() -> None:
    # Ctrl-C reaches the whole process group: the parent alone decides what to keep. SIGTERM
    # (the parent stopping the pool) ends a worker at once, and a worker dies with its parent
    # however the parent ends (SIGKILL included), never left behind holding its memory.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(signal.SIGKILL)
    import torch

    torch.set_num_threads(1)


def _work(index: int, source: ImageSource) -> ImageResult:
    assert _PLAN is not None
    return audit_image(_PLAN, source, _TIMED_OUT)


def _forked(plan: AuditPlan, sources: Sequence[ImageSource], jobs: int) -> Iterator[ImageResult]:
    """Results in order; a worker that dies costs only the image that killed it.

    A dead worker breaks the whole pool: every unfinished image fails with it.
    The first of those is retried alone in a fresh single-worker pool, which
    tells whether it is the culprit; the rest go to a new pool.
    """
    global _PLAN
    _PLAN = plan
    try:
        start = 0
        while start < len(sources):
            done = yield from _pool_run(sources, start, jobs)
            start = done
            if start < len(sources):
                alone = list(_pool_run(sources[start : start + 1], 0, 1, probe=True))
                yield alone[0] if alone else crashed(sources[start], _DIED)
                start += 1
    finally:
        _PLAN = None


_DIED = "the worker process auditing it died (a stage crashed the interpreter?)"


def _pool_run(
    sources: Sequence[ImageSource], start: int, jobs: int, *, probe: bool = False
) -> Generator[ImageResult, None, int]:
    """Yield results from ``start`` on until the pool breaks; return where it broke."""
    pool = ProcessPoolExecutor(
        jobs, mp_context=multiprocessing.get_context("fork"), initializer=_init_worker
    )
    try:
        futures = [pool.submit(_work, i, sources[i]) for i in range(start, len(sources))]
        for offset, future in enumerate(futures):
            try:
                result = future.result()
            except BrokenProcessPool:
                return start + offset if not probe else len(sources)
            yield result
        return len(sources)
    finally:
        _stop(pool)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Shut the pool down now, killing workers still busy (after Ctrl-C or an error).

    Workers are killed before the executor is shut down and waited for, so its
    manager thread is gone before the interpreter exits or the next pool forks.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
    pool.shutdown(wait=True, cancel_futures=True)
