"""Pictures of each stage for the visual reports: thumbnails and overlay masks.

Kept only when a visual report (``--html``, ``--grid``) is asked for; made by
:func:`augaudit.measure.capture.capture` and rendered by the reporters, so
everything here is numpy and Pillow, never torch.

Overlays are kept at the thumbnail's grid, reduced so that nothing is lost
from sight: the fill share is area-averaged (its mean stays the measured
border fill), out-of-range and wrapped masks keep a pixel when any source
pixel under it is set. The full-size view is kept JPEG-encoded: raw it
would be ~0.8 MB per stage and sample, encoded ~40 kB.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from augaudit.model.metrics import SampleMetrics

# NaN has no colour a model could see; magenta makes it impossible to miss.
NAN_RGB = (255, 0, 255)
FULL_JPEG_QUALITY = 85
# Error maps are scaled so that white is 1, 2 or 5 times a power of ten:
# readable labels, and the same scale for stages whose errors are alike.
ERROR_QUANTILE = 0.99
ERROR_FLOOR = 1e-7


@dataclass(frozen=True)
class StageVisual:
    """Numpy-only pictures of one stage on one sample.

    ``thumb`` is the (h, w, 3) uint8 view as the model sees it (values clamped
    to [0, 1], de-normalized after ``Normalize``, NaN magenta); ``size`` is
    the output's (H, W) before reduction. On the thumbnail's grid: ``fill``
    (uint8, 255 = pixel entirely fill), ``out_of_range`` and ``wrapped`` (bool),
    ``error`` (uint8, ``|output - reference|`` max over channels, covered
    pixels only, 255 = ``error_full`` or more). ``full_jpeg`` is the view at
    most ``full`` px on its longest side, JPEG bytes as a uint8 array.
    """

    stage: int
    convention: str
    size: tuple[int, int]
    channels: int
    thumb: np.ndarray
    full_jpeg: np.ndarray
    full_size: tuple[int, int]
    metrics: SampleMetrics = field(default_factory=SampleMetrics)
    fill: np.ndarray | None = None
    out_of_range: np.ndarray | None = None
    wrapped: np.ndarray | None = None
    error: np.ndarray | None = None
    error_full: float | None = None
    nonfinite: int = 0


@dataclass(frozen=True)
class SampleVisuals:
    """Every stage of one image sample; stages after one that raised are missing."""

    image: str
    sample: int
    stages: tuple[StageVisual, ...]


def fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """(h, w) scaled so the longest side is at most ``longest``, aspect kept, never enlarged."""
    h, w = size
    if max(h, w) <= longest:
        return h, w
    k = longest / max(h, w)
    return max(1, round(h * k)), max(1, round(w * k))


def to_rgb8(unit: np.ndarray) -> np.ndarray:
    """(C, H, W) [0, 1] values to (H, W, 3) uint8: gray repeated, extra channels dropped."""
    c = unit.shape[0]
    rgb = unit[:3] if c >= 3 else np.repeat(unit[:1], 3, axis=0)
    nan = ~np.isfinite(rgb).all(axis=0)
    out = np.rint(np.clip(np.nan_to_num(rgb, nan=0.0), 0.0, 1.0) * 255).astype(np.uint8)
    out = np.ascontiguousarray(out.transpose(1, 2, 0))
    out[nan] = NAN_RGB
    return out


def shrink_rgb(rgb: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    if rgb.shape[:2] == hw:
        return rgb
    img = Image.fromarray(rgb).resize((hw[1], hw[0]), Image.Resampling.LANCZOS)
    return np.asarray(img)


def shrink_mean(values: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """Area average of a float (H, W) map onto ``hw`` (float32)."""
    if values.shape == hw:
        return values.astype(np.float32)
    img = Image.fromarray(values.astype(np.float32), mode="F")
    return np.asarray(img.resize((hw[1], hw[0]), Image.Resampling.BOX), dtype=np.float32)


def shrink_any(mask: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """A bool mask onto ``hw``: set where any source pixel under it is set."""
    if mask.shape == hw:
        return mask.astype(bool)
    return shrink_mean(mask.astype(np.float32), hw) > 0


def error_scale(err: np.ndarray) -> float | None:
    """The error shown as white: the first 1, 2 or 5 x 10^k at or above the 99th percentile."""
    if err.size == 0:
        return None
    top = float(np.quantile(err, ERROR_QUANTILE))
    if top <= 0:
        top = float(err.max())
    if top <= 0:
        return None
    top = max(top, ERROR_FLOOR)
    power = 10.0 ** math.floor(math.log10(top))
    step = next((m for m in (1.0, 2.0, 5.0) if top <= m * power * (1 + 1e-9)), 10.0)
    return float(min(1.0, step * power))


def encode_jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=quality, optimize=True)
    return np.frombuffer(buf.getvalue(), dtype=np.uint8)
