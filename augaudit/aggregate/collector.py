"""Per-image results as they arrive from the workers: image reports, statistics, pictures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from augaudit.aggregate.aggregator import Aggregator
from augaudit.model import ImageReport
from augaudit.model.visuals import SampleVisuals

if TYPE_CHECKING:
    from augaudit.execution.worker import ImageResult


@dataclass
class Collector:
    """Streams :class:`~augaudit.execution.worker.ImageResult` into the aggregator.

    Pictures are kept for the first ``visual_images`` images that brought some (None: all),
    so a large run holds only what the visual reports will show.
    """

    aggregator: Aggregator
    visual_images: int | None = None
    images: list[ImageReport] = field(default_factory=list)
    pictures: list[SampleVisuals] = field(default_factory=list)
    _pictured: int = 0

    def add(self, result: ImageResult) -> None:
        self.images.append(result.report)
        for sample, runs in result.samples:
            self.aggregator.add(result.report.path, sample, runs)
        if result.visuals and (self.visual_images is None or self._pictured < self.visual_images):
            self.pictures.extend(result.visuals)
            self._pictured += 1
