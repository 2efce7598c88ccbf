"""The nine measurements every stage reports, as a typed record with a read-only mapping view.

Fields are read by name (``stage.metrics.psnr_vs_reference``); reporters that list every
metric iterate it like a mapping, in :data:`METRIC_KEYS` order, the JSON report's order.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

T = TypeVar("T")

METRIC_KEYS: tuple[str, ...] = (
    "out_of_range_fraction",
    "saturated_fraction",
    "nonfinite_fraction",
    "wrapped_fraction",
    "border_fill_fraction",
    "psnr_vs_reference",
    "ssim_vs_reference",
    "psnr_vs_input",
    "ssim_vs_input",
)


@dataclass(frozen=True)
class Stat:
    """Mean, min and max of one measurement over images and samples."""

    mean: float
    min: float
    max: float
    count: int
    # 95% confidence interval of the mean over images, when a subset was audited (--max-images).
    ci95: tuple[float, float] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mean": self.mean, "min": self.min, "max": self.max}
        if self.ci95 is not None:
            out["ci95"] = list(self.ci95)
        return out


@dataclass(frozen=True)
class MetricValues(Mapping[str, "T | None"], Generic[T]):
    """One value per metric (None: does not apply, or could not be measured)."""

    out_of_range_fraction: T | None = None
    saturated_fraction: T | None = None
    nonfinite_fraction: T | None = None
    wrapped_fraction: T | None = None
    border_fill_fraction: T | None = None
    psnr_vs_reference: T | None = None
    ssim_vs_reference: T | None = None
    psnr_vs_input: T | None = None
    ssim_vs_input: T | None = None

    def __getitem__(self, key: str) -> T | None:
        if key not in METRIC_KEYS:
            raise KeyError(key)
        value: T | None = getattr(self, key)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(METRIC_KEYS)

    def __len__(self) -> int:
        return len(METRIC_KEYS)

    def with_values(self, **values: T | None) -> MetricValues[T]:
        return replace(self, **values)


#: A stage's statistics over images and samples.
StageMetrics = MetricValues[Stat]
#: One sample's measurements at one stage.
SampleMetrics = MetricValues[float]
