"""Which value convention a stage's output is in, from its type and measured gain.

Integer outputs carry their convention in their type. A float output keeps its
input's convention, except after ``Normalize`` (composed with the stage's mean
and std) and after a conversion from integers, where the probes' gain tells
``x / 255`` (float [0,1]) from a plain cast (float [0,255], the
``ToDtype(float32)`` without ``scale=True`` trap): measured, not guessed.
"""

from __future__ import annotations

import math
from typing import Any

from augaudit.knowledge import is_torchvision_class, normalize_params
from augaudit.measure.coverage import Levels
from augaudit.measure.values import UNIT, Convention, integer_convention, is_float, to_chw

# Below this, a fitted scale or offset is the input's own (float32 rounding of the probes).
SAME = 1e-4


def output_convention(
    out: Any,
    conv_in: Convention,
    transform: Any,
    gain: float | None,
    real_in: Any,
    levels: Levels | None = None,
) -> Convention:
    if not is_float(out):
        return integer_convention(out)
    if levels is not None and not is_torchvision_class(transform):
        fitted = fitted_convention(levels, conv_in)
        if fitted is not None:
            return fitted
    if is_float(real_in) or not conv_in.integer:
        params = normalize_params(transform)
        return conv_in.normalized(*params) if params else conv_in
    in_scale = conv_in.scale[0]
    if gain is not None and gain > 0:
        out_scale = in_scale / gain
    else:
        # No probe: the output's own range is the only evidence left.
        top = float(to_chw(out).nan_to_num(0.0).abs().max())
        out_scale = 1.0 if top <= 1.0 + 1e-6 else in_scale
    if abs(math.log(out_scale)) < math.log(1.5):
        return UNIT
    top_value = round(1.0 / out_scale)
    return Convention(f"float [0,{top_value}]", (out_scale,), wide=top_value != 1)


def fitted_convention(levels: Levels, conv_in: Convention) -> Convention | None:
    """The convention of a stage augaudit does not know, from its probes' output levels.

    The probes hold unit values ``levels.unit_a`` and ``levels.unit_b``; a stage that maps
    unit data affinely per channel (``x / 255`` then ``Normalize`` inside a user's wrapper)
    gives ``raw = slope * unit + intercept``, so ``unit = raw / slope - intercept / slope``.
    None when the map is no convention change (the caller's rules then apply) or cannot
    be one (a flat or inverted response).
    """
    step = levels.unit_b - levels.unit_a
    if not step > 0:
        return None
    pairs = zip(levels.out_a, levels.out_b, strict=True)
    slopes = [(b - a) / step for a, b in pairs]
    if any(not math.isfinite(s) or s <= 0 for s in slopes):
        return None
    intercepts = [a - s * levels.unit_a for a, s in zip(levels.out_a, slopes, strict=True)]
    scale = tuple(1.0 / s for s in slopes)
    offset = tuple(-i / s for i, s in zip(intercepts, slopes, strict=True))
    if all(abs(o) < SAME for o in offset) and max(scale) - min(scale) < SAME * max(scale):
        return None  # no offset, one scale: the gain rules (unit or wide) decide
    if not _changes_units(slopes, offset):
        return None  # a brightness shift or gain is augmentation, measured as such
    return Convention("normalized", scale, offset)


def _changes_units(slopes: list[float], offset: tuple[float, ...]) -> bool:
    """Whether an affine map is a change of units (a Normalize) rather than augmentation:
    a gain far from every plain convention's (1 for [0,1], 255, 65535), or an offset that
    differs between channels (a per-channel mean). ``x + 0.1`` or ``x * 1.2`` is neither,
    and its values past 1.0 must count as out of range."""
    far = all(
        min(abs(math.log(s / plain)) for plain in (1.0, 255.0, 65535.0)) > math.log(1.5)
        for s in slopes
    )
    return far or max(offset) - min(offset) > 0.01
