"""The run-control tests' workspace, stage specs and runners (they span several packages).

``make_workspace`` writes twelve small images and a pipeline; ``STAGES`` holds misbehaving
stages (hanging, mutating, returning None, changing type, producing NaN) for ``run_py``;
``cli`` runs augaudit in a fresh interpreter and ``interrupt_slow_run`` sends it SIGINT.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from augaudit.api import audit

PIPELINE = """\
api: v2
input: pil
pipeline:
  - RandomResizedCrop: {size: 40, antialias: true}
  - RandomRotation: {degrees: 20, interpolation: bilinear}
  - ColorJitter: {brightness: 0.3, contrast: 0.3}
  - ToImage
  - ToDtype: {dtype: float32, scale: true}
"""


def textured(seed: int, size: int = 48) -> Image.Image:
    """A small structured RGB image; its wave period changes with ``seed``."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    base = 127 + 90 * np.sin(xx / (3.0 + seed % 5)) * np.cos(yy / 7.0)
    img = np.stack([base, base.T, np.roll(base, 5, axis=0)], axis=-1)
    return Image.fromarray(np.clip(img + rng.normal(0, 6, img.shape), 0, 255).astype(np.uint8))


def make_workspace(root: Path) -> Path:
    """Twelve small textured images in ``root/imgs`` and ``root/pipeline.yaml`` (PIPELINE)."""
    (root / "imgs").mkdir()
    for i in range(12):
        textured(i).save(root / "imgs" / f"img{i:02d}.png")
    (root / "pipeline.yaml").write_text(PIPELINE)
    return root


def cli(ws: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``augaudit ARGS`` in a fresh interpreter, run in ``ws``."""
    return subprocess.run(
        [sys.executable, "-c", "from augaudit.cli import main; main()", *args],
        cwd=ws,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


STAGES = """
import random
import time
import numpy as np
import torch
from PIL import Image
from torchvision.transforms import v2


def hang(img):
    time.sleep(60)
    return img

def darken_in_place(t):
    t.mul_(0.5)
    return t

def darken(t):
    return t * 0.5

def darken_through_numpy(t):
    t.numpy()[...] *= 0.5  # a write torch's version counter does not see
    return t

def flip_flop(img):  # a seeded draw: reproducible, and the type varies across samples
    return img if random.random() < 0.5 else np.asarray(img)

def nan_stage(t):
    out = t.clone()
    out[:, 0, 0] = float("nan")
    return out

to_float = [v2.ToImage(), v2.ToDtype(torch.float32, scale=True)]
hanging = [v2.ToImage(), hang, v2.RandomHorizontalFlip()]
mutating = [*to_float, darken_in_place, v2.RandomHorizontalFlip()]
clean = [*to_float, darken, v2.RandomHorizontalFlip()]
numpy_mutating = [*to_float, darken_through_numpy, v2.RandomHorizontalFlip()]
returns_none = [v2.ToImage(), lambda img: None]
varying = [flip_flop]
varying_then_steady = [flip_flop, v2.RandomHorizontalFlip(), v2.CenterCrop(20)]
empty = [*to_float, lambda t: t[:, :0, :]]
nans = [*to_float, nan_stage]
"""


def write_stages(ws: Path) -> Path:
    """STAGES written as ``ws/stages.py``, for ``run_py``."""
    path = ws / "stages.py"
    path.write_text(STAGES)
    return path


def run_py(stages_py: Path, name: str, images: list[str], **kwargs: object):
    """Audit the pipeline ``name`` of the stages file ``stages_py``."""
    return audit(f"{stages_py}:{name}", images, **kwargs)  # type: ignore[arg-type]


def codes(report) -> dict[str, list[int | None]]:
    """The stages each finding code names, in report order."""
    out: dict[str, list[int | None]] = {}
    for f in report.findings:
        out.setdefault(f.code, []).append(f.stage)
    return out


SLOW = """
import os
import time
from torchvision.transforms import v2

def slow(img):
    with open(os.environ["AUGAUDIT_TEST_MARKER"], "a") as handle:
        handle.write("x")
    time.sleep(0.02)
    return img

pipeline = [slow, v2.RandomHorizontalFlip()]
"""


def interrupt_slow_run(tmp_path: Path, args: list[str], *, images: int, calls: int):
    """Start ``augaudit ARGS`` on ``images`` small images with the SLOW spec, send SIGINT
    once its stage has been called ``calls`` times; return (exit code, stderr)."""
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(images):
        textured(i % 7, 24).save(folder / f"img{i:03d}.png")
    (tmp_path / "slow.py").write_text(SLOW)
    marker = tmp_path / "calls"
    marker.write_text("")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from augaudit.cli import main; main()", *args],
        cwd=tmp_path,
        env={**os.environ, "AUGAUDIT_TEST_MARKER": str(marker)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        # A shell starts background jobs with SIGINT ignored; a user's terminal does not.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while len(marker.read_text()) < calls and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


def spec_workspace(root: Path, specs: dict[str, str], *, size: int, images: int = 2) -> Path:
    """``root`` holding the given spec files and ``imgs/`` with ``images`` textured images."""
    for name, text in specs.items():
        (root / name).write_text(text)
    (root / "imgs").mkdir()
    for i in range(images):
        textured(i, size).save(root / "imgs" / f"img{i}.png")
    return root
