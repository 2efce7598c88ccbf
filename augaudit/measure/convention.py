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

from augaudit.knowledge import normalize_params
from augaudit.measure.values import UNIT, Convention, integer_convention, is_float, to_chw


def output_convention(
    out: Any, conv_in: Convention, transform: Any, gain: float | None, real_in: Any
) -> Convention:
    if not is_float(out):
        return integer_convention(out)
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
