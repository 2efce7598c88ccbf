"""Synthetic images for the tests, and the ``StageView`` that ``capture()`` reads."""

from __future__ import annotations

import numpy as np
import torch

from augaudit.measure.capture import StageView


def photo(h: int, w: int, seed: int = 0) -> torch.Tensor:
    """A structured float64 RGB image in [0, 1] with sharp edges (bicubic overshoots them)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = 0.5 + 0.45 * np.sign(np.sin(xx / 9.0) * np.cos(yy / 13.0))
    img = np.stack([base, base[::-1], np.roll(base, 7, axis=1)]) + rng.normal(0, 0.01, (3, h, w))
    return torch.from_numpy(np.clip(img, 0, 1))


def view(unit: torch.Tensor, stage: int = 1, **kw) -> StageView:
    """A ``StageView`` of ``unit`` in float [0,1] with nothing else measured, unless given."""
    args = {
        "convention": "float [0,1]",
        "coverage": None,
        "out_of_range": None,
        "wrapped": None,
        "reference": None,
        "metrics": {},
    }
    args.update(kw)
    return StageView(stage=stage, unit=unit, **args)


def textured(w: int, h: int, black: bool = True, seed: int = 0) -> np.ndarray:
    """A structured RGB image; with ``black`` its left third is pure black content."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = 127 + 100 * np.sin(xx / 7.0) * np.cos(yy / 11.0)
    img = np.stack([base, base[::-1], np.roll(base, 13, axis=1)], axis=-1)
    img = np.clip(img + rng.normal(0, 8, img.shape), 0, 255).astype(np.uint8)
    if black:
        img[:, : w // 3] = 0
    return img
