"""capture(): thumbnails and overlays checked against outside truths.

Sources of the expected values:
- border fill of a 45-degree rotation of a square: t(1-t)/(1+t), t = tan(22.5 deg) = 0.1716
  (tests/data/REFERENCES.md, also used by test_measurements.py);
- out-of-range pixels: recomputed here from torchvision's own bicubic resize, then reduced
  by a 2x2 block "any" (the thumbnail is exactly half the size);
- error map: a known constant error (0.003) shown on a 1-2-5 scale is 0.003 / 0.005 of white.
"""

from __future__ import annotations

import io
import math
import pickle

import numpy as np
import torch
from PIL import Image
from torchvision.transforms import v2

from augaudit.measure.capture import capture
from augaudit.model.visuals import NAN_RGB
from tests.helpers.images import photo, view

BILINEAR = v2.InterpolationMode.BILINEAR
BICUBIC = v2.InterpolationMode.BICUBIC


def test_fill_overlay_of_a_rotation_matches_the_analytic_fill_and_the_coverage():
    img = photo(320, 320)
    rotated = v2.functional.rotate(img, 45.0, interpolation=BILINEAR)
    coverage = v2.functional.rotate(torch.ones(1, 320, 320, dtype=torch.float64), 45.0, BILINEAR)[0]
    vis = capture(view(rotated, coverage=coverage), thumb=160)
    assert vis.fill is not None and vis.fill.shape == (160, 160)
    t = math.tan(math.radians(22.5))
    analytic = t * (1 - t) / (1 + t)
    measured = float(1 - coverage.mean())
    shown = float(vis.fill.mean()) / 255
    assert abs(measured - analytic) < 0.01
    assert abs(shown - measured) < 1 / 255
    # The four corners are fill, the centre is image.
    for y, x in ((0, 0), (0, 159), (159, 0), (159, 159)):
        assert vis.fill[y, x] == 255
    assert vis.fill[80, 80] == 0


def test_out_of_range_overlay_is_exactly_where_bicubic_left_the_unit_range():
    small = photo(160, 160, seed=1).float()
    big = v2.functional.resize(small, [320, 320], interpolation=BICUBIC, antialias=True).double()
    outside = ((big < 0) | (big > 1)).any(dim=0)
    assert 0 < float(outside.float().mean()) < 0.5
    vis = capture(view(big, out_of_range=outside), thumb=160)
    expected = outside.numpy().reshape(160, 2, 160, 2).any(axis=(1, 3))
    assert vis.out_of_range is not None
    np.testing.assert_array_equal(vis.out_of_range, expected)


def test_error_map_scale_and_values_for_a_known_error():
    ref = photo(64, 96)
    unit = (ref + 0.003).clamp(max=10.0)
    coverage = torch.ones(64, 96, dtype=torch.float64)
    coverage[:, :10] = 0.0  # fill is not compared: its error is not shown
    vis = capture(view(unit, reference=ref, coverage=coverage), thumb=96)
    assert vis.error_full == 0.005
    assert vis.error is not None
    assert set(np.unique(vis.error[:, 10:])) == {round(0.003 / 0.005 * 255)}
    assert not vis.error[:, :10].any()


def test_aspect_kept_full_view_capped_and_encoded():
    img = photo(480, 640)
    vis = capture(view(img), thumb=160, full=512)
    assert vis.thumb.shape == (120, 160, 3) and vis.thumb.dtype == np.uint8
    assert vis.size == (480, 640) and vis.full_size == (384, 512)
    decoded = Image.open(io.BytesIO(vis.full_jpeg.tobytes()))
    assert decoded.format == "JPEG" and decoded.size == (512, 384)
    # Never enlarged.
    tiny = capture(view(photo(20, 30)), thumb=160, full=512)
    assert tiny.thumb.shape == (20, 30, 3) and tiny.full_size == (20, 30)


def test_thumbnail_values_nan_gray_and_clamping():
    unit = torch.full((1, 8, 8), 0.5, dtype=torch.float64)
    unit[0, 0, 0] = float("nan")
    unit[0, 1, 1] = 1.7
    unit[0, 2, 2] = -0.4
    vis = capture(view(unit, convention="normalized"), thumb=8)
    assert tuple(vis.thumb[0, 0]) == NAN_RGB
    assert tuple(vis.thumb[1, 1]) == (255, 255, 255)
    assert tuple(vis.thumb[2, 2]) == (0, 0, 0)
    assert tuple(vis.thumb[4, 4]) == (128, 128, 128)  # round(0.5 * 255), gray repeated
    assert vis.nonfinite == 1 and vis.convention == "normalized" and vis.channels == 1


def test_visual_pickles_small():
    img = photo(512, 512)
    cov = torch.ones(512, 512, dtype=torch.float64)
    mask = torch.zeros(512, 512, dtype=torch.bool)
    vis = capture(view(img, coverage=cov, out_of_range=mask, wrapped=mask, reference=img))
    size = len(pickle.dumps(vis))
    # thumb 160x160x3 + fill + error (160x160 each) + 2 masks + a ~100 kB JPEG.
    assert size < 160 * 160 * 3 + 2 * 160 * 160 + 2 * 160 * 160 + 150_000
    assert all(
        isinstance(a, np.ndarray)
        for a in (vis.thumb, vis.fill, vis.out_of_range, vis.wrapped, vis.error)
    )
