"""Audit a wrapper's inner pipeline stage by stage, where that is proved to be the same.

A wrapper stage carries the inner pipeline its attributes hold (``spec.wrappers``).
Calling the inner pipeline instead of the wrapper is the same only if the wrapper's
``__call__`` does nothing else: so both are called on every audited image and sample,
from the same seed, and their outputs must be identical to the last bit. Anything
else (a difference, an error, a different type) keeps the wrapper as one stage,
which is then measured from outside, and says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from augaudit.measure.seeding import seed_stage, stage_seed
from augaudit.measure.timeouts import deadline
from augaudit.measure.values import same_values
from augaudit.sources.images import ImageSkipped, ImageSource, load
from augaudit.sources.inputs import make_input
from augaudit.spec.model import StageSpec


@dataclass(frozen=True)
class Draws:
    """How the audit draws samples: the proof uses the same inputs and seeds."""

    input_kind: str
    mode: str
    samples: int
    seed: int
    stage_timeout: float | None = None


@dataclass(frozen=True)
class Unwrapped:
    """The stages to audit, and for each wrapper kept whole, why."""

    stages: tuple[StageSpec, ...]
    kept: tuple[tuple[str, str], ...] = ()  # (wrapper's name, reason)


def unwrap(stages: Sequence[StageSpec], sources: Sequence[ImageSource], draws: Draws) -> Unwrapped:
    """Replace each wrapper whose inner pipeline is proved equal to it by that pipeline's
    stages (named by their attribute path)."""
    if not any(s.delegate is not None for s in stages):
        return Unwrapped(tuple(stages))
    inputs = _inputs(sources, draws)
    out: list[StageSpec] = []
    kept: list[tuple[str, str]] = []
    for index, stage in enumerate(stages):
        if stage.delegate is None:
            out.append(stage)
            continue
        why = _difference(stages[:index], stage, inputs, draws)
        if why is None:
            out += [_inner_stage(stage, path, t) for path, t in stage.delegate.members]
        else:
            note = f"audited as one stage, not as its inner pipeline: {why}"
            out.append(replace(stage, notes=(*stage.notes, note)))
            kept.append((stage.name, why))
    return Unwrapped(tuple(out), tuple(kept))


def _inner_stage(wrapper: StageSpec, path: str, transform: Any) -> StageSpec:
    name = f"{type(transform).__name__} ({path})"
    return StageSpec(name, transform, wrapper.line, wrapper.ignore)


def _inputs(sources: Sequence[ImageSource], draws: Draws) -> list[tuple[str, Any]]:
    """(key, loaded image) for every image that loads; the others are reported by the audit."""
    found = []
    for source in sources:
        try:
            found.append((source.display, load(source.path, draws.mode).image))  # type: ignore[arg-type]
        except ImageSkipped:
            continue
    return found


def _difference(
    before: Sequence[StageSpec],
    wrapper: StageSpec,
    inputs: list[tuple[str, Any]],
    draws: Draws,
) -> str | None:
    """None when the wrapper and its inner pipeline agree on every image and sample."""
    delegate = wrapper.delegate
    assert delegate is not None
    if not inputs:
        return "no image loaded to prove it on"
    number = len(before) + 1
    for key, image in inputs:
        for sample in range(draws.samples):
            try:
                x = _stage_input(before, make_input(image, draws.input_kind), key, sample, draws)
                seed = stage_seed(draws.seed, key, sample, number)
                with deadline(draws.stage_timeout):
                    whole = _seeded(wrapper.transform, x, seed)
                    inner = _seeded(delegate, _fresh(before, image, key, sample, draws), seed)
            except Exception as exc:
                return f"calling it raised {type(exc).__name__} on {key}"
            if not same_values(whole, inner):
                return (
                    f"its output differs from its inner pipeline {delegate.path}'s "
                    f"on {key}, sample {sample + 1}"
                )
    return None


def _fresh(before: Sequence[StageSpec], image: Any, key: str, sample: int, draws: Draws) -> Any:
    # A fresh input: the wrapper may have written into the one it was given.
    return _stage_input(before, make_input(image, draws.input_kind), key, sample, draws)


def _stage_input(before: Sequence[StageSpec], x: Any, key: str, sample: int, draws: Draws) -> Any:
    """What the audit gives the wrapper: the stages before it, seeded as the audit seeds them."""
    for number, stage in enumerate(before, start=1):
        x = _seeded(stage.transform, x, stage_seed(draws.seed, key, sample, number))
    return x


def _seeded(transform: Any, x: Any, seed: int) -> Any:
    seed_stage(transform, seed)
    return transform(x)
