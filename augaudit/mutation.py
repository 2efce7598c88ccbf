"""Did a stage change its input in place? A cheap fingerprint taken before the call.

Tensors carry a version counter that every in-place operation bumps, so
they cost nothing to watch; PIL images and numpy arrays are compared with a
copy of their bytes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from PIL import Image


def fingerprint(obj: Any) -> Any:
    if isinstance(obj, torch.Tensor):
        return ("tensor", obj.data_ptr(), obj._version)
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
    return bool(fingerprint(obj) != before)
