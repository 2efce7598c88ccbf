"""Precision checks (1xx): 8-bit storage, truncating casts, channels and bit depth lost.

Each check function's docstring is its documentation (``augaudit explain``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace

from augaudit.aggregate.evidence import Span, hi_above, lo_below, seen
from augaudit.checks.common import finding, name_images, pct
from augaudit.checks.context import CheckContext
from augaudit.model import Finding

# A conversion "truncates" when it leaves at the floor at least this share of the values
# whose fractional part is above .5 (a truncating cast: 1.0; rounding: 0;
# ToDtype(uint8, scale=True), which multiplies by 255.999: about 0.25 to 0.5).
TRUNCATING_SHARE = 0.9


def _hi(span: Span | None) -> float:
    return span.hi if span is not None else 0.0


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
            and stage.convention is not None
            and stage.convention.integer
            and stage.input_convention is not None
            and not stage.input_convention.integer
        ):
            yield finding(
                "AUG101",
                stage,
                f"{ctx.label(stage)} converts a float image to {stage.convention.name} before the "
                "last stage: every later stage works on quantized values",
            )
    floor = ctx.thresholds["fidelity-psnr-min"]
    for stage in ctx.stages:
        stat = stage.metrics.get("psnr_vs_reference")
        if stat is not None and stat.mean < floor:
            images = ctx.images_where(stage.index, lambda e: lo_below(e.psnr_vs_reference, floor))
            yield finding(
                "AUG101",
                stage,
                f"fidelity drops to {stat.mean:.1f} dB PSNR on average (worst {stat.min:.1f} dB) "
                f"at {ctx.label(stage)}, below {floor:g} dB: precision loss, not augmentation",
                images,
            )
            break


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
        evidence = ctx.per_image(stage.index)
        shares = {img: e.truncation_share for img, e in evidence.items() if e.truncation_share}
        if not shares:
            continue
        hit = [
            img
            for img, share in shares.items()
            if share.lo >= TRUNCATING_SHARE and hi_above(evidence[img].truncated_fraction, limit)
        ]
        if 2 * len(hit) < len(shares):
            continue
        worst = max(_hi(evidence[img].truncated_fraction) for img in hit)
        yield finding(
            "AUG102",
            stage,
            f"{ctx.label(stage)} truncates instead of rounding: up to {pct(worst)} of values "
            "drop a level, biasing the image half a level darker (about 53 dB instead of "
            "59 dB for rounding)",
            hit,
        )


def _loading(ctx: CheckContext) -> dict[str, list[str]]:
    """What loading lost, per kind of loss: the images concerned (the loader's flags)."""
    lost: dict[str, list[str]] = defaultdict(list)
    for img in ctx.images:
        if img.status != "ok":
            continue
        if img.loss.alpha_dropped:
            lost["alpha"].append(img.path)
        if img.loss.depth_squeezed:
            lost["depth"].append(img.path)
    return lost


_LOADING_MESSAGES = {
    "alpha": "alpha dropped at loading (--mode rgb): pixels the file marks transparent are "
    "seen with whatever colour they hold",
    "depth": "16/32-bit images squeezed to 8 bits at loading (--mode rgb; augaudit scales "
    "them, torchvision's default loader Image.convert('RGB') clips them to white)",
}


def _change(c_in: float, c_out: float) -> str:
    if c_in == 4 and c_out == 1:
        return "colour and alpha dropped (4 channels to 1)"
    if c_in in (2, 4) and c_out == c_in - 1:
        return f"alpha dropped ({c_in:g} channels to {c_out:g})"
    if c_in >= 3 and c_out == 1:
        return f"colour dropped (RGB to 1 channel, {c_in:g} to {c_out:g})"
    return f"{c_in:g} channels become {c_out:g}"


def _stage_changes(ctx: CheckContext, index: int) -> dict[str, list[str]]:
    """What the 1-based stage loses, per description of the loss: the images concerned."""
    lost: dict[str, list[str]] = defaultdict(list)
    evidence = ctx.per_image(index)
    for img, e in evidence.items():
        if e.channels_in is not None:
            c_in = e.channels_in.hi
            c_out = e.channels_out.lo if e.channels_out else c_in
            if c_out < c_in:
                lost[_change(c_in, c_out)].append(img)
    for img, e in evidence.items():
        if e.bits_in is not None:
            b_in = e.bits_in.hi
            b_out = e.bits_out.lo if e.bits_out else b_in
            if b_in > 8 and b_out == 8:  # 16-bit, or a signed int16 (15 bits) and wider
                lost[f"{b_in:g}-bit values squeezed to 8 bits"].append(img)
    for img, e in evidence.items():
        c_out = e.channels_out.lo if e.channels_out else 0.0
        palette_dropped = seen(e.palette_in) and e.palette_out is not None and not e.palette_out.all
        if palette_dropped and c_out == 1:
            lost["palette indices read as gray levels (the palette is dropped)"].append(img)
    return lost


def channels_lost(ctx: CheckContext) -> Iterator[Finding]:
    """The image loses channels or precision through a change of mode.

    At loading, ``--mode rgb`` does what ``ImageFolder`` does:
    ``Image.convert("RGB")`` drops alpha (transparent pixels show the colour
    stored under them) and 16-bit images lose their low byte (torchvision's
    loader even clips them to white; augaudit scales them). In the pipeline,
    a stage that drops alpha or colour (``Grayscale`` with one output
    channel), squeezes 16 bits into 8, or turns a palette image into a
    one-channel tensor of palette indices is reported. Expanding a palette
    or gray image to RGB keeps every colour and is not.

    Fails::

        pipeline:
          - ToImage
          - Grayscale: {num_output_channels: 1}

    Passes::

        pipeline:
          - ToImage
          - RandomGrayscale: {p: 0.1}      # keeps 3 channels
    """
    for kind, images in sorted(_loading(ctx).items()):
        # What --mode rgb asked the loader to do (as ImageFolder does) is about the images,
        # not the pipeline: info. A stage that drops channels or bits is the warning.
        loaded = finding(
            "AUG103",
            None,
            f"{_LOADING_MESSAGES[kind]}: {name_images(images)} (audit with --mode keep to see "
            "the pipeline on the original mode)",
            sorted(images),
        )
        yield replace(loaded, severity="info")
    for stage in ctx.stages:
        for what, images in sorted(_stage_changes(ctx, stage.index).items()):
            message = f"{ctx.label(stage)}: {what} on {name_images(images)}"
            yield finding("AUG103", stage, message, sorted(images))
