"""A user's wrapper augaudit cannot see into: its output convention is measured by the probes.

Truth: Normalize's definition, ``(x - mean) / std`` of unit data x, so the normalized
convention has scale ``std`` and offset ``mean`` per channel (unit = raw * std + mean), and
unit data x in [0, 1] never leaves the range. The same pipeline as a bare Compose is the
comparison: augaudit understood it before and gives no finding.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from augaudit import audit
from tests.helpers.run_control import spec_workspace

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
SPEC = f"""
import torch
from torchvision import transforms as v1
from torchvision.transforms import v2
MEAN, STD = {MEAN!r}, {STD!r}

class Built:  # builds its Compose on every call: no attribute to look into
    def __call__(self, x):
        return v1.Compose([v1.ToTensor(), v1.Normalize(MEAN, STD)])(x)

class TrainTransform:  # two inner pipelines: no single one to audit in its place
    def __init__(self):
        self.geometry = v1.Compose([v1.RandomResizedCrop(48), v1.RandomHorizontalFlip()])
        self.values = v1.Compose([v1.ToTensor(), v1.Normalize(MEAN, STD)])
    def __call__(self, x):
        return self.values(self.geometry(x))

class OnTensors:
    def __call__(self, x):
        x = v2.ToDtype(torch.float32, scale=True)(v2.ToImage()(x))
        return v2.Normalize(MEAN, STD)(x)

class Brighter:  # unit data times 1.3, no clamp: really out of range
    def __call__(self, x):
        return v1.ToTensor()(x) * 1.3

class Shifted:  # a brightness shift on float input: augmentation, not a change of units
    def __call__(self, x):
        return x + 0.1

built, train, on_tensors, brighter = Built(), TrainTransform(), OnTensors(), Brighter()
shifted = [v1.ToTensor(), Shifted()]
bare = v1.Compose([v1.ToTensor(), v1.Normalize(MEAN, STD)])
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return spec_workspace(tmp_path_factory.mktemp("opaque"), {"spec.py": SPEC}, size=64)


def _audit(workspace: Path, name: str):
    return audit(f"{workspace / 'spec.py'}:{name}", [str(workspace / "imgs")], samples=2)


@pytest.mark.parametrize("name", ["built", "train", "on_tensors"])
def test_a_wrapped_normalize_is_the_normalized_convention(workspace: Path, name: str) -> None:
    report = _audit(workspace, name)
    (stage,) = report.stages
    conv = stage.convention
    assert conv is not None and conv.name == "normalized"
    assert conv.scale == pytest.approx(STD, rel=1e-5)
    assert conv.offset == pytest.approx(MEAN, rel=1e-5)
    assert stage.metrics["out_of_range_fraction"].max == 0.0
    assert [f.code for f in report.findings] == []
    bare = _audit(workspace, "bare")
    assert [f.code for f in bare.findings] == []


def test_a_real_range_excess_inside_a_wrapper_is_still_seen(workspace: Path) -> None:
    """x * 1.3 has no offset and one scale: the unit convention holds and values above 1 count."""
    report = _audit(workspace, "brighter")
    (stage,) = report.stages
    assert stage.convention is not None and stage.convention.name == "float [0,1]"
    assert stage.metrics["out_of_range_fraction"].mean > 0.05
    assert "AUG201" in {f.code for f in report.findings}


def test_a_brightness_shift_is_not_taken_for_a_normalize(workspace: Path) -> None:
    """x + 0.1 on [0, 1] data: every value that was above 0.9 is now out of range."""
    report = _audit(workspace, "shifted")
    stage = report.stages[1]
    assert stage.convention is not None and stage.convention.name == "float [0,1]"
    assert stage.metrics["out_of_range_fraction"].max > 0.0
