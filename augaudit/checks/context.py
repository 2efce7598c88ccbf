"""What checks see: the aggregated stages plus per-image extremes. No torch here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from augaudit.model import ImageReport, StageReport

DEFAULT_THRESHOLDS: dict[str, float] = {
    "border-fill-mean": 0.05,
    "border-fill-max": 0.15,
    "fidelity-psnr-min": 50.0,
}
INTEGER_CONVENTIONS = ("8-bit", "16-bit", "1-bit")


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
    images they concern.
    """

    stages: tuple[StageReport, ...]
    extremes: dict[int, dict[str, dict[str, tuple[float, float]]]]
    transforms: tuple[Any, ...] = ()
    thresholds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    images: tuple[ImageReport, ...] = ()

    def images_where(self, stage: int, metric: str, predicate) -> tuple[str, ...]:
        per_image = self.extremes.get(stage, {}).get(metric, {})
        return tuple(sorted(img for img, (lo, hi) in per_image.items() if predicate(lo, hi)))

    def label(self, stage: StageReport) -> str:
        return f"stage {stage.index} ({stage.name})"
