"""pre-commit itself runs augaudit as a hook: a bad spec is refused, a good one commits.

The hooks are local (`language: system`, this interpreter's augaudit) so the test
needs no network; their entries mirror the shipped `.pre-commit-hooks.yaml`,
which a separate test pins.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(
    shutil.which("pre-commit") is None or shutil.which("git") is None,
    reason="pre-commit or git missing (pip install -e '.[test]')",
)

GOOD = """api: v2
pipeline:
  - ToImage
  - ToDtype: {dtype: float32, scale: true}
  - RandomHorizontalFlip
"""
BAD = """api: v2
pipeline:
  - ToImage
  - ToDtype: {dtype: float32}
  - ColorJitter: {brightness: 0.2}
"""


def _git(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture()
def repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    repo = tmp_path / "project"
    (repo / "pipelines").mkdir(parents=True)
    (repo / "images").mkdir()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)).save(
        repo / "images" / "a.png"
    )
    augaudit = f"{sys.executable} -m augaudit"
    config = {
        "repos": [
            {
                "repo": "local",
                "hooks": [
                    {
                        "id": "augaudit",
                        "name": "augaudit",
                        "entry": f"{augaudit} check --images images --samples 1",
                        "language": "system",
                        "files": r"^pipelines/.*\.ya?ml$",
                        "require_serial": True,
                    }
                ],
            }
        ]
    }
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "OMP_NUM_THREADS": "1",
    }
    for args in (("init", "-q", "-b", "main"), ("add", "."), ("commit", "-qm", "init")):
        result = _git(repo, *args, env=env)
        assert result.returncode == 0, result.stderr
    installed = subprocess.run(
        ["pre-commit", "install"], cwd=repo, env=env, capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return repo, env


@pytest.mark.slow
@pytest.mark.subprocess
def test_commit_of_a_bad_spec_is_refused_and_a_good_one_lands(repo):
    path, env = repo
    (path / "pipelines" / "train.yaml").write_text(BAD)
    _git(path, "add", "pipelines/train.yaml", env=env)
    refused = _git(path, "commit", "-m", "bad pipeline", env=env)
    assert refused.returncode != 0
    output = refused.stdout + refused.stderr
    assert "AUG203" in output  # the finding is printed to the committer
    assert "Failed" in output
    assert _git(path, "log", "--oneline", env=env).stdout.count("\n") == 1

    (path / "pipelines" / "train.yaml").write_text(GOOD)
    _git(path, "add", "pipelines/train.yaml", env=env)
    landed = _git(path, "commit", "-m", "good pipeline", env=env)
    assert landed.returncode == 0, landed.stdout + landed.stderr
    assert "Passed" in landed.stdout + landed.stderr
    assert _git(path, "log", "--oneline", env=env).stdout.count("\n") == 2


def test_shipped_hook_manifest():
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"augaudit", "augaudit-validate"}
    assert hooks["augaudit"]["entry"] == "augaudit check"
    assert hooks["augaudit"]["require_serial"] is True
    assert hooks["augaudit-validate"]["entry"] == "augaudit validate"
    import re

    pattern = re.compile(hooks["augaudit"]["files"])
    assert pattern.search("configs/pipelines/train.yaml")
    assert pattern.search("augment.yml")
    assert not pattern.search(".github/workflows/ci.yml")


def test_project_dogfoods_its_hooks_on_configs():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    ids = {h["id"]: h for r in config["repos"] for h in r["hooks"]}
    assert ids["augaudit-validate"]["files"].startswith("^configs/")
    assert ids["augaudit"]["entry"].startswith("augaudit check")
