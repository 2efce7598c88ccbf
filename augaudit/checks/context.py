"""What checks see: the aggregated stages plus per-image evidence. No torch here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from augaudit.aggregate.evidence import Evidence
from augaudit.model import ImageReport, StageReport
from augaudit.model.thresholds import DEFAULT_THRESHOLDS


@dataclass(frozen=True)
class CheckContext:
    """Inputs of every check.

    ``evidence[stage][image]`` is what an image showed at a stage (numbered from 1) over
    its samples (:class:`~augaudit.aggregate.evidence.Evidence`), so findings can name the
    images they concern. ``input_kind`` is what the pipeline receives (``pil``, ``uint8``,
    ``float``) when known; static checks fall back to ``pil``, the default.
    """

    stages: tuple[StageReport, ...]
    evidence: Mapping[int, Mapping[str, Evidence]] = field(default_factory=dict)
    transforms: tuple[Any, ...] = ()
    thresholds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    images: tuple[ImageReport, ...] = ()
    input_kind: str | None = None

    def per_image(self, stage: int) -> Mapping[str, Evidence]:
        """What each image showed at a stage (numbered from 1)."""
        return self.evidence.get(stage, {})

    def images_where(self, stage: int, predicate: Callable[[Evidence], bool]) -> tuple[str, ...]:
        """The images whose evidence at a stage (numbered from 1) satisfies ``predicate``."""
        return tuple(sorted(img for img, e in self.per_image(stage).items() if predicate(e)))

    def label(self, stage: StageReport) -> str:
        return f"stage {stage.index} ({stage.name})"
