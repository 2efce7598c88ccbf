"""Loading an image file: the notes say what --mode rgb loading really lost, and only that."""

from __future__ import annotations

import numpy as np
from PIL import Image

from tests.helpers.images import textured


def test_loader_notes_only_real_losses(tmp_path):
    from augaudit.sources.images import LOSSY_ALPHA_NOTE, LOSSY_DEPTH_NOTE, load

    lossless16 = textured(32, 32)[..., 0].astype(np.uint16) * 257  # 8-bit data stored in 16
    lossy16 = lossless16 + 1
    opaque = np.dstack([textured(32, 32), np.full((32, 32), 255, np.uint8)])
    clear = opaque.copy()
    clear[0, 0, 3] = 0
    cases = {"a.png": lossless16, "b.png": lossy16, "c.png": opaque, "d.png": clear}
    for name, arr in cases.items():
        Image.fromarray(arr).save(tmp_path / name)
    notes = {name: load(tmp_path / name).notes for name in cases}
    assert not any(LOSSY_DEPTH_NOTE in n for n in notes["a.png"])
    assert any(n.endswith(LOSSY_DEPTH_NOTE) for n in notes["b.png"])
    assert LOSSY_ALPHA_NOTE not in notes["c.png"]
    assert LOSSY_ALPHA_NOTE in notes["d.png"]
