"""The reference twin: the same pipeline, same random draws, without precision loss.

The twin is a float64 (C, H, W) tensor carried beside the real data. Each stage
runs on it with the real run's seed, so rotations, crops and jitter factors are
the same; what differs is only what 8-bit storage, PIL round trips, truncating
casts and wrap-around do to the real data. Comparing the two at each stage
separates what the augmentation meant to do from what precision did.

How a stage runs on the twin, first route that works:

1. Type conversions (ToTensor, ToDtype, ToPILImage, ...) are applied exactly:
   the value is rescaled from one convention to the other, never rounded,
   clipped or wrapped.
2. Geometric stages on PIL input run on float ("F") PIL images one channel at a
   time, so PIL's own resampling is the reference (torch's differs from PIL's
   by about 39 dB for a bilinear rotation: an implementation gap, not loss).
   Nearest-neighbour warps of tensors run with the real run's grid dtype
   (``grid_precision.py``), so both pick the same pixels.
3. Everything else runs on the float64 tensor.
4. A stage that refuses floats (v2.JPEG, a PIL-only transform) runs at the real
   input's precision; the twin then carries that stage's loss, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import torch
from PIL import Image

from augaudit.knowledge import UNIT_FREE, StageKind, is_torchvision_class
from augaudit.measure.grid_precision import real_grid_dtype
from augaudit.measure.seeding import seed_stage
from augaudit.measure.values import UNIT, Convention, is_image_like, like, same_values, to_chw


@dataclass(frozen=True)
class Twin:
    """Twin value in raw units of ``conv`` (float conventions only)."""

    value: torch.Tensor
    conv: Convention

    def unit(self) -> torch.Tensor:
        """The value in [0, 1] units; the value itself (not a copy) when already in them."""
        return self.value if self.conv.is_unit else self.conv.to_unit(self.value)


def twin_convention(real: Convention) -> Convention:
    # Integer data has a float twin in [0, 1]: torchvision treats float tensors
    # as [0, 1], so the twin's stages behave as they do on 8-bit data.
    return UNIT if real.integer else real


def start(raw: torch.Tensor, conv: Convention) -> Twin:
    """The twin of a real input, from its raw (C, H, W) view."""
    tconv = twin_convention(conv)
    if len(set(conv.scale)) == 1 and not any(conv.offset):
        unit = raw * conv.scale[0]  # the common case (8 or 16 bits, [0, 1]): one pass
    else:
        unit = conv.to_unit(raw)
    # Integer input gets a [0, 1] twin: the unit view already is its value.
    return Twin(unit if tconv == UNIT else tconv.from_unit(unit), tconv)


@dataclass(frozen=True)
class TwinStep:
    twin: Twin
    route: str  # "exact", "pil-float", "grid", "float64" or "8-bit"


def step(
    transform: Any,
    kind: StageKind,
    twin: Twin,
    real_in: Any,
    real_out: Any,
    real_out_shape: tuple[int, ...],
    conv_in: Convention,
    conv_out: Convention,
    seed: int,
    type_changed: bool,
    mutates: bool = True,
) -> TwinStep:
    """Run one stage on the twin.

    A torchvision stage that did not modify the real tensor it was given
    (``mutates`` False) gets the twin's value itself instead of a copy; should
    it modify that after all, the twin is lost (RuntimeError) rather than
    measured from altered values. For PIL and numpy input, and for other code,
    the twin is always copied: how a stage treats those says nothing about how
    it treats a tensor.

    Raises
    ------
    RuntimeError
        No route produced an output of the real output's shape, or the stage
        wrote into the twin it was not expected to.
    """
    target = twin_convention(conv_out)
    same_grid = tuple(twin.value.shape[1:]) == tuple(real_out_shape[1:])
    if type_changed and kind == "conversion" and same_grid:
        value = target.from_unit(twin.unit())
        if value.shape[0] != real_out_shape[0]:
            raise RuntimeError("conversion changed the channel count")
        return TwinStep(Twin(value, target), "exact")
    failures: list[str] = []
    routes = []
    if isinstance(real_in, Image.Image) and kind == "geometric":
        routes.append(("pil-float", _run_pil_float))
    # Shared only with torchvision's own classes (kind known), whose writes the
    # version counter sees; other code may write through .numpy() unseen.
    shared = not mutates and kind != "unknown" and isinstance(real_in, torch.Tensor)
    version = _version(twin.value) if shared else None
    grid = real_grid_dtype(transform, real_in)
    if grid is not None:
        routes.append(("grid", partial(_run_copy, grid)))
    copied = partial(_run_copy, torch.float64)
    routes.append(("float64", copied if version is None else _run_float64_in_place))
    routes.append(("8-bit", partial(_run_at_real_precision, conv_out)))
    for route, run in routes:
        try:
            unit = run(transform, twin, real_in, conv_in, target, seed)
        except Exception as exc:  # a route that fails just hands over to the next
            failures.append(f"{route}: {type(exc).__name__}: {exc}")
            if version is not None and _version(twin.value) != version:
                break
            continue
        if version is not None and _version(twin.value) != version:
            raise RuntimeError("the stage modified the reference's values in place")
        if tuple(unit.shape) != tuple(real_out_shape):
            failures.append(f"{route}: shape {tuple(unit.shape)} != {tuple(real_out_shape)}")
            continue
        on_integers = route == "float64" and conv_in.integer and kind != "geometric"
        if on_integers and not unit_free(transform):
            unit, route = _same_operation(
                unit, transform, twin, real_in, real_out, conv_in, conv_out, seed
            )
        value = unit if target.is_unit else target.from_unit(unit)
        return TwinStep(Twin(value, target), route)
    raise RuntimeError("; ".join(failures))


def _version(value: torch.Tensor) -> int | None:
    """The tensor's in-place write counter; None where torch keeps none (inference mode)."""
    try:
        return int(value._version)
    except RuntimeError:
        return None


