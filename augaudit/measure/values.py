"""Stage outputs as numbers: any image object to a raw CHW float64 view and back.

A pipeline hands PIL images (any mode), tensors, tv_tensors and numpy arrays
between stages. Every measurement works on one view: a float64 tensor of shape
(C, H, W) holding the raw values, plus a :class:`Convention` that says how raw
values map to the unit range [0, 1]. ``like`` builds an object of the same
type from such a view, which is how probes and 8-bit twin runs are made.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from PIL import Image

from augaudit.measure.records import OutputKind
from augaudit.model.convention import Convention as ConventionData

# Raw value ranges of PIL modes; "I" holds 16-bit PNGs in practice.
_PIL_MAX = {"1": 1.0, "I;16": 65535.0, "I;16B": 65535.0, "I;16L": 65535.0, "I": 65535.0, "F": 1.0}
_FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


class UnsupportedOutput(TypeError):
    """A stage returned something augaudit cannot read as an image."""


class Convention(ConventionData):
    """A value convention with the tensor arithmetic measuring needs (see the base class)."""

    def _per_channel(self, values: tuple[float, ...], channels: int) -> torch.Tensor:
        vals = values if len(values) == channels else values[:1] * channels
        return torch.tensor(vals, dtype=torch.float64).view(-1, 1, 1)

    def to_unit(self, raw: torch.Tensor) -> torch.Tensor:
        c = raw.shape[0]
        return raw * self._per_channel(self.scale, c) + self._per_channel(self.offset, c)

    def from_unit(self, unit: torch.Tensor) -> torch.Tensor:
        c = unit.shape[0]
        return (unit - self._per_channel(self.offset, c)) / self._per_channel(self.scale, c)

    def bounds(self, channels: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Raw values of unit 0 and unit 1, per channel, as (C, 1, 1) tensors."""
        lo = self.from_unit(torch.zeros(channels, 1, 1, dtype=torch.float64))
        hi = self.from_unit(torch.ones(channels, 1, 1, dtype=torch.float64))
        return torch.minimum(lo, hi), torch.maximum(lo, hi)


UNIT = Convention("float [0,1]")
BYTE = Convention("8-bit [0,255]", (1 / 255,), integer=True)
WORD = Convention("16-bit [0,65535]", (1 / 65535,), integer=True)
BINARY = Convention("1-bit {0,1}", integer=True)
_BY_TOP = {255: BYTE, 65535: WORD, 1: BINARY}


def _channels_last(shape: tuple[int, ...]) -> bool:
    """A 3-D numpy image is H, W, C when its last axis is short and its first is not."""
    return len(shape) == 3 and shape[2] <= 4 < shape[0]


def is_image_like(obj: Any) -> bool:
    return isinstance(obj, (Image.Image, torch.Tensor, np.ndarray))


def is_float(obj: Any) -> bool:
    if isinstance(obj, Image.Image):
        return obj.mode == "F"
    if isinstance(obj, torch.Tensor):
        return obj.dtype in _FLOAT_DTYPES
    if isinstance(obj, np.ndarray):
        return bool(np.issubdtype(obj.dtype, np.floating))
    return False


def integer_convention(obj: Any) -> Convention:
    """The fixed convention of an integer-valued image object.

    Tensors and arrays take torchvision's range for their dtype (``_max_value``:
    the dtype's top for unsigned types, 2**(bits - 1) - 1 for signed ones, whose
    negative half it never uses): an int32 tensor from a 16-bit "I" image is
    [0, 2**31 - 1] to ``ToDtype(float32, scale=True)``, which makes it read
    32768 times darker.
    """
    if isinstance(obj, Image.Image):
        return _BY_TOP[int(_PIL_MAX.get(obj.mode, 255.0))]
    if isinstance(obj, torch.Tensor):
        if obj.dtype == torch.bool:
            return BINARY
        if obj.dtype.is_floating_point or obj.dtype.is_complex:
            raise UnsupportedOutput(f"{obj.dtype} values (augaudit reads integer and float images)")
        top, name = torch.iinfo(obj.dtype).max, str(obj.dtype).removeprefix("torch.")
    else:
        if obj.dtype == bool:
            return BINARY
        if not np.issubdtype(obj.dtype, np.integer):
            raise UnsupportedOutput(f"{obj.dtype} values (augaudit reads integer and float images)")
        top, name = int(np.iinfo(obj.dtype).max), obj.dtype.name
    if top in _BY_TOP:
        return _BY_TOP[top]
    return Convention(f"{name} [0,{top}]", (1 / top,), integer=True)


