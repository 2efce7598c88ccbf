"""Checks on measured values: truncation, out-of-range values, saturation, final fidelity.

Each docstring is the check's documentation. Measurements only these checks
read (``truncation_share``, ``saturation_growth``...) come from
``ctx.extremes``: per image (min, max) over its samples.
"""

from __future__ import annotations

from collections.abc import Iterator
from statistics import fmean

from augaudit.checks.common import finding, pct
from augaudit.checks.context import CheckContext
from augaudit.checks.registry import register
from augaudit.model import Finding, StageReport

# A conversion "truncates" when it leaves at the floor at least this share of the values
# whose fractional part is above .5 (a truncating cast: 1.0; rounding: 0;
# ToDtype(uint8, scale=True), which multiplies by 255.999: about 0.25 to 0.5).
TRUNCATING_SHARE = 0.9
# Stage kinds whose saturation growth is measured (pixels stay where they were).
_IN_PLACE = ("photometric", "conversion")


@register(
    "AUG102",
    "truncation",
    "warning",
    "a conversion to integers truncates instead of rounding (ToPILImage: every pixel -0.5 LSB "
    "darker on average, 52.9 dB instead of 58.9 dB)",
    "convert with rounding: x.mul(255).round().to(torch.uint8) (or "
    "v2.ToDtype(torch.uint8, scale=True)), or keep float32 to the end; ToPILImage floors",
)
def truncation(ctx: CheckContext) -> Iterator[Finding]:
    """A float-to-integer conversion floors values instead of rounding them.

    ``ToPILImage`` computes ``(x * 255).byte()``: 200.9 becomes 200. Every
    value with a fraction above .5 loses a level, so the image is biased half
    a level darker and the conversion costs 52.9 dB instead of 58.9 dB.
    Measured per value: of the values where floor and round differ, the share
    the output holds at the floor (at least 90% of them on half the images,
    and more than 1% of all values). Values already on the 8-bit grid (a
    ``ToTensor`` straight back to ``ToPILImage``) lose nothing and pass.

    Fails::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
          - ColorJitter: {brightness: 0.3}
          - ToPILImage

    Passes::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
          - ColorJitter: {brightness: 0.3}
          - ToDtype: {dtype: uint8, scale: true}
    """
    limit = ctx.thresholds["truncated-fraction-max"]
    for stage in ctx.stages:
        shares = ctx.per_image(stage.index, "truncation_share")
        fractions = ctx.per_image(stage.index, "truncated_fraction")
        if not shares:
            continue
        hit = [
            img
            for img, (lo, _) in shares.items()
            if lo >= TRUNCATING_SHARE and fractions.get(img, (0.0, 0.0))[1] > limit
        ]
        if 2 * len(hit) < len(shares):
            continue
        worst = max(fractions[img][1] for img in hit)
        yield finding(
            "AUG102",
            stage,
            f"{ctx.label(stage)} truncates instead of rounding: up to {pct(worst)} of values "
            "drop a level, biasing the image half a level darker (about 53 dB instead of "
            "59 dB for rounding)",
            hit,
        )


def _wraps_later(ctx: CheckContext, stage: StageReport) -> bool:
    """Whether the next float-to-integer conversion after ``stage`` wraps values."""
    for later in ctx.stages[stage.index :]:
        wrapped = later.metrics.get("wrapped_fraction")
        if wrapped is not None:
            return wrapped.max > 0
    return False


@register(
    "AUG201",
    "out-of-range",
    "warning",
    "a stage puts values outside its convention's range (bicubic overshoot, noise without "
    "clipping) and nothing wraps them: they will be clipped later or mislead the model",
    "clamp after the stage (x.clamp(0, 1)), use bilinear instead of bicubic, or clip=True on "
    "GaussianNoise",
)
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
                stage.index, "out_of_range_fraction", lambda lo, hi: hi > limit
            )
            assert stat is not None
            yield finding(
                "AUG201",
                stage,
                f"{ctx.label(stage)} puts {pct(stat.mean)} of values on average (up to "
                f"{pct(worst)}) outside its {stage.convention} range",
                images,
            )
        if stat is not None:
            before = worst


@register(
    "AUG205",
    "saturation",
    "warning",
    "a stage pins more than 5 more points of the values at the range's ends than its input had",
    "lower the colour-jitter strength, check the value range the stage receives (0..255 "
    "floats are clamped to 1.0), or raise saturation-growth-max if the clipping is intended",
)
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
        means = ctx.per_image(stage.index, "saturation_growth_mean")
        if stage.kind not in _IN_PLACE or not means:
            continue
        average = fmean(mean for mean, _ in means.values())
        if average <= limit:
            continue
        growth = ctx.per_image(stage.index, "saturation_growth")
        worst = max(hi for _, hi in growth.values())
        images = sorted(img for img, (mean, _) in means.items() if mean > limit)
        yield finding(
            "AUG205",
            stage,
            f"{ctx.label(stage)} pins {pct(average)} more of the values at the range's ends "
            f"than its input on average (up to {pct(worst)} more)",
            images,
        )


@register(
    "AUG401",
    "final-fidelity",
    "warning",
    "the final output falls below 40 dB PSNR or 0.98 SSIM against the reference",
    "find the stage where psnr_vs_reference drops (the table shows it per stage): usually a "
    "wrap-around, a clamp or an 8-bit round trip; fix that stage",
)
def final_fidelity(ctx: CheckContext) -> Iterator[Finding]:
    """The pipeline's output differs from what its augmentations meant to produce.

    The reference is the same pipeline with the same random draws in
    float64, without rounding, clipping or wrap-around. A sound 8-bit chain
    stays near 55-60 dB and float32 above 110 dB; below 40 dB PSNR or 0.98
    SSIM (``final-psnr-min``, ``final-ssim-min``) the damage is visible.

    Fails::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
          - Resize: {size: 128, interpolation: bicubic}
          - ToPILImage

    Passes::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
          - Resize: {size: 128, interpolation: bilinear}
          - ToPILImage
    """
    if not ctx.stages:
        return
    final = ctx.stages[-1]
    psnr, ssim = final.metrics.get("psnr_vs_reference"), final.metrics.get("ssim_vs_reference")
    psnr_min, ssim_min = ctx.thresholds["final-psnr-min"], ctx.thresholds["final-ssim-min"]
    low_psnr = psnr is not None and psnr.mean < psnr_min
    low_ssim = ssim is not None and ssim.mean < ssim_min
    if not (low_psnr or low_ssim):
        return
    parts = []
    if psnr is not None:
        parts.append(f"{psnr.mean:.1f} dB PSNR on average (worst {psnr.min:.1f} dB)")
    if ssim is not None:
        parts.append(f"SSIM {ssim.mean:.4f} (worst {ssim.min:.4f})")
    index = final.index
    images = set(ctx.images_where(index, "psnr_vs_reference", lambda lo, hi: lo < psnr_min))
    images |= set(ctx.images_where(index, "ssim_vs_reference", lambda lo, hi: lo < ssim_min))
    yield finding(
        "AUG401",
        final,
        f"the final output ({ctx.label(final)}) reaches only {' and '.join(parts)} against the "
        f"reference (limits {psnr_min:g} dB, {ssim_min:g})",
        sorted(images),
    )
