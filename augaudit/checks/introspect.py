"""The pipeline's transforms as the static checks walk them, containers opened. No torch here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from augaudit.checks.context import CheckContext
from augaudit.knowledge import TO_PIL, TO_TENSOR, name, walk


def flat(ctx: CheckContext) -> Iterator[tuple[int, Any]]:
    """(1-based top-level stage index, transform) for every transform, containers opened."""
    for index, transform in enumerate(ctx.transforms, start=1):
        for inner in walk(transform):
            yield index, inner


def receives_tensor(ctx: CheckContext, stage: int) -> bool:
    """Whether the 1-based ``stage`` gets tensors: measured when images ran, else inferred.

    Inferred from the last conversion before the stage that fixes the type
    (``ToImage`` and friends: tensor; ``ToPILImage``: PIL), else from the
    pipeline's input (``pil`` when unknown, the default).
    """
    measured = [e.tensor_in for e in ctx.per_image(stage).values() if e.tensor_in is not None]
    if measured:
        return any(flag.any for flag in measured)
    kind = ctx.input_kind or "pil"
    for index, transform in flat(ctx):
        if index >= stage:
            break
        if name(transform) in TO_TENSOR:
            kind = "tensor"
        elif name(transform) in TO_PIL:
            kind = "pil"
    return kind != "pil"
