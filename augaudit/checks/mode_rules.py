"""AUG103: channels or bit depth lost, at loading (``--mode rgb``) or in a stage.

Loading is read from the loader's notes, which it writes only when a
conversion really loses something; stages from the channel count, bit depth and
PIL mode each run saw on both sides (``channels_in``/``_out``,
``bits_in``/``_out``, ``palette_in``/``_out`` in ``ctx.extremes``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace

from augaudit.checks.common import finding, name_images
from augaudit.checks.context import CheckContext
from augaudit.checks.registry import register
from augaudit.model import Finding

ALPHA_BANDS = {"RGBA": 4, "RGBa": 4, "LA": 2, "La": 2, "PA": 2}
WIDE_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")


def _loading(ctx: CheckContext) -> dict[str, list[str]]:
    """What loading lost, per kind of loss: the images concerned (from the loader's notes)."""
    from augaudit.images import LOSSY_ALPHA_NOTE, LOSSY_DEPTH_NOTE

    lost: dict[str, list[str]] = defaultdict(list)
    for img in ctx.images:
        if img.status != "ok":
            continue
        if LOSSY_ALPHA_NOTE in img.notes:
            lost["alpha"].append(img.path)
        if any(note.endswith(LOSSY_DEPTH_NOTE) for note in img.notes):
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
    ch_in, ch_out = ctx.per_image(index, "channels_in"), ctx.per_image(index, "channels_out")
    for img, (_, c_in) in ch_in.items():
        c_out = ch_out.get(img, (c_in, c_in))[0]
        if c_out < c_in:
            lost[_change(c_in, c_out)].append(img)
    bits_in, bits_out = ctx.per_image(index, "bits_in"), ctx.per_image(index, "bits_out")
    for img, (_, b_in) in bits_in.items():
        b_out = bits_out.get(img, (b_in, b_in))[0]
        if b_in > 8 and b_out == 8:  # 16-bit, or a signed int16 (15 bits) and wider
            lost[f"{b_in:g}-bit values squeezed to 8 bits"].append(img)
    pal_in, pal_out = ctx.per_image(index, "palette_in"), ctx.per_image(index, "palette_out")
    for img, (_, p_in) in pal_in.items():
        p_out = pal_out.get(img, (p_in, p_in))[0]
        c_out = ch_out.get(img, (0.0, 0.0))[0]
        if p_in == 1 and p_out == 0 and c_out == 1:
            lost["palette indices read as gray levels (the palette is dropped)"].append(img)
    return lost


@register(
    "AUG103",
    "channels-lost",
    "warning",
    "channels or bit depth are lost: alpha dropped, RGB to 1 channel, a palette image's "
    "indices read as gray, a 16-bit image squeezed to 8 bits (at loading or in a stage)",
    "composite transparent images on a background before training (or --mode keep and handle "
    "alpha), convert palette images with .convert('RGB'), keep 16-bit data as uint16 and "
    "ToDtype(torch.float32, scale=True); ignore this on a stage that is meant to do it",
)
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