SEMANTIC_GAP_DB = 30.0


def unit_free(transform: Any) -> bool:
    return is_torchvision_class(transform, UNIT_FREE)


def _same_operation(
    unit: torch.Tensor,
    transform: Any,
    twin: Twin,
    real_in: Any,
    real_out: Any,
    conv_in: Convention,
    conv_out: Convention,
    seed: int,
) -> tuple[torch.Tensor, str]:
    """Keep the float result only if it is the same operation as on integers.

    torchvision reads some parameters in the image's raw units (a solarize
    threshold of 128 inverts half of a uint8 image and none of a float one).
    Rounding loses at most a few tens of dB' worth; a larger gap between the
    float run and the run at the input's precision is a different operation,
    so the reference takes the latter and says so. Where the twin, rounded,
    is exactly the real input, the real output is that run: same stage, same
    values, same seed.
    """
    from augaudit.measure.metrics import psnr

    try:
        probe = like(real_in, conv_in.from_unit(twin.unit()))
        source = real_out if same_values(probe, real_in) else _seeded_call(transform, probe, seed)
        at_precision = _unit_output(source, conv_out)
    except Exception:
        return unit, "float64"
    if at_precision.shape != unit.shape:
        return unit, "float64"
    gap = psnr(at_precision, unit, data_range=1.0)
    if gap is not None and gap < SEMANTIC_GAP_DB:
        return at_precision, "8-bit"
    return unit, "float64"


def _seeded_call(transform: Any, image: Any, seed: int) -> Any:
    seed_stage(transform, seed)
    return transform(image)


def _unit_output(out: Any, conv_out: Convention) -> torch.Tensor:
    """A run at the real input's precision, in unit values: its output has the real
    output's type and draws, so the real output's convention (measured) is its own."""
    if not is_image_like(out):
        raise TypeError(f"returned {type(out).__name__}")
    return conv_out.to_unit(to_chw(out))


def _run_pil_float(
    transform: Any, twin: Twin, real_in: Any, conv_in: Convention, target: Convention, seed: int
) -> torch.Tensor:
    unit = twin.unit()
    planes = []
    for channel in unit:
        seed_stage(transform, seed)
        out = transform(Image.fromarray(channel.numpy().astype(np.float32), mode="F"))
        if not isinstance(out, Image.Image) or out.mode != "F":
            raise TypeError("stage did not return a float PIL image")
        planes.append(torch.from_numpy(np.asarray(out).astype(np.float64)))
    return torch.stack(planes)


def _run_copy(
    dtype: torch.dtype,
    transform: Any,
    twin: Twin,
    real_in: Any,
    conv_in: Convention,
    target: Convention,
    seed: int,
) -> torch.Tensor:
    # On a copy of the twin in ``dtype``: float64, or float32 where a nearest-neighbour
    # warp must pick pixels on the real run's grid (grid_precision.py).
    out = transform(_seeded(transform, seed, twin.value.to(dtype, copy=True)))
    return target.to_unit(to_chw(_float_tensor(out)))


def _run_float64_in_place(
    transform: Any, twin: Twin, real_in: Any, conv_in: Convention, target: Convention, seed: int
) -> torch.Tensor:
    out = _float_tensor(transform(_seeded(transform, seed, twin.value)))
    # torchvision's float64 (C, H, W) output is used as it is: a fresh tensor,
    # or the input itself when the stage did nothing, and nothing writes into
    # a twin after its stage.
    if out.dtype == torch.float64 and out.ndim == 3 and target.is_unit:
        return out.detach().as_subclass(torch.Tensor)
    return target.to_unit(to_chw(out))


def _seeded(transform: Any, seed: int, value: torch.Tensor) -> torch.Tensor:
    seed_stage(transform, seed)
    return value


def _float_tensor(out: Any) -> torch.Tensor:
    # The stage's float output is in the twin's convention for the real output.
    if not isinstance(out, torch.Tensor) or not out.is_floating_point():
        raise TypeError(f"returned {type(out).__name__}, not a float tensor")
    return out


def _run_at_real_precision(
    conv_out: Convention,
    transform: Any,
    twin: Twin,
    real_in: Any,
    conv_in: Convention,
    target: Convention,
    seed: int,
) -> torch.Tensor:
    probe = like(real_in, conv_in.from_unit(twin.unit()))
    return _unit_output(_seeded_call(transform, probe, seed), conv_out)
