"""Every report tells the verdict the process exits with, through the real CLI (subprocess):
``check --baseline`` regressions in every format, Ctrl-C (130) in the JSON summary, and no
readable image (2) for ``diff`` and ``baseline`` as for ``run``."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]

FLIP = (
    "api: v2\npipeline:\n  - ToImage\n  - ToDtype: {dtype: float32, scale: true}\n"
    "  - RandomHorizontalFlip\n"
)
ROTATED = FLIP.replace(
    "  - RandomHorizontalFlip", "  - RandomRotation: {degrees: [30, 30]}\n  - RandomHorizontalFlip"
)

NO_IMAGE = "augaudit: error: no image could be read"


def cli(cwd: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from augaudit.cli import main; main()", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def tiny_images(folder: Path, count: int, size: int = 24) -> None:
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(count):
        pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"img{i:03d}.png")


# --- check --baseline: the report in every format carries the comparison's verdict ----------


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose baseline has a.yaml and b.yaml as flips; a.yaml then gets a rotation."""
    root = tmp_path_factory.mktemp("gate")
    tiny_images(root / "imgs", 1, 32)
    (root / "a.yaml").write_text(FLIP)
    (root / "b.yaml").write_text(FLIP)
    (root / "augaudit.toml").write_text('pipelines = ["*.yaml"]\nimages = ["imgs"]\nsamples = 1\n')
    made = cli(root, "baseline", "-o", "augaudit.lock.json")
    assert made.returncode == 0, made.stderr
    (root / "a.yaml").write_text(ROTATED)
    return root


def check(root: Path, fmt: str, *specs: str) -> tuple[str, subprocess.CompletedProcess[str]]:
    """``check --baseline`` in ``fmt`` with --output; (the report, the process)."""
    out = f"report-{fmt}-{len(specs)}.out"
    args = ["check", *specs, "--baseline", "augaudit.lock.json", "-j", "1"]
    result = cli(root, *args, "--format", fmt, "--output", out)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    # stderr keeps the comparison as it was, and the summary line says exit 1
    assert "a.yaml stage 3 RandomRotation (added): border fill mean 0.000 ->" in result.stderr
    assert "FAIL: 3 regressions, 0 improvements in" in result.stderr
    assert f"augaudit: wrote {out}: " in result.stderr and "(exit 1)" in result.stderr
    return (root / out).read_text(), result


def test_json_carries_the_regressions_and_the_exit_code(gated: Path) -> None:
    text, _ = check(gated, "json")
    doc = json.loads(text)
    assert doc["summary"]["exit_code"] == 1
    by_spec = {p["spec"]: p for p in doc["pipelines"]}
    assert by_spec["a.yaml"]["summary"]["exit_code"] == 1
    assert by_spec["b.yaml"]["summary"]["exit_code"] == 0
    assert by_spec["b.yaml"]["baseline"]["regressions"] == []
    assert by_spec["a.yaml"]["baseline"]["regressions"] == doc["baseline"]["regressions"]
    fill, nearest, finding = doc["baseline"]["regressions"]
    assert fill["pipeline"] == "a.yaml" and fill["stage"] == 3 and fill["name"] == "RandomRotation"
    assert fill["metric"] == "border_fill_fraction" and fill["stage_status"] == "added"
    assert fill["before"] == 0.0 and fill["after"] > 0.1 and fill["limit"] == 0.02
    assert nearest["code"] == "AUG302" and nearest["stage"] == 3
    assert finding["code"] == "AUG301" and finding["before"] is None
    assert doc["baseline"]["compared"] == ["a.yaml", "b.yaml"]
    assert doc["baseline"]["exit_code"] == 1
    assert list(doc)[-2:] == ["baseline", "summary"]


def test_json_of_one_pipeline_carries_them_too(gated: Path) -> None:
    text, _ = check(gated, "json", "a.yaml")
    doc = json.loads(text)
    assert doc["spec"] == "a.yaml" and doc["summary"]["exit_code"] == 1
    assert [r["metric"] for r in doc["baseline"]["regressions"]] == [
        "border_fill_fraction",
        None,
        None,
    ]
    assert doc["baseline"]["missing_pipelines"] == ["b.yaml"]


