"""Did a stage change its input in place? A cheap fingerprint taken before the call.

Tensors carry a version counter that every in-place torch operation bumps,
so torchvision's stages cost nothing to watch. Writes through ``.numpy()``
or ``.data`` bypass the counter, so a tensor given to code outside
torchvision is also compared with a copy of its values, as PIL images and
numpy arrays always are.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from PIL import Image


def fingerprint(obj: Any, values: bool = False) -> Any:
    """What :func:`mutated` compares with; ``values`` copies a tensor's values too."""
    if isinstance(obj, torch.Tensor):
        return ("tensor", obj.data_ptr(), obj._version, obj.clone() if values else None)
    if isinstance(obj, Image.Image):
        return ("pil", obj.mode, obj.size, obj.tobytes())
    if isinstance(obj, np.ndarray):
        return ("numpy", obj.copy())
    return None


def mutated(obj: Any, before: Any) -> bool:
    """Whether ``obj`` differs from when ``before = fingerprint(obj)`` was taken."""
    if before is None:
        return False
    if before[0] == "numpy":
        return not np.array_equal(obj, before[1], equal_nan=obj.dtype.kind in "fc")
    if before[0] == "tensor":
        _, ptr, version, copy = before
        if (obj.data_ptr(), obj._version) != (ptr, version):
            return True
        return copy is not None and not _same_values(obj, copy)
    return bool(fingerprint(obj) != before)


def _same_values(a: torch.Tensor, b: torch.Tensor) -> bool:
    if torch.equal(a, b):
        return True
    # NaN never equals itself: a NaN left where it was is not a change.
    return a.is_floating_point() and bool(((a == b) | (a.isnan() & b.isnan())).all())
