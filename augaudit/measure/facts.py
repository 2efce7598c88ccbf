"""Facts about one stage run that only the checks read (:class:`~.records.Facts`).

Kept out of the report's metrics: the type on both sides of a stage, bit
depths, saturation growth and how a float-to-integer cast rounds.
"""

from __future__ import annotations

import math

import torch

from augaudit.knowledge import StageKind
from augaudit.measure.records import Facts, OutputKind
from augaudit.measure.stage_metrics import covered, pinned_fraction, truncation
from augaudit.measure.values import Convention

PALETTE_MODES = ("P", "PA")


def cast_factor(conv_in: Convention, conv_out: Convention, gain: float | None) -> float:
    """Output raw units per input raw unit of a float-to-integer conversion.

    The conventions' ratio (255 from [0,1] to 8 bits), unless the probes'
    gain disagrees by more than 2% (a cast that ignores the convention). The
    gain alone is read through 8-bit rounding: ``ToDtype(uint8, scale=True)``
    multiplies by 255.999 and its probes read 256.25, which would count
    0.996 -> 254 as a wrap.
    """
    nominal = conv_in.scale[0] / conv_out.scale[0]
    return gain if gain and abs(gain / nominal - 1.0) > 0.02 else nominal


def _bits(conv: Convention) -> int:
    """Bit depth of integer data (8, 16, 1; 15 for int16, 31 for int32); 0 for floats."""
    if not conv.integer:
        return 0
    return round(math.log2(1.0 / conv.scale[0] + 1.0))


def check_facts(
    kind: StageKind,
    raw_in: torch.Tensor,
    conv_in: Convention,
    desc_in: OutputKind,
    out_raw: torch.Tensor,
    desc: OutputKind,
    conv_out: Convention,
    coverage: torch.Tensor | None,
    gain: float | None,
) -> Facts:
    """Per-run facts for the checks: the type on both sides, saturation growth, truncation.

    ``saturation_growth`` (points of pinned values added, over pixels the
    source still covers; 0 when a draw unpins values) is measured where
    pixels stay in place (photometric stages and conversions), so a crop
    landing on a dark area is not counted.
    """
    growth = truncated = share = None
    if kind in ("photometric", "conversion") and raw_in.shape == out_raw.shape:
        mask = covered(coverage)
        after = pinned_fraction(out_raw, conv_out, mask)
        before = pinned_fraction(raw_in, conv_in, mask)
        if after is not None and before is not None:
            growth = max(0.0, after - before)
    if not conv_in.integer and conv_out.integer:
        result = truncation(raw_in, out_raw, conv_out, cast_factor(conv_in, conv_out, gain))
        if result is not None:
            truncated, share = result
    return Facts(
        channels_in=desc_in.channels,
        channels_out=desc.channels,
        bits_in=_bits(conv_in),
        bits_out=_bits(conv_out),
        palette_in=desc_in.mode in PALETTE_MODES,
        palette_out=desc.mode in PALETTE_MODES,
        tensor_in=desc_in.kind == "tensor",
        saturation_growth=growth,
        truncated_fraction=truncated,
        truncation_share=share,
    )