def to_chw(obj: Any) -> torch.Tensor:
    """Raw values of an image object as a float64 (C, H, W) tensor (a copy)."""
    if isinstance(obj, Image.Image):
        arr = np.asarray(obj)
        t = torch.from_numpy(arr.astype(np.float64))
        return t.unsqueeze(0) if t.ndim == 2 else t.permute(2, 0, 1).contiguous()
    if isinstance(obj, torch.Tensor):
        t = obj.detach().as_subclass(torch.Tensor)
        if t.ndim == 2:
            t = t.unsqueeze(0)
        if t.ndim != 3:
            raise UnsupportedOutput(f"tensor of shape {tuple(obj.shape)} (expected C,H,W)")
        return t.to(torch.float64, copy=True)
    if isinstance(obj, np.ndarray):
        t = torch.from_numpy(np.array(obj, dtype=np.float64))
        if t.ndim == 2:
            return t.unsqueeze(0)
        if _channels_last(tuple(t.shape)):
            return t.permute(2, 0, 1).contiguous()
        if t.ndim == 3:
            return t
        raise UnsupportedOutput(f"array of shape {obj.shape} (expected H,W,C)")
    raise UnsupportedOutput(f"{type(obj).__name__} is not an image")


def like(template: Any, raw: torch.Tensor) -> Any:
    """An object of ``template``'s type, mode and dtype holding ``raw`` (C, H, W) values.

    Integer types are rounded and clipped to their range; nothing wraps here.
    """
    if isinstance(template, Image.Image):
        return _like_pil(template, raw)
    if isinstance(template, torch.Tensor):
        t = _cast(raw, template.dtype)
        if template.ndim == 2:
            t = t[0]
        if type(template) is not torch.Tensor:
            from torchvision import tv_tensors

            return tv_tensors.wrap(t, like=template)
        return t
    if isinstance(template, np.ndarray):
        arr = _cast(raw, _torch_dtype(template.dtype)).numpy()
        if template.ndim == 2:
            return arr[0]
        hwc = _channels_last(template.shape)
        return np.ascontiguousarray(arr.transpose(1, 2, 0) if hwc else arr)
    raise UnsupportedOutput(f"cannot build a {type(template).__name__} probe")


def _torch_dtype(dtype: np.dtype) -> torch.dtype:
    return torch.from_numpy(np.zeros(1, dtype=dtype)).dtype


def _cast(raw: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    if dtype in _FLOAT_DTYPES:
        return raw.to(dtype)
    if dtype == torch.bool:
        return raw >= 0.5
    info = torch.iinfo(dtype)
    return raw.round().clamp(info.min, info.max).to(dtype)


def _like_pil(template: Image.Image, raw: torch.Tensor) -> Image.Image:
    mode = template.mode
    hwc = raw.permute(1, 2, 0).numpy()
    if mode == "F":
        return Image.fromarray(hwc[..., 0].astype(np.float32))
    if mode == "1":
        return Image.fromarray(hwc[..., 0] >= 0.5)
    if mode.startswith("I;16") or mode == "I":
        dtype = {"I": np.int32, "I;16B": ">u2"}.get(mode, "<u2")
        arr = np.clip(np.rint(hwc[..., 0]), 0, 65535).astype(dtype)
    else:
        arr = np.clip(np.rint(hwc), 0, 255).astype(np.uint8)
        if arr.shape[2] == 1:
            arr = arr[..., 0]
    # Copying the template keeps mode, size and palette; frombytes swaps in the pixels.
    out = template.copy()
    out.frombytes(arr.tobytes())
    return out


def describe(obj: Any) -> OutputKind:
    """Type of a stage output: kind, class, dtype or PIL mode, channels and shape."""
    if isinstance(obj, Image.Image):
        bands = len(obj.getbands())
        return OutputKind("pil", "Image", None, obj.mode, bands, (bands, obj.height, obj.width))
    if isinstance(obj, torch.Tensor):
        shape = tuple(obj.shape)
        dtype = str(obj.dtype).removeprefix("torch.")
        channels = shape[0] if len(shape) == 3 else 1
        return OutputKind("tensor", type(obj).__name__, dtype, None, channels, shape)
    if isinstance(obj, np.ndarray):
        shape = tuple(obj.shape)
        channels = shape[2] if _channels_last(obj.shape) else shape[0] if len(shape) == 3 else 1
        return OutputKind("ndarray", "ndarray", str(obj.dtype), None, channels, shape)
    return OutputKind("other", type(obj).__name__)


def same_values(a: Any, b: Any) -> bool:
    """The same image objects to the last bit: type, mode or dtype, shape and values (lists,
    tuples and dicts of them compared member by member)."""
    if isinstance(a, Image.Image) and isinstance(b, Image.Image):
        return a.mode == b.mode and a.size == b.size and a.tobytes() == b.tobytes()
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        if bool(torch.equal(a, b)):
            return True
        # NaN is never equal to itself; a stage that writes NaN in the same places is the same.
        return (
            a.is_floating_point()
            and bool(torch.equal(a.isnan(), b.isnan()))
            and bool(torch.equal(a.nan_to_num(0.0), b.nan_to_num(0.0)))
        )
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        nan = a.dtype.kind in "fc"
        return a.dtype == b.dtype and bool(np.array_equal(a, b, equal_nan=nan))
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(same_values(x, y) for x, y in zip(a, b, strict=True))
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same_values(a[k], b[k]) for k in a)
    return False


def fresh_copy(x: Any) -> Any:
    """An independent copy of an image object (a stage may write into what it is given)."""
    if isinstance(x, Image.Image):
        return x.copy()
    if isinstance(x, torch.Tensor):
        return x.clone()
    if isinstance(x, np.ndarray):
        return x.copy()
    return x
