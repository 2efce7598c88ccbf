"""Per-pixel masks for the visual reports: which pixels left the range, which wrapped.

The same tests as the fractions in :mod:`augaudit.measure.stage_metrics`, kept per pixel
(any channel) instead of counted.
"""

from __future__ import annotations

import torch

from augaudit.measure.values import Convention


def outside_values(raw: torch.Tensor, conv: Convention) -> torch.Tensor:
    """(C, H, W) bool: finite values outside ``conv``'s range (beyond a 1e-6 tolerance)."""
    lo, hi = conv.bounds(raw.shape[0])
    tol = 1e-6 * (hi - lo)
    finite = torch.isfinite(raw)
    values = torch.where(finite, raw, lo)
    return finite & ((values < lo - tol) | (values > hi + tol))


def out_of_range_mask(raw: torch.Tensor, conv: Convention) -> torch.Tensor:
    """(H, W) bool: a finite value of some channel lies outside ``conv``'s range."""
    return outside_values(raw, conv).any(dim=0)


def wrapped_values(
    raw_in: torch.Tensor, raw_out: torch.Tensor, conv_out: Convention, factor: float
) -> torch.Tensor | None:
    """(C, H, W) bool: values a float-to-integer cast wrapped (None across grids).

    A value wrapped when ``raw_in * factor`` lies beyond the output range and the
    output is not the range's end it should have been clipped to.
    """
    if raw_in.shape != raw_out.shape:
        return None
    lo, hi = conv_out.bounds(raw_out.shape[0])
    scaled = raw_in * factor
    beyond = torch.isfinite(scaled) & ((scaled > hi) | (scaled < lo))
    clipped = torch.where(scaled > hi, hi, lo)
    return beyond & ((raw_out - clipped).abs() > 0.5)


def wrapped_mask(
    raw_in: torch.Tensor, raw_out: torch.Tensor, conv_out: Convention, factor: float
) -> torch.Tensor | None:
    """(H, W) bool: some channel wrapped in a float-to-integer cast (None across grids)."""
    wrapped = wrapped_values(raw_in, raw_out, conv_out, factor)
    return None if wrapped is None else wrapped.any(dim=0)
