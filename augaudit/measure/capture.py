"""Reduce one stage's tensors to the small numpy pictures the visual reports show.

The runner hands :func:`capture` a :class:`StageView` of tensors; what comes
back (:class:`augaudit.model.visuals.StageVisual`) holds numpy arrays only, so
it pickles cheaply from worker processes and the reporters never need torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from augaudit.model.metrics import SampleMetrics
from augaudit.model.visuals import (
    FULL_JPEG_QUALITY,
    StageVisual,
    encode_jpeg,
    error_scale,
    fit,
    shrink_any,
    shrink_mean,
    shrink_rgb,
    to_rgb8,
)


@dataclass(frozen=True)
class StageView:
    """One stage's output on one sample, as tensors, handed over by the runner.

    ``stage`` is 0 for the pipeline's input, else the 1-based stage index.
    ``unit`` is the output mapped to [0, 1] by its convention (float64,
    (C, H, W), not clamped): for tensors after ``Normalize`` that is the
    de-normalized image, and ``convention`` then reads ``normalized``.
    ``coverage`` is the (H, W) share of each pixel that comes from the source
    image (1 inside, 0 where fill, padding or erasing put it; None when not
    tracked). ``out_of_range`` and ``wrapped`` are (H, W) bool masks (any
    channel); ``wrapped`` is None where the stage is not a float-to-integer
    cast. ``reference`` is the twin's [0, 1] view on the same grid, or None.
    ``metrics`` are this sample's measurements (the report's metric keys).
    """

    stage: int
    unit: torch.Tensor
    convention: str
    coverage: torch.Tensor | None
    out_of_range: torch.Tensor | None
    wrapped: torch.Tensor | None
    reference: torch.Tensor | None
    metrics: SampleMetrics


def _numpy(t: Any) -> np.ndarray:
    return np.asarray(t.detach().cpu().numpy(), dtype=np.float64)


def _error(view: StageView, unit: np.ndarray) -> np.ndarray | None:
    if view.reference is None:
        return None
    ref = _numpy(view.reference)
    if ref.shape != unit.shape:
        return None
    err = np.abs(unit - ref).max(axis=0)
    keep = np.isfinite(err)
    if view.coverage is not None:
        keep &= _numpy(view.coverage) >= 1.0 - 1e-9
    return np.where(keep, err, 0.0)


def capture(view: StageView, *, thumb: int = 160, full: int = 512) -> StageVisual:
    """Reduce a stage view to small numpy pictures (longest side ``thumb``/``full`` px)."""
    unit = _numpy(view.unit)
    size = (int(unit.shape[1]), int(unit.shape[2]))
    rgb = to_rgb8(unit)
    thumb_hw, full_hw = fit(size, thumb), fit(size, full)
    fill = oor = wrapped = error = None
    if view.coverage is not None:
        share = np.clip(1.0 - _numpy(view.coverage), 0.0, 1.0)
        fill = np.rint(shrink_mean(share, thumb_hw) * 255).astype(np.uint8)
    if view.out_of_range is not None:
        oor = shrink_any(_numpy(view.out_of_range) > 0, thumb_hw)
    if view.wrapped is not None:
        wrapped = shrink_any(_numpy(view.wrapped) > 0, thumb_hw)
    err = _error(view, unit)
    full_err = None if err is None else error_scale(err)
    if err is not None:
        scaled = np.clip(err / (full_err or 1.0), 0.0, 1.0)
        error = np.rint(shrink_mean(scaled, thumb_hw) * 255).astype(np.uint8)
    return StageVisual(
        stage=view.stage,
        convention=view.convention,
        size=size,
        channels=int(unit.shape[0]),
        thumb=shrink_rgb(rgb, thumb_hw),
        full_jpeg=encode_jpeg(shrink_rgb(rgb, full_hw), FULL_JPEG_QUALITY),
        full_size=full_hw,
        metrics=view.metrics,
        fill=fill,
        out_of_range=oor,
        wrapped=wrapped,
        error=error,
        error_full=full_err,
        nonfinite=int((~np.isfinite(unit).all(axis=0)).sum()),
    )
