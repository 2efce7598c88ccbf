"""Per-stage measurement charts as inline SVG: no script, no font file, no network.

One small chart per metric, stages along x: the mean as a line with points,
the min..max over images and samples as a bar. A metric that does not apply
at a stage (``None``) leaves a gap. Every point carries a ``<title>`` tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from augaudit.model import StageReport, Stat

WIDTH, HEIGHT = 350, 170
LEFT, RIGHT, TOP, BOTTOM = 62, 10, 22, 26


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    unit: str  # "dB", "%" or ""
    scale: float = 1.0  # value shown = stat * scale


CHARTS: tuple[Chart, ...] = (
    Chart("psnr_vs_reference", "Fidelity PSNR vs reference", "dB"),
    Chart("ssim_vs_reference", "Fidelity SSIM vs reference", ""),
    Chart("border_fill_fraction", "Border fill", "%", 100.0),
    Chart("out_of_range_fraction", "Out of range", "%", 100.0),
    Chart("wrapped_fraction", "Wrapped around", "%", 100.0),
)


def _fmt(value: float, unit: str) -> str:
    if unit == "dB":
        return f"{value:.1f} dB"
    if unit == "%":
        return f"{value:.2f}%"
    return f"{value:.4f}"


def _ticks(lo: float, hi: float) -> list[float]:
    """About four round tick values covering [lo, hi]."""
    span = hi - lo
    raw = span / 4
    step = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 5, 10):
        if raw <= step * mult:
            step *= mult
            break
    first = math.floor(lo / step) * step
    ticks = []
    value = first
    while value <= hi + step * 1e-9:
        if value >= lo - step * 1e-9:
            ticks.append(round(value, 10))
        value += step
    return ticks


def _bounds(stats: Sequence[Stat | None], chart: Chart) -> tuple[float, float]:
    values = [v * chart.scale for s in stats if s is not None for v in (s.min, s.max, s.mean)]
    values = [v for v in values if math.isfinite(v)]
    if not values:
        return 0.0, 1.0
    lo, hi = min(values), max(values)
    if chart.unit == "%":
        lo = 0.0
    if chart.unit == "" and chart.key.startswith("ssim"):
        hi = max(hi, 1.0)
    if hi - lo < 1e-9:
        pad = abs(hi) * 0.05 or 1.0
        lo, hi = lo - pad, hi + pad
        if chart.unit == "%":
            lo = max(lo, 0.0)
    return lo, hi


def chart_svg(stages: Sequence[StageReport], chart: Chart) -> str:
    """One chart; empty string when the metric applies at no stage."""
    stats = [s.metrics.get(chart.key) for s in stages]
    if all(s is None for s in stats) or not stages:
        return ""
    lo, hi = _bounds(stats, chart)
    ticks = _ticks(lo, hi)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(stages)

    def x(i: int) -> float:
        return LEFT + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - lo) / (hi - lo))

    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(chart.title)} per stage</title>",
        f'<text x="{LEFT}" y="14" class="ct">{escape(chart.title)}</text>',
    ]
    for t in ticks:
        ty = y(t)
        label = f"{t:g}{'%' if chart.unit == '%' else ''}"
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}" class="grid"/>'
            f'<text x="{LEFT - 4}" y="{ty + 3:.1f}" class="yl">{escape(label)}</text>'
        )
    step = max(1, math.ceil(n / 16))
    for i, stage in enumerate(stages):
        if i % step == 0 or i == n - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 14}" class="xl">{stage.index}</text>'
            )
    segment: list[str] = []
    lines: list[str] = []
    for i, (stage, stat) in enumerate(zip(stages, stats, strict=True)):
        if stat is None or not math.isfinite(stat.mean):
            if len(segment) > 1:
                lines.append(" ".join(segment))
            segment = []
            continue
        mean, smin, smax = (v * chart.scale for v in (stat.mean, stat.min, stat.max))
        segment.append(f"{x(i):.1f},{y(mean):.1f}")
        tip = (
            f"{stage.index} {stage.name}: {_fmt(mean, chart.unit)} "
            f"(min {_fmt(smin, chart.unit)}, max {_fmt(smax, chart.unit)})"
        )
        parts.append(
            f"<g><title>{escape(tip)}</title>"
            f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{y(smin):.1f}" y2="{y(smax):.1f}" '
            f'class="band"/><circle cx="{x(i):.1f}" cy="{y(mean):.1f}" r="3.5" class="pt"/></g>'
        )
    if len(segment) > 1:
        lines.append(" ".join(segment))
    parts[3:3] = [f'<polyline points="{pts}" class="ln"/>' for pts in lines]
    parts.append(f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 4}" class="xl end">stage</text></svg>')
    return "".join(parts)


def charts_html(stages: Sequence[StageReport]) -> str:
    """Every chart that applies, in a flex row."""
    svgs = [chart_svg(stages, c) for c in CHARTS]
    return "".join(f'<figure class="chartbox">{s}</figure>' for s in svgs if s)
