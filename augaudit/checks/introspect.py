"""Reading transform objects without running them, for the static checks. No torch here.

Transforms are inspected through their attributes (``interpolation``,
``fill``, ``mean``, ``dtype``), so v1 and v2 classes read alike; containers
are searched recursively with :func:`augaudit.classify.walk`.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from augaudit.checks.context import CheckContext
from augaudit.classify import walk

# PIL's resampling filter codes, which torchvision also accepts as ``interpolation``.
_PIL_FILTERS = {0: "nearest", 1: "lanczos", 2: "bilinear", 3: "bicubic", 4: "box", 5: "hamming"}
NEAREST = frozenset({"nearest", "nearest-exact", "nearest_exact"})
# Conversions that fix the data's type for the stages after them.
TO_TENSOR = frozenset({"ToImage", "ToTensor", "PILToTensor", "ToImageTensor", "ToPureTensor"})
TO_PIL = frozenset({"ToPILImage", "ToImagePIL"})
_MISSING = object()


def name(transform: Any) -> str:
    return type(transform).__name__


def flat(ctx: CheckContext) -> Iterator[tuple[int, Any]]:
    """(1-based top-level stage index, transform) for every transform, containers opened."""
    for index, transform in enumerate(ctx.transforms, start=1):
        for inner in walk(transform):
            yield index, inner


def interpolation(transform: Any) -> str | None:
    """The transform's interpolation as a lower-case name, or None if it has none."""
    value = getattr(transform, "interpolation", None)
    return None if value is None else interpolation_name(value)


def interpolation_name(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return _PIL_FILTERS.get(value, str(value))
    return str(getattr(value, "value", value)).lower()


def is_default(transform: Any, parameter: str, value: Any) -> bool:
    """Whether ``value`` is what the transform's class uses when ``parameter`` is not given."""
    try:
        default = inspect.signature(type(transform)).parameters[parameter].default
    except (KeyError, TypeError, ValueError):
        return False
    if default is inspect.Parameter.empty:
        return False
    if parameter == "interpolation":
        return interpolation_name(default) == interpolation_name(value)
    return bool(default == value)


def is_zero_fill(fill: Any) -> bool:
    """A fill of 0 (a number, a sequence of zeros, or a v2 per-type dict of them)."""
    if fill is None:
        return False
    if isinstance(fill, dict):
        values = [v for v in fill.values() if v is not None]
        return bool(values) and all(is_zero_fill(v) for v in values)
    if isinstance(fill, (list, tuple)):
        return bool(fill) and all(is_zero_fill(v) for v in fill)
    try:
        return float(fill) == 0.0
    except (TypeError, ValueError):
        return False


def attribute(transform: Any, *names: str) -> Any:
    """The first of ``names`` the transform has, else a sentinel that is never a value."""
    for attr in names:
        value = getattr(transform, attr, _MISSING)
        if value is not _MISSING:
            return value
    return _MISSING


def dtype_name(transform: Any) -> str | None:
    """``uint8``, ``float32``... of a ToDtype/ConvertImageDtype (images' dtype for a dict)."""
    dtype = getattr(transform, "dtype", None)
    if isinstance(dtype, dict):
        for key, value in dtype.items():
            if "Image" in getattr(key, "__name__", str(key)) or key == "others":
                dtype = value
                break
        else:
            return None
    return None if dtype is None else str(dtype).removeprefix("torch.")


def receives_tensor(ctx: CheckContext, stage: int) -> bool:
    """Whether the 1-based ``stage`` gets tensors: measured when images ran, else inferred.

    Inferred from the last conversion before the stage that fixes the type
    (``ToImage`` and friends: tensor; ``ToPILImage``: PIL), else from the
    pipeline's input (``pil`` when unknown, the default).
    """
    measured = ctx.per_image(stage, "tensor_in")
    if measured:
        return any(hi > 0 for _, hi in measured.values())
    kind = ctx.input_kind or "pil"
    for index, transform in flat(ctx):
        if index >= stage:
            break
        if name(transform) in TO_TENSOR:
            kind = "tensor"
        elif name(transform) in TO_PIL:
            kind = "pil"
    return kind != "pil"
