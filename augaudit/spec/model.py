"""What a loaded spec is: stages with their transform objects and where they were written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from augaudit.spec.wrappers import Delegate

InputKind = Literal["pil", "uint8", "float"]
INPUT_KINDS: tuple[str, ...] = ("pil", "uint8", "float")


@dataclass(frozen=True)
class StageSpec:
    """One top-level stage of the pipeline.

    ``transform`` is the callable to run; ``line`` is the 1-based line in the
    spec file where the stage is written (None for Python specs without one).
    """

    name: str
    transform: Any
    line: int | None = None
    ignore: tuple[str, ...] = ()
    # A wrapper's inner pipeline: audited in its place once proved equal to it.
    delegate: Delegate | None = None
    notes: tuple[str, ...] = ()  # how the stage is audited, for the report


@dataclass(frozen=True)
class Pipeline:
    """A loaded pipeline: the spec it came from, its settings and its stages."""

    source: str
    stages: tuple[StageSpec, ...]
    api: Literal["v1", "v2"] = "v2"
    input: InputKind | None = None
