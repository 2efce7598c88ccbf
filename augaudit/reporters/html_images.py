"""Stage pictures as data URIs for the HTML report, sized to a byte budget.

The report must stay one attachable file: thumbnails are re-encoded smaller
until the estimate for every cell fits the budget, then images are left out
(and the report says which) if even the smallest thumbnails do not fit.
Full-size views are added while the budget has room left.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from augaudit.visuals import SampleVisuals, StageVisual, fit, shrink_any, shrink_mean, shrink_rgb

BUDGET = 18 * 1024 * 1024  # bytes of images; the page itself adds well under 2 MB
SIDES = (160, 128, 112, 96, 80, 64, 48)
THUMB_QUALITY = 80
ERROR_QUALITY = 75
PROBE_CELLS = 24  # cells encoded to estimate the bytes per cell

FILL_RGB = (0, 200, 255)
OOR_RGB = (255, 40, 40)
WRAP_RGB = (255, 230, 0)


@dataclass(frozen=True)
class Cell:
    """One stage of one sample, encoded: thumbnail and overlays (data URIs)."""

    thumb: str
    width: int
    height: int
    fill: str | None
    out_of_range: str | None
    wrapped: str | None
    error: str | None

    def nbytes(self) -> int:
        uris = (self.thumb, self.fill, self.out_of_range, self.wrapped, self.error)
        return sum(len(u) for u in uris if u)


@dataclass(frozen=True)
class Plan:
    side: int
    samples: tuple[SampleVisuals, ...]
    left_out: tuple[str, ...]  # images whose rows did not fit
    reason: str


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _encode(img: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def jpeg_uri(rgb: np.ndarray, quality: int = THUMB_QUALITY) -> str:
    return data_uri(_encode(Image.fromarray(rgb), "JPEG", quality=quality), "image/jpeg")


def _overlay(alpha: np.ndarray, rgb: tuple[int, int, int]) -> str | None:
    """A constant colour with the mask as alpha (PNG); None when the mask is empty."""
    if not alpha.any():
        return None
    h, w = alpha.shape
    rgba = np.empty((h, w, 4), dtype=np.uint8)
    rgba[..., :3] = rgb
    rgba[..., 3] = alpha
    return data_uri(_encode(Image.fromarray(rgba), "PNG", optimize=True), "image/png")


def heat(values: np.ndarray) -> np.ndarray:
    """uint8 (H, W) to a black-red-yellow-white (H, W, 3) map: easy to read on any screen."""
    v = values.astype(np.float32) / 255.0
    r = np.clip(3 * v, 0, 1)
    g = np.clip(3 * v - 1, 0, 1)
    b = np.clip(3 * v - 2, 0, 1)
    return np.rint(np.stack([r, g, b], axis=-1) * 255).astype(np.uint8)


def encode_cell(visual: StageVisual, side: int) -> Cell:
    """Encode one stage's pictures with the thumbnail's longest side at most ``side``."""
    hw = fit(visual.thumb.shape[:2], side)
    fill = oor = wrapped = error = None
    if visual.fill is not None:
        share = shrink_mean(visual.fill.astype(np.float32), hw)
        fill = _overlay(np.rint(share * 0.7).astype(np.uint8), FILL_RGB)
    if visual.out_of_range is not None:
        oor = _overlay(shrink_any(visual.out_of_range, hw).astype(np.uint8) * 230, OOR_RGB)
    if visual.wrapped is not None:
        wrapped = _overlay(shrink_any(visual.wrapped, hw).astype(np.uint8) * 255, WRAP_RGB)
    if visual.error is not None:
        err = np.rint(shrink_mean(visual.error.astype(np.float32), hw)).astype(np.uint8)
        error = jpeg_uri(heat(err), ERROR_QUALITY)
    return Cell(
        thumb=jpeg_uri(shrink_rgb(visual.thumb, hw)),
        width=hw[1],
        height=hw[0],
        fill=fill,
        out_of_range=oor,
        wrapped=wrapped,
        error=error,
    )


def full_uri(visual: StageVisual) -> str:
    return data_uri(visual.full_jpeg.tobytes(), "image/jpeg")


def _per_cell(samples: Sequence[SampleVisuals], side: int) -> float:
    probe = [v for s in samples for v in s.stages][:PROBE_CELLS]
    if not probe:
        return 0.0
    return sum(encode_cell(v, side).nbytes() for v in probe) / len(probe)


def plan(samples: Sequence[SampleVisuals], max_images: int | None, budget: int = BUDGET) -> Plan:
    """Which rows to draw and at what thumbnail size so the images fit ``budget``."""
    order: list[str] = []
    for s in samples:
        if s.image not in order:
            order.append(s.image)
    keep = order if max_images is None else order[: max(0, max_images)]
    reason = "" if len(keep) == len(order) else f"--html-images {max_images}"
    rows = tuple(s for s in samples if s.image in set(keep))
    cells = sum(len(s.stages) for s in rows)
    largest = max((max(v.thumb.shape[:2]) for s in rows for v in s.stages), default=SIDES[-1])
    sides = [largest] + [x for x in SIDES if x < largest]
    per_cell = 0.0
    for side in sides:
        per_cell = _per_cell(rows, side)
        if per_cell * cells <= budget:
            return Plan(side, rows, tuple(i for i in order if i not in keep), reason)
    # Even the smallest thumbnails do not fit: keep the images that do, in order.
    side = sides[-1]
    per_image = per_cell * cells / max(1, len(keep))
    fits = max(1, int(budget // max(per_image, 1.0)))
    kept = keep[:fits]
    rows = tuple(s for s in rows if s.image in set(kept))
    mb = budget / 1024 / 1024
    return Plan(side, rows, tuple(i for i in order if i not in kept), f"the {mb:.0f} MB budget")
