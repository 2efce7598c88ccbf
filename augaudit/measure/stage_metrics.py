"""Per-stage measurements on raw (C, H, W) float64 views. Pure functions.

Every fraction is a fraction of values (elements), except border fill, which
is a fraction of pixels. Fidelity and change compare images mapped to [0, 1]
with ``data_range=1``, over the pixels the source image still covers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from augaudit.measure.masks import outside_values, wrapped_values
from augaudit.measure.metrics import SSIM_WINDOW, psnr, ssim
from augaudit.measure.values import Convention

FULL = 0.999  # a pixel counts as covered when at least this share comes from the source


def all_finite(raw: torch.Tensor) -> bool:
    """No NaN or Inf anywhere, in one reduction instead of an elementwise mask.

    Any NaN or Inf makes the sum non-finite; a finite sum therefore proves
    every value finite. A sum that overflows on finite values only sends the
    caller to its exact (slower) path.
    """
    return raw.numel() == 0 or bool(torch.isfinite(raw.sum()))


def in_range(raw: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor) -> bool:
    """Every value finite and within [lo, hi] (per channel), from one min/max pass.

    NaN makes the extremes NaN and Inf lies outside any finite bound, so a True
    also proves every value finite.
    """
    if raw.numel() == 0:
        return True
    # amin/amax over the pixel axes: aminmax(dim=...) measured 10x slower.
    low, high = raw.amin(dim=(1, 2)), raw.amax(dim=(1, 2))
    return bool(((low >= lo.view(-1)) & (high <= hi.view(-1))).all())


def range_metrics(raw: torch.Tensor, conv: Convention) -> dict[str, float]:
    """Out-of-range, saturated and non-finite fractions of ``raw`` under ``conv``."""
    total = raw.numel()
    lo, hi = conv.bounds(raw.shape[0])
    tol = 1e-6 * (hi - lo)
    if in_range(raw, lo - tol, hi + tol):
        # The common case, in two comparisons: with every value in range,
        # "within tol of an end" is one inequality per end.
        at_ends = (raw <= lo + tol).sum() + (raw >= hi - tol).sum()
        return {
            "out_of_range_fraction": 0.0,
            "saturated_fraction": float(at_ends) / total if total else 0.0,
            "nonfinite_fraction": 0.0,
        }
    if all_finite(raw):
        outside = (raw < lo - tol).sum() + (raw > hi + tol).sum()
        at_ends = ((raw - lo).abs_() <= tol).sum() + ((raw - hi).abs_() <= tol).sum()
        return {
            "out_of_range_fraction": float(outside) / total if total else 0.0,
            "saturated_fraction": float(at_ends) / total if total else 0.0,
            "nonfinite_fraction": 0.0,
        }
    finite = torch.isfinite(raw)
    nonfinite = 1.0 - float(finite.sum()) / total if total else 0.0
    values = torch.where(finite, raw, lo)
    outside_mask = outside_values(raw, conv)
    at_ends_mask = finite & (((values - lo).abs() <= tol) | ((values - hi).abs() <= tol))
    return {
        "out_of_range_fraction": float(outside_mask.sum()) / total if total else 0.0,
        "saturated_fraction": float(at_ends_mask.sum()) / total if total else 0.0,
        "nonfinite_fraction": nonfinite,
    }


def wrapped_fraction(
    raw_in: torch.Tensor, raw_out: torch.Tensor, conv_out: Convention, factor: float
) -> float | None:
    """Fraction of values a float-to-integer conversion wrapped around.

    A value wrapped when ``raw_in * factor`` lies beyond the output range and
    the output is not the range's end it should have been clipped to: 1.2
    becomes 50 and 2.0 becomes 254 where clipping gives 255, while 255.6
    truncated to 255 is not a wrap. Exact per element, so it needs input and
    output on the same grid; None otherwise.
    """
    wrapped = wrapped_values(raw_in, raw_out, conv_out, factor)
    return None if wrapped is None else float(wrapped.sum()) / raw_in.numel()


def pinned_fraction(raw: torch.Tensor, conv: Convention, mask: torch.Tensor | None) -> float | None:
    """Share of finite values (over ``mask``'s pixels) pinned at the ends of the range.

    The ends are the convention's bounds and, for float data, also 0 and 1:
    torchvision clamps float images to [0, 1] whatever they hold, so
    ``ColorJitter`` on 0..255 floats pins values at 1.0.
    """
    lo, hi = conv.bounds(raw.shape[0])
    tol = 1e-6 * (hi - lo)
    unit_ends = not conv.integer and not (bool((lo == 0).all()) and bool((hi == 1).all()))
    inside = in_range(raw, lo - tol, hi + tol)  # also proves every value finite
    if inside:  # one inequality per end, as in range_metrics
        pinned = (raw <= lo + tol) | (raw >= hi - tol)
    else:
        pinned = ((raw - lo).abs_() <= tol) | ((raw - hi).abs_() <= tol)
    if unit_ends:  # 0 and 1 are not already the range's ends
        pinned |= (raw.abs() <= 1e-6) | ((raw - 1.0).abs_() <= 1e-6)
    if inside or all_finite(raw):
        if mask is None:
            return float(pinned.sum()) / pinned.numel() if pinned.numel() else None
        count = int(mask.sum()) * raw.shape[0]
        return float((pinned & mask).sum()) / count if count else None
    valid = torch.isfinite(raw)
    if mask is not None:
        valid &= mask.unsqueeze(0)
    count = int(valid.sum())
    return float((pinned & valid).sum()) / count if count else None


def truncation(
    raw_in: torch.Tensor, raw_out: torch.Tensor, conv_out: Convention, factor: float
) -> tuple[float, float | None] | None:
    """How a float-to-integer conversion quantizes: (truncated fraction, truncated share).

    Of the in-range values whose scaled value ``raw_in * factor`` has a
    fractional part above .5 (where floor and round differ), those the output
    holds at the floor were truncated. The fraction is over all values; the
    share is over those candidates (None when fewer than 1% of values are
    candidates: values already on the integer grid lose nothing either way).
    Rounding gives a share of 0, ``ToPILImage``'s ``(x * 255).byte()`` of 1,
    and ``ToDtype(uint8, scale=True)``'s ``x * 255.999`` about 0.25 to 0.5.
    Exact per element, so it needs input and output on the same grid.
    """
    if raw_in.shape != raw_out.shape:
        return None
    lo, hi = conv_out.bounds(raw_out.shape[0])
    scaled = raw_in * factor
    floor = scaled.floor()
    inside = torch.isfinite(scaled) & (scaled >= lo) & (scaled <= hi)
    candidates = inside & (scaled - floor > 0.5 + 1e-9)
    truncated = candidates & ((raw_out - floor).abs() < 0.5)
    total, count = raw_in.numel(), int(candidates.sum())
    fraction = float(truncated.sum()) / total if total else 0.0
    share = float(truncated.sum()) / count if count and count >= 0.01 * total else None
    return fraction, share


#: Up to this largest difference SSIM is reported as exactly 1. With
#: |x - y| <= d everywhere, 1 - SSIM <= d^2 (1/C1 + 1/C2) (both factors of
#: SSIM lose at most d^2 over their constant), that is below 1e-7 here, under
#: the float32 computation's own error: a conversion that only re-rounds
#: (ToDtype(float32, scale=True) of 8-bit data, Normalize) skips the SSIM.
IDENTICAL_WITHIN = 2e-6


#: SSIM of a stage's pair is carried over from the previous stage when each
#: value SSIM reads moved by at most this (about one float32 rounding step at
#: 1.0): conversions and Normalize re-round the same pixels. SSIM's own float32
#: inputs are rounded by half this; tests/measure/test_speedups.py holds carried-over
#: values within 1e-5 of recomputing, the size of float32 SSIM's own wobble
#: (summing a mirrored map alone moves it by up to ~6e-6).
REUSE_WITHIN = 1.2e-7


@dataclass(frozen=True)
class Fidelity:
    """PSNR (dB) and SSIM of one comparison, and the float32 pair SSIM read.

    The pair lets the next stage see whether it changed anything SSIM reads
    (see :func:`fidelity`'s ``previous``).
    """

    psnr: float | None
    ssim: float | None
    reference32: torch.Tensor | None = None
    test32: torch.Tensor | None = None
    keep: torch.Tensor | None = None


def compare(
    reference_unit: torch.Tensor, test_unit: torch.Tensor, coverage: torch.Tensor | None
) -> tuple[float | None, float | None]:
    """PSNR (dB) and SSIM of ``test`` against ``reference`` over covered, finite pixels."""
    result = fidelity(reference_unit, test_unit, coverage)
    return result.psnr, result.ssim


def fidelity(
    reference_unit: torch.Tensor,
    test_unit: torch.Tensor,
    coverage: torch.Tensor | None,
    previous: Fidelity | None = None,
) -> Fidelity:
    """:func:`compare`, carrying SSIM over from ``previous`` where the pair is the same.

    The same pair is the one ``previous``'s SSIM was computed on, within
    ``REUSE_WITHIN`` per value, or that pair mirrored left-right, top-bottom
    or both (a flip moves the SSIM map's values without changing them; float32
    sums them in another order, which moves the mean by up to ~6e-6). PSNR is
    always computed: it is cheap, and exact in float64.
    """
    if reference_unit.shape != test_unit.shape:
        return Fidelity(None, None)
    mask = torch.ones(reference_unit.shape[1:], dtype=torch.bool)
    if coverage is not None:
        mask = coverage >= FULL
    ref, test = reference_unit, test_unit
    if not (all_finite(ref) and all_finite(test)):
        mask &= torch.isfinite(ref).all(dim=0) & torch.isfinite(test).all(dim=0)
        ref = torch.nan_to_num(ref, 0.0, 0.0, 0.0)
        test = torch.nan_to_num(test, 0.0, 0.0, 0.0)
    if not bool(mask.any()):
        return Fidelity(None, None)
    keep = None if bool(mask.all()) else mask
    # PSNR needs the float64 difference (120 dB is an error of 1e-6); SSIM in
    # float32 agrees with the float64 value within 5e-5 at a fraction of the cost.
    value = psnr(ref, test, data_range=1.0, mask=keep)
    if float((ref - test).abs_().max()) <= IDENTICAL_WITHIN:
        return Fidelity(value, 1.0 if ssim_fits(ref, keep) else None)
    ref32, test32 = ref.float(), test.float()
    if (
        previous is not None
        and previous.ssim is not None
        and _same_pair(previous, ref32, test32, keep)
    ):
        # Keeps the pair SSIM was computed on, so that along a chain of stages
        # each is compared with it: small moves cannot add up unseen.
        return replace(previous, psnr=value)
    score = ssim(ref32, test32, data_range=1.0, mask=keep)
    return Fidelity(value, score, ref32, test32, keep)


def _same_pair(
    previous: Fidelity, ref32: torch.Tensor, test32: torch.Tensor, keep: torch.Tensor | None
) -> bool:
    """Whether SSIM would read ``previous``'s pair again: unchanged, mirrored or turned 180."""
    old_ref, old_test, old_keep = previous.reference32, previous.test32, previous.keep
    if old_ref is None or old_test is None or old_test.shape != test32.shape:
        return False
    if (keep is None) != (old_keep is None):
        return False
    for dims in ((), (-1,), (-2,), (-2, -1)):
        if (
            keep is not None
            and old_keep is not None
            and not torch.equal(_flipped(old_keep, dims), keep)
        ):
            continue
        if _close(_flipped(old_test, dims), test32) and _close(_flipped(old_ref, dims), ref32):
            return True
    return False


def _flipped(t: torch.Tensor, dims: tuple[int, ...]) -> torch.Tensor:
    return t.flip(dims) if dims else t


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return float((a - b).abs_().max()) <= REUSE_WITHIN


def ssim_fits(image: torch.Tensor, mask: torch.Tensor | None) -> bool:
    """Whether :func:`ssim` has a window to average: one fits, and its centre is in ``mask``."""
    c, h, w = image.shape
    if c == 0 or min(h, w) < SSIM_WINDOW:
        return False
    r = SSIM_WINDOW // 2
    return mask is None or bool(mask[r : h - r, r : w - r].any())


def covered(coverage: torch.Tensor | None) -> torch.Tensor | None:
    """Pixels the source image still fully covers (None: all of them)."""
    return None if coverage is None else coverage >= FULL


def border_fill(coverage: torch.Tensor | None) -> float | None:
    """Share of the output's pixels that no longer come from the source image."""
    return None if coverage is None else float(1.0 - coverage.mean())