def test_markdown_says_which_pipeline_regressed_and_how(gated: Path) -> None:
    text, _ = check(gated, "markdown")
    assert "## augaudit: 2 pipelines, 1 of 2 failed" in text
    assert "all passed" not in text
    assert "| a.yaml | :x: fail |" in text and "| b.yaml | :white_check_mark: pass |" in text
    assert "**Baseline**: FAIL: 3 regressions" in text
    line = next(x for x in text.splitlines() if "border fill mean" in x)
    assert line.startswith(
        "- :x: a.yaml stage 3 RandomRotation (added): border fill mean 0.000 -\\>"
    )
    assert "**FAIL**: 0 errors" in text and "3 baseline regressions" in text


def test_text_says_fail_with_the_regressions(gated: Path) -> None:
    text, _ = check(gated, "text")
    assert "baseline: a.yaml stage 3 RandomRotation (added): border fill mean 0.000 ->" in text
    verdicts = [x for x in text.splitlines() if x.startswith(("ok:", "FAIL:"))]
    assert len(verdicts) == 2
    assert verdicts[0].startswith("FAIL:") and verdicts[0].endswith("(fail-on error, exit 1)")
    assert "3 baseline regressions" in verdicts[0]
    assert verdicts[1].startswith("ok:") and verdicts[1].endswith("exit 0)")


def test_junit_counts_each_regression_as_a_failure(gated: Path) -> None:
    text, _ = check(gated, "junit")
    root = ET.fromstring(text)
    assert root.attrib["failures"] == "3"
    suites = {s.attrib["name"]: s for s in root}
    failed = [c for c in suites["a.yaml"] if c.find("failure") is not None]
    assert [c.attrib["name"] for c in failed] == [
        "baseline: border fill mean",
        "baseline: new finding AUG302 (warning)",
        "baseline: new finding AUG301 (warning)",
    ]
    assert all(c.find("failure").attrib["type"] == "baseline" for c in failed)  # type: ignore[union-attr]
    assert "0.000 ->" in failed[0].find("failure").attrib["message"]  # type: ignore[union-attr]
    passed = [c for c in suites["b.yaml"] if c.attrib["name"] == "baseline"]
    assert len(passed) == 1 and not list(passed[0])


def test_sarif_and_github_have_one_entry_per_regression(gated: Path) -> None:
    sarif, _ = check(gated, "sarif")
    run = json.loads(sarif)["runs"][0]
    found = [r for r in run["results"] if r["ruleId"] == "baseline-regression"]
    assert len(found) == 3
    assert run["tool"]["driver"]["rules"][found[0]["ruleIndex"]]["id"] == "baseline-regression"
    located = found[0]["locations"][0]["physicalLocation"]
    assert located["artifactLocation"]["uri"] == "a.yaml" and located["region"]["startLine"] == 5
    assert found[0]["properties"]["metric"] == "border_fill_fraction"
    github, _ = check(gated, "github")
    errors = [x for x in github.splitlines() if "title=baseline regression" in x]
    assert len(errors) == 3
    assert errors[0].startswith("::error file=a.yaml,line=5,title=baseline regression::a.yaml")


# --- no readable image: exit 2 with run's error line ----------------------------------------


@pytest.mark.parametrize("command", ["diff", "baseline"])
def test_no_readable_image_exits_2_as_run_does(tmp_path: Path, command: str) -> None:
    (tmp_path / "a.yaml").write_text(FLIP)
    (tmp_path / "b.yaml").write_text(ROTATED)
    (tmp_path / "x.txt").write_text("not an image\n")
    if command == "diff":
        args = ["diff", "a.yaml", "b.yaml", "x.txt"]
    else:
        args = ["baseline", "a.yaml", "--images", "x.txt", "-o", "lock.json"]
    result = cli(tmp_path, *args, "--samples", "1")
    ran = cli(tmp_path, "run", "a.yaml", "x.txt", "--samples", "1", "-j", "1")
    assert ran.returncode == 2
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "augaudit: warning: x.txt skipped: not an image Pillow can identify",
        NO_IMAGE,
    ]
    assert ran.stderr.splitlines()[-2:] == result.stderr.splitlines()
    assert not (tmp_path / "lock.json").exists()
