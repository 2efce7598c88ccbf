"""What one image showed at one stage over its samples: the per-image evidence checks read.

Findings name the images they concern, so besides the report's statistics the checks get,
per stage and image, the range of every measurement over that image's samples (a
:class:`Span`) and, for yes/no facts, whether any or all samples showed it (a :class:`Flag`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """The smallest and largest value over one image's samples."""

    lo: float
    hi: float


@dataclass(frozen=True)
class Flag:
    """Whether any, and whether all, of one image's samples showed a fact."""

    any: bool
    all: bool


@dataclass(frozen=True)
class Evidence:
    """One image at one stage; None where the stage never measured the quantity."""

    # The report's metrics (see augaudit.model.metrics).
    out_of_range_fraction: Span | None = None
    saturated_fraction: Span | None = None
    nonfinite_fraction: Span | None = None
    wrapped_fraction: Span | None = None
    border_fill_fraction: Span | None = None
    psnr_vs_reference: Span | None = None
    ssim_vs_reference: Span | None = None
    psnr_vs_input: Span | None = None
    ssim_vs_input: Span | None = None
    # Facts only checks read (see augaudit.measure.records.Facts).
    channels_in: Span | None = None
    channels_out: Span | None = None
    bits_in: Span | None = None
    bits_out: Span | None = None
    saturation_growth: Span | None = None
    saturation_growth_mean: float | None = None
    truncated_fraction: Span | None = None
    truncation_share: Span | None = None
    palette_in: Flag | None = None
    palette_out: Flag | None = None
    tensor_in: Flag | None = None
    mutated_input: Flag | None = None
    fill_lost: Flag | None = None
    reference_lost: Flag | None = None
    unchanged: Flag | None = None
    unseeded: Flag | None = None
    # The stage's output type differed from its first sample's for the same input type.
    type_varies: Flag | None = None


def lo_below(span: Span | None, limit: float) -> bool:
    """Some sample fell below ``limit``."""
    return span is not None and span.lo < limit


def hi_above(span: Span | None, limit: float) -> bool:
    """Some sample rose above ``limit``."""
    return span is not None and span.hi > limit


def seen(flag: Flag | None) -> bool:
    """Some sample showed the fact."""
    return flag is not None and flag.any


class EvidenceBuilder:
    """Collects one image's samples at one stage; :meth:`build` gives the frozen record."""

    def __init__(self) -> None:
        self._spans: dict[str, tuple[float, float]] = {}
        self._flags: dict[str, tuple[bool, bool]] = {}
        self._growth: list[float] = []

    def value(self, name: str, value: float) -> None:
        lo, hi = self._spans.get(name, (value, value))
        self._spans[name] = (min(lo, value), max(hi, value))
        if name == "saturation_growth":
            self._growth.append(value)

    def flag(self, name: str, value: bool) -> None:
        seen_any, seen_all = self._flags.get(name, (value, value))
        self._flags[name] = (seen_any or value, seen_all and value)

    def build(self) -> Evidence:
        spans = {name: Span(lo, hi) for name, (lo, hi) in self._spans.items()}
        flags = {name: Flag(a, b) for name, (a, b) in self._flags.items()}
        mean = sum(self._growth) / len(self._growth) if self._growth else None
        return Evidence(**spans, **flags, saturation_growth_mean=mean)  # type: ignore[arg-type]
