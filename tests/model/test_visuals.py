"""model.visuals: the 1-2-5 scale error maps are drawn on (tests/data/REFERENCES.md, "Visual
report": the first 1, 2 or 5 x 10^k at or above the error's 99th percentile, at most 1)."""

from __future__ import annotations

import numpy as np

from augaudit.model.visuals import error_scale


def test_error_scale_steps():
    assert error_scale(np.full(10, 0.3)) == 0.5
    assert error_scale(np.full(10, 0.002)) == 0.002
    assert error_scale(np.full(10, 0.0021)) == 0.005
    assert error_scale(np.full(10, 7.0)) == 1.0
    assert error_scale(np.zeros(10)) is None
