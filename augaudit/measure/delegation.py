"""Audit a wrapper's inner pipeline stage by stage, where that is proved to be the same.

A wrapper stage carries the inner pipeline its attributes hold (``spec.wrappers``).
Calling the inner pipeline instead of the wrapper is the same only if the wrapper's
``__call__`` does nothing else: so both are called on every audited image and sample,
from the same seed, and their outputs must be identical to the last bit. Anything
else (a difference, an error, a different type) keeps the wrapper as one stage,
which is then measured from outside, and says why.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from augaudit.measure.seeding import seed_stage, stage_seed
from augaudit.measure.timeouts import StageTimeout, deadline
from augaudit.measure.values import fresh_copy, same_values
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


def unwrap(
    stages: Sequence[StageSpec], sources: Sequence[ImageSource], draws: Draws
) -> tuple[StageSpec, ...]:
    """Replace each wrapper whose inner pipeline is proved equal to it by that pipeline's
    stages (named by their attribute path); a wrapper kept whole says why in its notes."""
    out: list[StageSpec] = []
    for index, stage in enumerate(stages):
        if stage.delegate is None:
            out.append(stage)
            continue
        why = _difference(stages[:index], stage, sources, draws)
        if why is None:
            out += [_inner_stage(stage, path, t) for path, t in stage.delegate.members]
        else:
            note = f"audited as one stage, not as its inner pipeline: {why}"
            out.append(replace(stage, notes=(*stage.notes, note)))
    return tuple(out)


def _inner_stage(wrapper: StageSpec, path: str, transform: Any) -> StageSpec:
    name = f"{type(transform).__name__} ({path})"
    return StageSpec(name, transform, wrapper.line, wrapper.ignore)


def _inputs(sources: Sequence[ImageSource], draws: Draws) -> Iterator[tuple[str, Any]]:
    """(key, loaded image) for each image that loads, one at a time; the audit reports
    the others."""
    for source in sources:
        try:
            yield source.display, load(source.path, draws.mode).image  # type: ignore[arg-type]
        except ImageSkipped:
            continue


def _difference(
    before: Sequence[StageSpec],
    wrapper: StageSpec,
    sources: Sequence[ImageSource],
    draws: Draws,
) -> str | None:
    """None when the wrapper and its inner pipeline agree on every image and sample."""
    delegate = wrapper.delegate
    assert delegate is not None
    number, proved_on = len(before) + 1, 0
    for key, image in _inputs(sources, draws):
        for sample in range(draws.samples):
            try:
                x = _stage_input(before, make_input(image, draws.input_kind), key, sample, draws)
                spare = fresh_copy(x)  # the wrapper may write into the input it is given
                seed = stage_seed(draws.seed, key, sample, number)
                with deadline(draws.stage_timeout):
                    whole = _seeded(wrapper.transform, x, seed)
                    inner = _seeded(delegate, spare, seed)
            except StageTimeout:
                return f"calling it did not finish within --stage-timeout on {key}"
            except Exception as exc:
                return f"calling it raised {type(exc).__name__} on {key}"
            if not same_values(whole, inner):
                return (
                    f"its output differs from its inner pipeline {delegate.path}'s "
                    f"on {key}, sample {sample + 1}"
                )
        proved_on += 1
    return None if proved_on else "no image loaded to prove it on"


def _stage_input(before: Sequence[StageSpec], x: Any, key: str, sample: int, draws: Draws) -> Any:
    """What the audit gives the wrapper: the stages before it, seeded as the audit seeds them."""
    for number, stage in enumerate(before, start=1):
        x = _seeded(stage.transform, x, stage_seed(draws.seed, key, sample, number))
    return x


def _seeded(transform: Any, x: Any, seed: int) -> Any:
    seed_stage(transform, seed)
    return transform(x)
