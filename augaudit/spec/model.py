"""What a loaded spec is: stages with their transform objects and where they were written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

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


@dataclass(frozen=True)
class Pipeline:
    """A loaded pipeline: the spec it came from, its settings and its stages."""

    source: str
    stages: tuple[StageSpec, ...]
    api: Literal["v1", "v2"] = "v2"
    input: InputKind | None = None
