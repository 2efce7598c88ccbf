"""render_grid(): a readable contact sheet for 5 images x 6 stages, aspect kept.

The truth is the pictures themselves: each cell's non-background box must be
the thumbnail's own size (not stretched to the cell), and its pixels the
thumbnail's; stage names are drawn above their columns at a legible size.
"""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image

from augaudit.measure.capture import capture
from augaudit.model import Report
from augaudit.model.visuals import SampleVisuals
from augaudit.reporters.grid import CELL_BACKGROUND, LABEL_WIDTH, PAD, render_grid
from tests.helpers.images import photo, view
from tests.helpers.reports import report_with

SHAPES = ((480, 640), (640, 480), (300, 300), (200, 500), (512, 384))


def five_by_six() -> tuple[Report, list[list[np.ndarray]]]:
    rows, thumbs = [], []
    for n, (h, w) in enumerate(SHAPES):
        img = photo(h, w, seed=n)
        stages = [capture(view(img * (1 - 0.1 * s), stage=s), thumb=120) for s in range(7)]
        rows.append(SampleVisuals(f"images/photo_{n}.jpg", 0, tuple(stages)))
        # Sample 1 must not appear: the sheet shows sample 0 only.
        black = capture(view(torch.zeros(3, h, w)))
        rows.append(SampleVisuals(f"images/photo_{n}.jpg", 1, (black,)))
        thumbs.append([v.thumb for v in stages])
    return report_with(tuple(rows)), thumbs


def test_grid_five_images_six_stages_aspect_kept_and_pixels_placed():
    report, thumbs = five_by_six()
    png = render_grid(report)
    sheet = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    cell = 120
    columns = 7
    assert sheet.shape[1] == LABEL_WIDTH + columns * (cell + PAD) + PAD
    head = sheet.shape[0] - 5 * (cell + PAD) - PAD
    for r in range(5):
        for c in range(columns):
            y0, x0 = head + r * (cell + PAD), LABEL_WIDTH + c * (cell + PAD)
            box = sheet[y0 : y0 + cell, x0 : x0 + cell]
            picture = (box != CELL_BACKGROUND).any(axis=2)
            ys, xs = np.nonzero(picture)
            thumb = thumbs[r][c]
            h, w = thumb.shape[:2]
            # Aspect kept: the picture's box is the thumbnail's size, e.g. 120x90 for 640x480.
            assert (ys.max() - ys.min() + 1, xs.max() - xs.min() + 1) == (h, w), (r, c)
            sy, sx = ys.min(), xs.min()
            placed = box[sy : sy + h, sx : sx + w]
            assert np.array_equal(placed, thumb.astype(int)), (r, c)
    src_h, src_w = SHAPES[0]
    assert thumbs[0][0].shape[:2] == (round(120 * src_h / src_w), 120)


def test_grid_stage_names_on_top_legible():
    report, _ = five_by_six()
    sheet = np.asarray(Image.open(io.BytesIO(render_grid(report))).convert("L")).astype(int)
    cell = 120
    head = sheet.shape[0] - 5 * (cell + PAD) - PAD
    for c in range(7):
        x0 = LABEL_WIDTH + c * (cell + PAD)
        band = sheet[:head, x0 : x0 + cell] < 128
        rows_with_ink = np.nonzero(band.any(axis=1))[0]
        assert rows_with_ink.size, f"no name above column {c}"
        # A 14 px font: capitals and descenders span at least 10 px, not a 6 px bitmap font.
        first_line = rows_with_ink[rows_with_ink < rows_with_ink.min() + 18]
        assert first_line.max() - first_line.min() + 1 >= 10
    # Row labels on the left.
    assert (sheet[head : head + 40, :LABEL_WIDTH] < 128).any()


def test_grid_without_pictures_is_still_a_png():
    png = render_grid(report_with(()))
    assert Image.open(io.BytesIO(png)).format == "PNG"
