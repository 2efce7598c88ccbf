"""What checks see: the aggregated stages plus per-image extremes. No torch here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from augaudit.model import ImageReport, StageReport
from augaudit.model.codes import DEFAULT_THRESHOLDS

INTEGER_CONVENTIONS = ("8-bit", "16-bit", "1-bit", "int", "uint")  # int16 [0,32767], ...


def is_integer(convention: str | None) -> bool:
    return convention is not None and convention.startswith(INTEGER_CONVENTIONS)


def is_wide_float(convention: str | None) -> bool:
    """Floats that hold 0..255 (or 0..65535) values instead of [0, 1]."""
    return (
        convention is not None
        and convention.startswith("float [0,")
        and convention != ("float [0,1]")
    )


@dataclass(frozen=True)
class CheckContext:
    """Inputs of every check.

    ``extremes[stage][metric][image]`` is the (min, max) of a metric over that
    image's samples at a stage (0-based stage index), so findings can name the
    images they concern. Besides the report's metrics it holds measurements
    only checks read (the runner's ``extras``): ``channels_in``/``_out``,
    ``bits_in``/``_out`` (8, 16, 1, 15 for int16...; 0 for floats), ``palette_in``/``_out``
    and ``tensor_in`` (1.0 or 0.0), ``saturation_growth`` (and
    ``saturation_growth_mean``: the image's mean over its samples, as
    (mean, mean)), ``truncated_fraction`` and ``truncation_share``.

    ``input_kind`` is what the pipeline receives (``pil``, ``uint8``,
    ``float``) when known; static checks fall back to ``pil``, the default.
    """

    stages: tuple[StageReport, ...]
    extremes: dict[int, dict[str, dict[str, tuple[float, float]]]]
    transforms: tuple[Any, ...] = ()
    thresholds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    images: tuple[ImageReport, ...] = ()
    input_kind: str | None = None

    def per_image(self, stage: int, metric: str) -> dict[str, tuple[float, float]]:
        """(min, max) of a metric per image at a stage (1-based index)."""
        return self.extremes.get(stage - 1, {}).get(metric, {})

    def images_where(
        self, stage: int, metric: str, predicate: Callable[[float, float], bool]
    ) -> tuple[str, ...]:
        """Images whose (min, max) of a metric at a stage (1-based index) satisfy ``predicate``."""
        items = self.per_image(stage, metric).items()
        return tuple(sorted(img for img, (lo, hi) in items if predicate(lo, hi)))

    def label(self, stage: StageReport) -> str:
        return f"stage {stage.index} ({stage.name})"
