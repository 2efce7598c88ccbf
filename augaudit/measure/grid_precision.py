"""Nearest-neighbour warps pick pixels through a grid; the reference must use the same grid.

torchvision's rotations, affine, perspective and elastic warps on tensors
compute a sampling grid in the image's float dtype (float32 for integer
images) and, with NEAREST interpolation, copy the source pixel each grid
point lands nearest to. Computed in float64 instead, about 0.02% of the grid
points fall on the other side of a tie between two pixels: on a 1024x1024
noise image that reads as a 50 dB loss where nothing was lost (measured;
the same run with the real grid's dtype agrees to 158 dB). Such a stage
therefore runs on the twin in the real run's grid dtype, float32. Nothing is
interpolated, so the twin's values only round to float32 (a relative 6e-8,
far below anything reported). A float16 or bfloat16 grid is left alone:
rounding the twin to it would erase the loss the real data already carries.
"""

from __future__ import annotations

from typing import Any

import torch

from augaudit.knowledge import NEAREST, RESAMPLING, interpolation, is_torchvision_class, walk


def real_grid_dtype(transform: Any, real_in: Any) -> torch.dtype | None:
    """The dtype the real run's sampling grid is computed in, where the twin must share it.

    None unless the stage (or a member of a container stage) is one of
    torchvision's grid warps (all of them sample through grid_sample) with
    nearest-neighbour interpolation and the real input is a tensor whose
    grid is float32: an integer or float32 image.
    """
    if not isinstance(real_in, torch.Tensor):
        return None
    warps = [t for t in walk(transform) if is_torchvision_class(t, RESAMPLING)]
    if not any(interpolation(t) in NEAREST for t in warps):
        return None
    grid = real_in.dtype if real_in.is_floating_point() else torch.float32
    return torch.float32 if grid == torch.float32 else None
