"""Range checks (2xx): values outside the convention, wrapped by casts, 0..255 floats, NaN.

Each check function's docstring is its documentation (``augaudit explain``).
"""

from __future__ import annotations

from collections.abc import Iterator
from statistics import fmean

from augaudit.aggregate.evidence import hi_above
from augaudit.checks.common import finding, pct
from augaudit.checks.context import CheckContext
from augaudit.model import Convention, Finding, StageReport

_ASSUMES_UNIT = ("photometric", "conversion")

# Stage kinds whose saturation growth is measured (pixels stay where they were).
_IN_PLACE = ("photometric", "conversion")


def _name(convention: Convention | None) -> str | None:
    return convention.name if convention else None


def _wide(convention: Convention | None) -> bool:
    return convention is not None and convention.wide


def _wraps_later(ctx: CheckContext, stage: StageReport) -> bool:
    """Whether the next float-to-integer conversion after ``stage`` wraps values."""
    for later in ctx.stages[stage.index :]:
        wrapped = later.metrics.get("wrapped_fraction")
        if wrapped is not None:
            return wrapped.max > 0
    return False


def out_of_range(ctx: CheckContext) -> Iterator[Finding]:
    """Values leave the stage's range ([0, 1] for floats, the normalized range after Normalize).

    Bicubic resizing of float images overshoots to about [-0.05, 1.07] (1-2%
    of a photo's values, half of a hard-edged chart's); Gaussian noise
    without clipping spills past both ends. Later colour stages clamp the
    excess and the model sees values no image can hold. Reported where the
    values first exceed 0.1% at worst (``out-of-range-max``); when a later
    conversion wraps them, AUG202 reports that instead.

    Fails::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
          - GaussianNoise: {sigma: 0.1, clip: false}

    Passes::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
          - GaussianNoise: {sigma: 0.1, clip: true}
    """
    limit = ctx.thresholds["out-of-range-max"]
    before = 0.0
    for stage in ctx.stages:
        stat = stage.metrics.get("out_of_range_fraction")
        worst = stat.max if stat else 0.0
        if worst > limit and before <= limit and not _wraps_later(ctx, stage):
            images = ctx.images_where(
                stage.index, lambda e: hi_above(e.out_of_range_fraction, limit)
            )
            assert stat is not None
            yield finding(
                "AUG201",
                stage,
                f"{ctx.label(stage)} puts {pct(stat.mean)} of values on average (up to "
                f"{pct(worst)}) outside its {_name(stage.convention)} range",
                images,
            )
        if stat is not None:
            before = worst


def wrap_around(ctx: CheckContext) -> Iterator[Finding]:
    """Float values outside [0, 1] wrap when cast to 8 bits.

    ``ToPILImage`` computes ``(x * 255).astype(uint8)``: 1.2 becomes 50 and
    -0.1 becomes 231, with no warning. Bicubic resizing of float images
    overshoots to about [-0.05, 1.07].

    Fails::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
          - Resize: {size: 1024, interpolation: bicubic}
          - ToPILImage

    Passes::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
          - Resize: {size: 1024, interpolation: bilinear}
          - ToPILImage
    """
    for stage in ctx.stages:
        stat = stage.metrics.get("wrapped_fraction")
        if stat is not None and stat.max > 0:
            images = ctx.images_where(stage.index, lambda e: hi_above(e.wrapped_fraction, 0))
            yield finding(
                "AUG202",
                stage,
                f"{ctx.label(stage)} wraps {pct(stat.mean)} of values on average (up to "
                f"{pct(stat.max)}) around instead of clipping them",
                images,
            )


def float_0_255(ctx: CheckContext) -> Iterator[Finding]:
    """Floats in [0, 255] fed to a stage that assumes [0, 1].

    ``v2.ToDtype(torch.float32)`` without ``scale=True`` keeps the values
    0..255; torchvision's colour transforms then clamp to 1.0 (ColorJitter
    pins most of the image at white) and ``ToPILImage`` multiplies by 255.

    Fails::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32}
          - ColorJitter: {brightness: 0.2}

    Passes::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
          - ColorJitter: {brightness: 0.2}
    """
    for stage in ctx.stages:
        if _wide(stage.input_convention) and stage.kind in _ASSUMES_UNIT:
            origin = next(
                (s for s in ctx.stages if s.index < stage.index and _wide(s.convention)),
                None,
            )
            source = f" from {ctx.label(origin)}" if origin else ""
            yield finding(
                "AUG203",
                stage,
                f"{ctx.label(stage)} treats its input as [0,1] but receives "
                f"{_name(stage.input_convention)} values{source}",
            )
            return


def non_finite(ctx: CheckContext) -> Iterator[Finding]:
    """NaN or Inf values appear in a stage's output (reported where they first appear).

    Fails::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
          - RandomErasing: {p: 1.0, value: .nan}

    Passes::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
          - RandomErasing: {p: 1.0, value: 0}
    """
    before = 0.0
    for stage in ctx.stages:
        stat = stage.metrics.get("nonfinite_fraction")
        worst = stat.max if stat else 0.0
        if worst > 0 and before == 0:
            images = ctx.images_where(stage.index, lambda e: hi_above(e.nonfinite_fraction, 0))
            yield finding(
                "AUG204",
                stage,
                f"{ctx.label(stage)} outputs NaN/Inf in {pct(worst)} of values at worst",
                images,
            )
        before = max(before, worst)


def saturation(ctx: CheckContext) -> Iterator[Finding]:
    """A stage clamps many values to the ends of the range, erasing detail there.

    Measured on stages that keep pixels in place (colour stages and
    conversions), over the pixels the source image still covers: the share
    of values at the range's ends (for float data also at 0 and 1, where
    torchvision clamps) in the output minus the share in the stage's input
    (for stage 1, the loaded image), 0 for a draw that unpins values.
    Reported when it grows by more than 5 points on average over all images
    and samples (``saturation-growth-max``). ``ColorJitter`` on 0..255
    floats pins about 87% of the values at 1.0; ``ColorJitter(brightness=0.2)``
    on photos adds about 2 points.

    Fails::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
          - ColorJitter: {brightness: [1.8, 2.0]}

    Passes::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
          - ColorJitter: {brightness: 0.2}
    """
    limit = ctx.thresholds["saturation-growth-max"]
    for stage in ctx.stages:
        evidence = ctx.per_image(stage.index)
        means = {
            img: e.saturation_growth_mean
            for img, e in evidence.items()
            if e.saturation_growth_mean is not None
        }
        if stage.kind not in _IN_PLACE or not means:
            continue
        average = fmean(means.values())
        if average <= limit:
            continue
        worst = max(e.saturation_growth.hi for e in evidence.values() if e.saturation_growth)
        images = sorted(img for img, mean in means.items() if mean > limit)
        yield finding(
            "AUG205",
            stage,
            f"{ctx.label(stage)} pins {pct(average)} more of the values at the range's ends "
            f"than its input on average (up to {pct(worst)} more)",
            images,
        )
