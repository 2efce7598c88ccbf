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
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from augaudit.images import ImageSource
from augaudit.worker import AuditPlan, ImageResult, StageHealth, audit_image, crashed

# The plan a forked worker inherits: set just before the pool forks.
_PLAN: AuditPlan | None = None
_HEALTH = StageHealth()


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


def results(plan: AuditPlan, sources: Sequence[ImageSource], jobs: int) -> Iterator[ImageResult]:
    """One result per source, in order. ``jobs`` > 1 forks that many workers."""
    if jobs <= 1 or len(sources) <= 1 or not can_fork():
        health = StageHealth()
        with one_thread():
            for source in sources:
                yield audit_image(plan, source, health)
        return
    yield from _forked(plan, sources, min(jobs, len(sources)))


def _init_worker() -> None:
    # Ctrl-C reaches the whole process group: the parent alone decides what to keep.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import torch

    torch.set_num_threads(1)


def _work(index: int, source: ImageSource) -> ImageResult:
    assert _PLAN is not None
    return audit_image(_PLAN, source, _HEALTH)


def _forked(plan: AuditPlan, sources: Sequence[ImageSource], jobs: int) -> Iterator[ImageResult]:
    global _PLAN
    _PLAN = plan
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker)
    try:
        futures: list[Future[ImageResult]] = [
            pool.submit(_work, i, source) for i, source in enumerate(sources)
        ]
        for source, future in zip(sources, futures, strict=True):
            try:
                yield future.result()
            except BrokenProcessPool:
                yield crashed(source, "a worker process died while auditing it (a stage crashed?)")
    finally:
        _stop(pool)
        _PLAN = None


def _stop(pool: ProcessPoolExecutor) -> None:
    """Shut the pool down now, killing workers still busy (after Ctrl-C or an error)."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
