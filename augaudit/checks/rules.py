"""The checks on measured stages. Each docstring is the check's documentation."""

from __future__ import annotations

from collections.abc import Iterator

from augaudit.checks.common import finding as _finding
from augaudit.checks.common import pct as _pct
from augaudit.checks.context import CheckContext, is_integer, is_wide_float
from augaudit.checks.registry import register
from augaudit.model import Finding

_ASSUMES_UNIT = ("photometric", "conversion")


@register(
    "AUG101",
    "quantization",
    "warning",
    "a float image is converted to 8 bits before the last stage, or fidelity drops below 50 dB",
    "keep the image in float32 until the last stage (v2.ToImage, v2.ToDtype(torch.float32, "
    "scale=True) first; convert to 8 bits only for saving or viewing)",
)
def quantization(ctx: CheckContext) -> Iterator[Finding]:
    """Precision lost to 8-bit storage in the middle of a pipeline.

    Each 8-bit round trip rounds every value (about 59 dB for one rounding,
    falling with every further resampling); float32 stays above 110 dB.

    Fails::

        pipeline:
          - v1.ToTensor
          - v1.ToPILImage          # float -> 8 bits, then more stages follow
          - RandomRotation: {degrees: 10, interpolation: bilinear}

    Passes::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
          - RandomRotation: {degrees: 10, interpolation: bilinear}
    """
    last = len(ctx.stages)
    for stage in ctx.stages:
        if (
            stage.index < last
            and is_integer(stage.convention)
            and not is_integer(stage.input_convention)
            and stage.input_convention is not None
        ):
            yield _finding(
                "AUG101",
                stage,
                f"{ctx.label(stage)} converts a float image to {stage.convention} before the "
                "last stage: every later stage works on quantized values",
            )
    floor = ctx.thresholds["fidelity-psnr-min"]
    for stage in ctx.stages:
        stat = stage.metrics.get("psnr_vs_reference")
        if stat is not None and stat.mean < floor:
            images = ctx.images_where(stage.index, "psnr_vs_reference", lambda lo, hi: lo < floor)
            yield _finding(
                "AUG101",
                stage,
                f"fidelity drops to {stat.mean:.1f} dB PSNR on average (worst {stat.min:.1f} dB) "
                f"at {ctx.label(stage)}, below {floor:g} dB: precision loss, not augmentation",
                images,
            )
            break


@register(
    "AUG202",
    "wrap-around",
    "error",
    "values outside [0,1] reach a conversion to 8 bits and wrap around (1.2 becomes 50)",
    "clamp before converting (x.clamp(0, 1)), or avoid the overshoot (bilinear instead of "
    "bicubic, clip=True on noise); ToPILImage and ToDtype(uint8) do not clip",
)
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
            images = ctx.images_where(stage.index, "wrapped_fraction", lambda lo, hi: hi > 0)
            yield _finding(
                "AUG202",
                stage,
                f"{ctx.label(stage)} wraps {_pct(stat.mean)} of values on average (up to "
                f"{_pct(stat.max)}) around instead of clipping them",
                images,
            )


@register(
    "AUG203",
    "float-0-255",
    "error",
    "a float image holds 0..255 values and a later stage treats it as [0,1]",
    "use ToDtype(torch.float32, scale=True) (v1: ConvertImageDtype or ToTensor) so floats are "
    "in [0,1]",
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
        if is_wide_float(stage.input_convention) and stage.kind in _ASSUMES_UNIT:
            origin = next(
                (s for s in ctx.stages if s.index < stage.index and is_wide_float(s.convention)),
                None,
            )
            source = f" from {ctx.label(origin)}" if origin else ""
            yield _finding(
                "AUG203",
                stage,
                f"{ctx.label(stage)} treats its input as [0,1] but receives "
                f"{stage.input_convention} values{source}",
            )
            return


@register(
    "AUG204",
    "non-finite",
    "error",
    "NaN or Inf in a stage's output",
    "look for a division by a zero std, a log of 0, or a fill/value of nan in this stage",
)
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
            images = ctx.images_where(stage.index, "nonfinite_fraction", lambda lo, hi: hi > 0)
            yield _finding(
                "AUG204",
                stage,
                f"{ctx.label(stage)} outputs NaN/Inf in {_pct(worst)} of values at worst",
                images,
            )
        before = max(before, worst)


@register(
    "AUG301",
    "border-fill",
    "warning",
    "border fill of the final output above 5% on average or 15% at worst",
    "rotate less, crop after rotating (RandomResizedCrop after RandomRotation), or use "
    "expand/reflect padding; fill is pixels the model learns as content",
)
def border_fill(ctx: CheckContext) -> Iterator[Finding]:
    """Too much of the final image is fill (rotation corners, padding, erased areas).

    Fill is tracked from the source pixels, not guessed from colour, so a
    photo's own black areas never count.

    Fails::

        pipeline:
          - RandomRotation: {degrees: [45, 45]}

    Passes::

        pipeline:
          - RandomRotation: {degrees: 5, interpolation: bilinear}
          - CenterCrop: 200
    """
    measured = [s for s in ctx.stages if s.metrics.get("border_fill_fraction") is not None]
    if not measured or measured[-1].index != len(ctx.stages):
        return
    final = measured[-1]
    stat = final.metrics["border_fill_fraction"]
    assert stat is not None
    mean_max, worst_max = ctx.thresholds["border-fill-mean"], ctx.thresholds["border-fill-max"]
    if stat.mean <= mean_max and stat.max <= worst_max:
        return
    previous, source, largest = 0.0, None, 0.0
    for stage in measured:
        s = stage.metrics["border_fill_fraction"]
        assert s is not None
        if s.mean - previous > largest:
            source, largest = stage, s.mean - previous
        previous = s.mean
    added = f"; most added by {ctx.label(source)}" if source else ""
    images = ctx.images_where(
        final.index, "border_fill_fraction", lambda lo, hi: hi > worst_max or hi > mean_max
    )
    yield _finding(
        "AUG301",
        final,
        f"border fill of the final output is {_pct(stat.mean)} on average and {_pct(stat.max)} "
        f"at worst (limits {_pct(mean_max)} / {_pct(worst_max)}){added}",
        images,
    )
