"""Real training pipelines, built from the installed projects' public APIs (no weights).

Each number is checked against an outside truth: Normalize's definition (unit = raw * std +
mean: the normalized convention's scale and offset are the std and mean the project
publishes, and unit data never leaves [0, 1]), a bare Compose audited with the same
per-stage seeds, and "unknown" where augaudit cannot know (AUG508/AUG501, never a number).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from augaudit import audit
from tests.helpers.run_control import spec_workspace

IMAGENET = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
SPEC = """
import torch
from torchvision.transforms import v2

def timm_transform(training):
    from timm.data import create_transform
    if training:
        return create_transform(64, is_training=True,
                                auto_augment="rand-m9-mstd0.5-inc1", re_prob=0.25)
    return create_transform(64, is_training=False)

def clip_transform(training):
    import open_clip
    return open_clip.image_transform(64, is_train=training)

class ClassificationPresetTrain:  # in the style of torchvision's reference scripts
    def __init__(self, crop_size=56, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)):
        self.transforms = v2.Compose([
            v2.RandomResizedCrop(crop_size, antialias=True),
            v2.RandomHorizontalFlip(0.5),
            v2.PILToTensor(),
            v2.ToDtype(torch.float, scale=True),
            v2.Normalize(mean=mean, std=std),
            v2.ToPureTensor(),
        ])
    def __call__(self, img):
        return self.transforms(img)

def simclr():
    from lightly.transforms import SimCLRTransform
    return SimCLRTransform(input_size=32)

preset = ClassificationPresetTrain()
bare_preset = ClassificationPresetTrain().transforms
timm_eval, timm_train = timm_transform(False), timm_transform(True)
clip_eval, clip_train = clip_transform(False), clip_transform(True)
lightly_simclr = simclr()
"""

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for package in ("timm", "open_clip", "lightly"):
        pytest.importorskip(package)
    return spec_workspace(tmp_path_factory.mktemp("corpus"), {"real.py": SPEC}, size=80)


def _audit(workspace: Path, name: str):
    return audit(f"{workspace / 'real.py'}:{name}", [str(workspace / "imgs")], samples=3)


def _codes(report) -> set[str]:
    return {f.code for f in report.findings}


def _normalized_like(stage, mean, std) -> None:
    conv = stage.convention
    assert conv is not None and conv.name == "normalized", conv
    assert conv.scale == pytest.approx(std, rel=1e-5)
    assert conv.offset == pytest.approx(mean, rel=1e-5)


def test_torchvision_reference_preset_is_its_compose(workspace: Path) -> None:
    wrapped, bare = _audit(workspace, "preset"), _audit(workspace, "bare_preset")
    assert [s.name.split(" (")[0] for s in wrapped.stages] == [s.name for s in bare.stages]
    assert [s.metrics for s in wrapped.stages] == [s.metrics for s in bare.stages]
    assert all("ClassificationPresetTrain.transforms.transforms[" in s.name for s in wrapped.stages)
    assert _codes(wrapped) == _codes(bare) == set()


@pytest.mark.parametrize(("name", "mean_std"), [("timm_eval", IMAGENET), ("timm_train", IMAGENET)])
def test_timm_transforms_have_no_false_alarm(workspace: Path, name: str, mean_std) -> None:
    report = _audit(workspace, name)
    normalize = next(s for s in report.stages if s.name == "Normalize")
    _normalized_like(normalize, *mean_std)
    assert normalize.metrics["out_of_range_fraction"].max == 0.0
    assert not _codes(report) & {"AUG101", "AUG201", "AUG401", "AUG510"}
    if name == "timm_train":  # RandAugment may draw a warp then equalize: fill is unknown
        policy = next(s for s in report.stages if s.name == "RandAugment")
        lost = [f for f in report.findings if f.code == "AUG508"]
        assert all(f.stage == policy.index for f in lost)
    else:
        assert _codes(report) == set()
        assert report.stages[-1].metrics["border_fill_fraction"].max == 0.0


@pytest.mark.parametrize("name", ["clip_eval", "clip_train"])
def test_open_clip_transforms_are_normalized_with_its_constants(workspace: Path, name: str) -> None:
    import open_clip.constants as constants

    report = _audit(workspace, name)
    normalize = next(s for s in report.stages if s.name == "Normalize")
    _normalized_like(normalize, constants.OPENAI_DATASET_MEAN, constants.OPENAI_DATASET_STD)
    assert normalize.metrics["out_of_range_fraction"].max == 0.0
    # MaybeConvertMode converts to RGB only what is not RGB yet: with --mode rgb, nothing.
    assert _codes(report) <= {"AUG509"}


def test_lightly_multi_view_output_is_an_error_not_a_number(workspace: Path) -> None:
    """Multi-view outputs are not audited yet: the stage is an error, never a pass."""
    report = _audit(workspace, "lightly_simclr")
    (stage,) = report.stages
    assert "AUG501" in _codes(report)
    assert any("returned list" in e.message for e in stage.errors)
    assert report.summary.exit_code == 1
