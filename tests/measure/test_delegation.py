"""Wrappers audited as the pipeline they call, where that is proved on the audited images.

Truth: a wrapper proved equal to its inner Compose is audited as that Compose's stages with
the same per-stage seeds, so every number must equal the bare Compose's report exactly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from augaudit import audit
from augaudit.spec import load_spec
from tests.helpers.run_control import spec_workspace

SPEC = """
import torch
from torch import nn
from torchvision import transforms as v1
from torchvision.transforms import v2

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)

def ops():
    return v1.Compose([v1.RandomResizedCrop(40), v1.RandomRotation(15), v1.ToTensor(),
                       v1.Normalize(MEAN, STD)])

class Preset:  # torchvision's reference presets and most TrainTransforms have this shape
    def __init__(self):
        self.transforms = ops()
    def __call__(self, img):
        return self.transforms(img)

class Outer:
    def __init__(self):
        self.inner = Preset()
        self.size = 40
    def __call__(self, img):
        return self.inner(img)

class Module(nn.Module):
    def __init__(self):
        super().__init__()
        self.aug = nn.Sequential(v2.ToImage(), v2.RandomAffine(10),
                                 v2.ToDtype(torch.float32, scale=True))
    def forward(self, x):
        return self.aug(x)

class Extra:  # does more than its Compose: must stay one stage
    def __init__(self):
        self.transforms = ops()
    def __call__(self, img):
        return self.transforms(img) + 0.01

class Raises:
    def __init__(self):
        self.transforms = ops()
    def __call__(self, img):
        raise RuntimeError("no")

class Sleeps:
    def __init__(self):
        self.transforms = ops()
    def __call__(self, img):
        import time
        time.sleep(30)
        return self.transforms(img)

class TwoChains:  # two inner pipelines: not a single delegate
    def __init__(self):
        self.first, self.second = ops(), ops()
    def __call__(self, img):
        return self.first(img)

preset, outer, module = Preset(), Outer(), Module()
extra, raises, two, sleeps = Extra(), Raises(), TwoChains(), Sleeps()
bare = ops()
bare_module = nn.Sequential(v2.ToImage(), v2.RandomAffine(10),
                            v2.ToDtype(torch.float32, scale=True))
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return spec_workspace(tmp_path_factory.mktemp("delegation"), {"spec.py": SPEC}, size=56)


def _audit(workspace: Path, name: str):
    return audit(f"{workspace / 'spec.py'}:{name}", [str(workspace / "imgs")], samples=2)


def _findings(report) -> list[tuple]:
    return [(f.code, f.severity, f.stage, f.images) for f in report.findings]


def _numbers(report) -> list[tuple]:
    return [(s.kind, s.convention, s.metrics) for s in report.stages]


@pytest.mark.parametrize(("name", "bare", "path"), [
    ("preset", "bare", "Preset.transforms.transforms"),
    ("outer", "bare", "Outer.inner.transforms.transforms"),
    ("module", "bare_module", "Module.aug"),
])  # fmt: skip
def test_a_proved_wrapper_is_audited_as_its_inner_pipeline(
    workspace: Path, name: str, bare: str, path: str
) -> None:
    wrapped, plain = _audit(workspace, name), _audit(workspace, bare)
    assert len(wrapped.stages) == len(plain.stages) >= 3
    assert _numbers(wrapped) == _numbers(plain)
    assert _findings(wrapped) == _findings(plain)
    for index, (stage, bare_stage) in enumerate(zip(wrapped.stages, plain.stages, strict=True)):
        assert stage.name == f"{bare_stage.name} ({path}[{index}])"


@pytest.mark.parametrize(("name", "why"), [
    ("extra", "its output differs from its inner pipeline"),
    ("raises", "calling it raised RuntimeError"),
])  # fmt: skip
def test_an_unproved_wrapper_stays_one_stage_and_says_why(
    workspace: Path, name: str, why: str
) -> None:
    report = _audit(workspace, name)
    (stage,) = report.stages
    assert any(why in note for note in stage.notes), stage.notes


def test_two_inner_pipelines_are_no_single_delegate(workspace: Path) -> None:
    (stage,) = load_spec(f"{workspace / 'spec.py'}:two").stages
    assert stage.delegate is None
    (wrapper,) = load_spec(f"{workspace / 'spec.py'}:preset").stages
    assert wrapper.delegate is not None and wrapper.delegate.path == "Preset.transforms"


def test_a_wrapper_that_hangs_is_not_waited_for(workspace: Path) -> None:
    report = audit(f"{workspace / 'spec.py'}:sleeps", [str(workspace / "imgs")], samples=1,
                   stage_timeout=0.3)  # fmt: skip
    (stage,) = report.stages
    assert any("did not finish within --stage-timeout" in note for note in stage.notes)
    assert "AUG505" in {f.code for f in report.findings}
