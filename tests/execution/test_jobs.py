"""Worker processes (``--jobs``): the same report as one process, and a worker that dies costs
only its image. Through the real CLI in a subprocess, as a user (or CI) would run it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.run_control import cli, make_workspace, textured

pytestmark = pytest.mark.subprocess


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("runctl"))


@pytest.mark.slow
def test_jobs_give_byte_identical_json(ws: Path) -> None:
    """Two worker processes report exactly what one process does (issue 5, target 4)."""
    base = ("run", "pipeline.yaml", "imgs", "--samples", "2", "--format", "json")
    one = cli(ws, *base, "--jobs", "1")
    two = cli(ws, *base, "--jobs", "2")
    assert one.returncode == two.returncode == 0, (one.stderr, two.stderr)
    assert one.stdout == two.stdout
    doc = json.loads(one.stdout)
    assert len(doc["images"]) == 12 and doc["partial"] is False
    assert doc["stages"][1]["metrics"]["border_fill_fraction"]["max"] > 0.01  # it measured


def test_jobs_must_be_positive(ws: Path) -> None:
    result = cli(ws, "run", "pipeline.yaml", "imgs", "--jobs", "0")
    assert result.returncode == 2
    assert result.stderr.strip() == "augaudit: error: --jobs must be at least 1, got 0"


KILLER = """
import os
import signal
from torchvision.transforms import v2


def die_on_three(img):
    if img.size == (31, 31):  # only img03 has this size
        os.kill(os.getpid(), signal.SIGKILL)
    return img

pipeline = [die_on_three, v2.RandomHorizontalFlip()]
"""


@pytest.mark.slow
def test_a_worker_that_dies_costs_only_its_image(tmp_path: Path) -> None:
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i in range(6):
        textured(i, 31 if i == 3 else 24).save(folder / f"img{i:02d}.png")
    (tmp_path / "killer.py").write_text(KILLER)
    result = cli(
        tmp_path, "run", "killer.py", "imgs", "--samples", "1", "-j", "2", "--format", "json"
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    doc = json.loads(result.stdout)
    status = {img["path"]: img["status"] for img in doc["images"]}
    assert status == {f"imgs/img{i:02d}.png": "crashed" if i == 3 else "ok" for i in range(6)}
    (crash,) = [f for f in doc["findings"] if f["code"] == "AUG501"]
    assert crash["images"] == ["imgs/img03.png"] and crash["stage"] is None
