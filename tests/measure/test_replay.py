"""Stages with their own random generators: seeded through their own mechanism, or reported.

Truths: the closed-form border fill of a rotation by a fixed angle (REFERENCES.md, "Border
fill of a rotation": square t(1-t)/(1+t), t = tan(phi/2)), and two audits of the same
pipeline giving equal reports (the README's reproducibility promise).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from augaudit import audit
from tests.helpers.run_control import spec_workspace

SPEC = """
import math, random
import numpy as np
import torch
from torchvision.transforms import v2

class Own:  # a user's stage with its own generator, as many training repos write them
    def __init__(self, rng, draw):
        self.rng, self.draw = rng, draw
    def __call__(self, x):
        angle = 30.0 * self.draw(self.rng)
        return v2.functional.rotate(x, angle)

own_random = [v2.ToImage(), Own(random.Random(), lambda r: r.random())]
own_numpy = [v2.ToImage(), Own(np.random.default_rng(), lambda r: float(r.random()))]
own_state = [v2.ToImage(), Own(np.random.RandomState(), lambda r: float(r.rand()))]
own_torch = [v2.ToImage(), Own(torch.Generator(), lambda g: float(torch.rand(1, generator=g)))]
system = [v2.ToImage(), Own(random.SystemRandom(), lambda r: r.random()),
          v2.RandomRotation(10)]
"""
MONAI_SPEC = """
import math
from monai.transforms import Compose, RandRotate, RandZoom
fixed = RandRotate(range_x=(math.radians(20), math.radians(20)), prob=1.0, keep_size=True,
                   padding_mode="zeros")
pipeline = Compose([RandRotate(range_x=math.radians(15), prob=1.0, keep_size=True,
                               padding_mode="zeros"),
                    RandZoom(min_zoom=0.9, max_zoom=1.1, prob=1.0, keep_size=True,
                             padding_mode="constant")])
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    specs = {"spec.py": SPEC, "monai_spec.py": MONAI_SPEC}
    return spec_workspace(tmp_path_factory.mktemp("replay"), specs, size=64)


def _audit(workspace: Path, ref: str, **kw):
    return audit(str(workspace / ref), [str(workspace / "imgs")], samples=3, **kw)


@pytest.mark.parametrize("name", ["own_random", "own_numpy", "own_state", "own_torch"])
def test_a_generator_held_as_an_attribute_is_seeded(workspace: Path, name: str) -> None:
    first, second = _audit(workspace, f"spec.py:{name}"), _audit(workspace, f"spec.py:{name}")
    assert first == second  # reproducible: the same report, number for number
    fill = first.stages[-1].metrics["border_fill_fraction"]
    assert fill.mean is not None and fill.max > 0.0  # measured, not lost
    assert [f.code for f in first.findings if f.code in ("AUG508", "AUG510")] == []


def test_a_generator_augaudit_cannot_seed_is_reported(workspace: Path) -> None:
    report = _audit(workspace, "spec.py:system")
    (found,) = [f for f in report.findings if f.code == "AUG510"]
    assert found.stage == 2 and found.severity == "warning"
    assert "AUG508" not in {f.code for f in report.findings}  # AUG510 says it, once
    for stage in report.stages[1:]:
        for key in ("border_fill_fraction", "psnr_vs_reference"):
            stat = stage.metrics[key]
            assert stat is None or stat.mean is None, (stage.index, key, stat)


def test_monai_randomizable_is_seeded_with_set_random_state(workspace: Path) -> None:
    pytest.importorskip("monai")
    report = _audit(workspace, "monai_spec.py:fixed", input="float")
    t = math.tan(math.radians(20) / 2)
    fill = report.stages[0].metrics["border_fill_fraction"]
    assert fill.mean == pytest.approx(t * (1 - t) / (1 + t), abs=2e-3)  # 64 px: edge pixels
    assert fill.min == fill.max  # the same angle on every draw
    again = _audit(workspace, "monai_spec.py:fixed", input="float")
    assert report == again
    chained = _audit(workspace, "monai_spec.py", input="float")
    assert [f.code for f in chained.findings if f.code in ("AUG508", "AUG510")] == []
    assert chained.stages[-1].metrics["border_fill_fraction"].mean > 0.0
