"""Border-fill tracking by differential probes: exact, and blind to image content.

A stage is run, with the same seed as the real run, on two probe images of
the real input's type: ``A`` is the constant ``PROBE_A``; ``B`` equals ``A``
except that pixels still covered by the source image hold ``PROBE_B``. Every
output pixel that depends on covered source pixels differs between the two
runs; fill, padding and erased areas do not, whatever their colour. For
resampling (linear in the input) the difference divided by the stage's gain
is the covered fraction of each pixel, so bilinear edges count fractionally.
Counting black pixels instead would call a photo's own shadows "fill".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from augaudit.knowledge import CONTAINERS, FILL_FREE, GEOMETRIC, is_torchvision_class, walk
from augaudit.measure.seeding import seed_stage
from augaudit.measure.values import Convention, like, to_chw

# Unit values picked so that solarize (x -> 1-x above a threshold), posterize to
# 1 bit, and inversion never map both probes to the same value.
PROBE_A = 0.15
PROBE_B = 0.95


def keeps_full_coverage(transform: Any) -> bool:
    """Whether ``transform`` is a torchvision class that never fills pixels."""
    return is_torchvision_class(transform, FILL_FREE)


def fully_covered(coverage: torch.Tensor) -> bool:
    """Every pixel comes wholly from the source (False for an empty image)."""
    return coverage.numel() > 0 and float(coverage.min()) >= 1.0


@dataclass(frozen=True)
class ProbeResult:
    """What the probes measured for one stage run.

    ``coverage`` is (H, W) in [0, 1]: the share of each output pixel that comes
    from the source image. ``gain`` is output raw units per input raw unit.
    """

    coverage: torch.Tensor
    gain: float | None
    # For stages augaudit does not know: the probes' unit input levels and, per channel,
    # their output levels where the output is still wholly the probe (the stage's map).
    levels: Levels | None = None


@dataclass(frozen=True)
class Levels:
    """Unit input levels of the two probes (as quantized by the input's type) and the
    stage's raw output level for each, per output channel."""

    unit_a: float
    unit_b: float
    out_a: tuple[float, ...]
    out_b: tuple[float, ...]


def probe_inputs(
    template: Any, conv: Convention, coverage: torch.Tensor, channels: int
) -> tuple[Any, Any]:
    """The two probe images, of ``template``'s type and ``channels``, in convention ``conv``."""
    unit_a = torch.full((channels, 1, 1), PROBE_A, dtype=torch.float64)
    unit_b = torch.full((channels, 1, 1), PROBE_B, dtype=torch.float64)
    raw_a, raw_b = conv.from_unit(unit_a), conv.from_unit(unit_b)
    h, w = coverage.shape
    probe_a = _constant(template, raw_a, (channels, h, w))
    if fully_covered(coverage):  # nothing filled yet: B is a constant too
        return probe_a, _constant(template, raw_b, (channels, h, w))
    probe_b = raw_a + coverage.unsqueeze(0) * (raw_b - raw_a)
    return probe_a, like(template, probe_b.contiguous())


# Constant probes of tensors and arrays, by type, dtype, shape and value:
# every sample of a stage asks for the same ones. Handed out as copies, since
# a stage may write into its input. PIL images are not cached (a palette
# image's probe carries that image's palette).
_CONSTANTS: dict[tuple[Any, ...], Any] = {}
_MAX_CONSTANTS = 16


def _constant(template: Any, raw: torch.Tensor, shape: tuple[int, int, int]) -> Any:
    if not isinstance(template, (torch.Tensor, np.ndarray)):
        return like(template, raw.expand(shape).contiguous())
    values = tuple(raw.flatten().tolist())
    key = (type(template), template.dtype, tuple(template.shape), shape, values)
    if key not in _CONSTANTS:
        if len(_CONSTANTS) >= _MAX_CONSTANTS:
            _CONSTANTS.clear()
        _CONSTANTS[key] = like(template, raw.expand(shape).contiguous())
    cached = _CONSTANTS[key]
    return cached.clone() if isinstance(cached, torch.Tensor) else cached.copy()


def read_probes(
    out_a: Any,
    out_b: Any,
    conv_in: Convention,
    channels_in: int,
    *,
    unit_in: tuple[float, float] | None = None,
) -> ProbeResult:
    """Coverage and gain from the stage's outputs on the two probes.

    Raises
    ------
    ValueError
        The two outputs differ in shape (the stage is not deterministic under
        a fixed seed), so coverage cannot be read from them.
    """
    a, b = to_chw(out_a), to_chw(out_b)
    if a.shape != b.shape:
        raise ValueError("probe outputs differ in shape: the stage ignores its seed")
    means = _levels(a, b, unit_in) if unit_in is not None else None
    # to_chw returns copies, so the arithmetic below can work in place.
    diff = b.sub_(a)
    if not bool(torch.isfinite(diff.sum())):  # one reduction proves all finite
        diff = torch.nan_to_num_(diff, nan=0.0, posinf=0.0, neginf=0.0)
    diff.abs_()
    # Normalising by the strongest response cancels photometric gain
    # (brightness 0.8 scales every difference alike) and type conversions (x255).
    peak = diff.amax(dim=(1, 2))
    live = peak > 0
    if not bool(live.any()):
        return ProbeResult(torch.zeros(a.shape[1:], dtype=torch.float64), None)
    if not bool(live.all()):
        diff = diff[live]
    cover = diff.div_(peak[live].view(-1, 1, 1)).clamp_(0.0, 1.0).mean(dim=0)
    # Round-off of resampling a constant (float32 probes: ~1e-7) is not fill.
    cover.masked_fill_(cover > 1.0 - 1e-6, 1.0)
    step = conv_in.from_unit(torch.full((channels_in, 1, 1), PROBE_B, dtype=torch.float64))
    step = step - conv_in.from_unit(torch.full((channels_in, 1, 1), PROBE_A, dtype=torch.float64))
    gain = float(peak[live].median()) / float(step.abs().mean())
    return ProbeResult(cover, gain, means)


def _levels(a: torch.Tensor, b: torch.Tensor, unit_in: tuple[float, float]) -> Levels | None:
    """The output levels of the two probes: per channel, the median, provided some pixels
    hold it in both outputs (fill and blended edges differ from it)."""
    if a.ndim != 3 or a.numel() == 0:
        return None
    flat_a, flat_b = a.flatten(1), b.flatten(1)
    level_a, level_b = flat_a.median(dim=1).values, flat_b.median(dim=1).values
    inside = (flat_a == level_a[:, None]).all(0) & (flat_b == level_b[:, None]).all(0)
    finite = torch.isfinite(level_a).all() & torch.isfinite(level_b).all()
    if not bool(inside.any()) or not bool(finite):
        return None
    return Levels(*unit_in, tuple(level_a.tolist()), tuple(level_b.tolist()))


def _unit_levels(probe_a: Any, probe_b: Any, conv: Convention) -> tuple[float, float]:
    """The probes' unit values as the input's type holds them (8 bits round 0.15 to 38/255)."""
    unit_a = conv.to_unit(to_chw(probe_a))
    unit_b = conv.to_unit(to_chw(probe_b))
    return float(unit_a.median()), float(unit_b.max())


def probes_share_a_call(transform: Any, template: Any, conv: Convention) -> bool:
    """Whether both probes may run as one batch of two single-channel images.

    For torchvision's own geometric classes (and containers of only those) on a
    plain tensor whose channels share one convention: they move every channel
    alike and draw their parameters once per call, so one channel of each
    probe, batched, says what both full probes say (to the last bit of their
    mean over channels), for a third of the pixels and half the calls.
    """
    if type(template) is not torch.Tensor or template.ndim != 3:
        return False
    if len(set(conv.scale)) > 1 or len(set(conv.offset)) > 1:  # Normalize's per-channel units
        return False
    return all(is_torchvision_class(t, GEOMETRIC | CONTAINERS) for t in walk(transform))


def probe_together(
    transform: Any, template: torch.Tensor, conv: Convention, coverage: torch.Tensor
) -> ProbeResult:
    """Coverage and gain from one call on the two probes as a (2, 1, H, W) batch.

    The caller seeds the call. Raises ValueError when the stage does not
    return the batch (the caller then runs the full probes).
    """
    probe_a, probe_b = probe_inputs(template, conv, coverage, 1)
    out = transform(torch.stack([probe_a, probe_b]))
    if not isinstance(out, torch.Tensor) or out.ndim != 4 or tuple(out.shape[:2]) != (2, 1):
        raise ValueError("the stage did not keep the probe batch")
    return read_probes(out[0], out[1], conv, 1)


def probe(
    transform: Any,
    template: Any,
    conv: Convention,
    coverage: torch.Tensor,
    channels: int,
    seed: int,
) -> ProbeResult:
    """Run one stage, seeded like the real run, on its probes and read them.

    One call on a single-channel batch where :func:`probes_share_a_call`,
    two calls on full probes otherwise (or when the stage refuses the batch).

    Raises
    ------
    Exception
        Whatever the stage raises on the full probes, or ValueError from
        :func:`read_probes`.
    """
    if probes_share_a_call(transform, template, conv):
        try:
            seed_stage(transform, seed)
            return probe_together(transform, template, conv, coverage)
        except Exception:  # the full probes below give the stage's own error, if any
            pass
    probe_a, probe_b = probe_inputs(template, conv, coverage, channels)
    seed_stage(transform, seed)
    out_a = transform(probe_a)
    seed_stage(transform, seed)
    out_b = transform(probe_b)
    known = is_torchvision_class(transform)
    unit_in = None if known else _unit_levels(probe_a, probe_b, conv)
    return read_probes(out_a, out_b, conv, channels, unit_in=unit_in)
