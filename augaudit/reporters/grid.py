"""Contact sheet PNG for a pull-request comment: rows are images, columns stages.

Reports in, PNG bytes out. Sample 0 of each image, the input first; stage
names on top, image names on the left. Each picture keeps its aspect ratio,
centred in its cell on a light background (letterboxed, never stretched).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from augaudit.model import Report
from augaudit.model.visuals import SampleVisuals
from augaudit.reporters.common import DEFAULT_OPTIONS, RenderOptions

FONT_SIZE = 14
PAD = 6
LABEL_WIDTH = 170
BACKGROUND = (255, 255, 255)
CELL_BACKGROUND = (232, 234, 237)
TEXT = (27, 31, 36)
MUTED = (87, 96, 106)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _font(size: int) -> Font:
    # Pillow >= 10.1 ships a scalable default font: legible without any font file.
    return ImageFont.load_default(size=size)


def _pieces(text: str) -> list[tuple[str, bool]]:
    """Breakable pieces: words, and inside a word after ``_``, ``/``, ``.`` or before a capital.

    The flag says whether a space goes before the piece when it continues a line.
    """
    out: list[tuple[str, bool]] = []
    for word in text.split():
        parts = re.findall(r"[A-Z]*[^A-Z_/.]*[_/.]?", word)
        out.extend((part, k == 0) for k, part in enumerate(p for p in parts if p))
    return out


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Font, width: int, lines: int) -> list[str]:
    """Greedy wrap into at most ``lines`` lines; what does not fit ends with an ellipsis."""
    out: list[str] = []
    current = ""
    for piece, spaced in _pieces(text):
        trial = current + (" " if spaced and current else "") + piece
        if draw.textlength(trial, font=font) <= width or not current:
            current = trial
        else:
            out.append(current)
            current = piece
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1] + "…"
    return [_fit(draw, line, font, width) for line in out]


def _fit(draw: ImageDraw.ImageDraw, text: str, font: Font, width: int) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def _rows(report: Report) -> list[SampleVisuals]:
    visuals: tuple[SampleVisuals, ...] = tuple(report.visuals)
    seen: dict[str, SampleVisuals] = {}
    for sv in sorted(visuals, key=lambda s: s.sample):
        seen.setdefault(sv.image, sv)
    order = list(dict.fromkeys(sv.image for sv in visuals))
    return [seen[image] for image in order]


def render(reports: Sequence[Report], options: RenderOptions = DEFAULT_OPTIONS) -> bytes:
    """The contact sheet of the first report (the one a visual run audits)."""
    return render_grid(reports[0])


def render_grid(report: Report) -> bytes:
    """The contact sheet as PNG bytes (one row per image, sample 0; input then stages)."""
    rows = _rows(report)
    columns = [(0, "input")] + [(s.index, f"{s.index} {s.name}") for s in report.stages]
    thumbs = [v.thumb for sv in rows for v in sv.stages]
    cell_w = max((t.shape[1] for t in thumbs), default=96)
    cell_h = max((t.shape[0] for t in thumbs), default=96)
    cell_w = max(cell_w, 96)
    font, small = _font(FONT_SIZE), _font(FONT_SIZE - 2)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    line_h = FONT_SIZE + 4
    heads = [_wrap(probe, name, font, cell_w, 3) for _, name in columns]
    head_h = PAD + line_h * max((len(h) for h in heads), default=1) + PAD
    width = LABEL_WIDTH + len(columns) * (cell_w + PAD) + PAD
    height = head_h + max(1, len(rows)) * (cell_h + PAD) + PAD
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    for c, lines in enumerate(heads):
        x0 = LABEL_WIDTH + c * (cell_w + PAD)
        for k, line in enumerate(lines):
            w = draw.textlength(line, font=font)
            draw.text((x0 + (cell_w - w) / 2, PAD + k * line_h), line, font=font, fill=TEXT)
    if not rows:
        draw.text((PAD, head_h), "no pictures in this report", font=font, fill=MUTED)
    for r, sv in enumerate(rows):
        y0 = head_h + r * (cell_h + PAD)
        label = _wrap(draw, sv.image, small, LABEL_WIDTH - 2 * PAD, 4)
        for k, line in enumerate(label):
            draw.text((PAD, y0 + k * (FONT_SIZE + 2)), line, font=small, fill=TEXT)
        by_stage = {v.stage: v for v in sv.stages}
        for c, (index, _) in enumerate(columns):
            x0 = LABEL_WIDTH + c * (cell_w + PAD)
            draw.rectangle((x0, y0, x0 + cell_w - 1, y0 + cell_h - 1), fill=CELL_BACKGROUND)
            visual = by_stage.get(index)
            if visual is None:
                draw.text((x0 + PAD, y0 + PAD), "not run", font=small, fill=MUTED)
                continue
            thumb = np.ascontiguousarray(visual.thumb)
            h, w = thumb.shape[:2]
            sheet.paste(Image.fromarray(thumb), (x0 + (cell_w - w) // 2, y0 + (cell_h - h) // 2))
    buf = io.BytesIO()
    sheet.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
