"""The outputs recorded before the package was restructured, byte for byte.

``tests/golden/`` holds what the CLI printed for every shipped config on
``sample_images/`` (``tools/record_golden.py``), recorded from the code before the
restructure. This test renders the same reports through the library and the same
reporters the CLI uses, in-process (one audit per config), and compares the bytes.
A change meant to alter an output records it again with the script, in its own commit.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from augaudit.api import audit, validate
from augaudit.gate.baseline import dump_baseline, load_baseline, make_baseline
from augaudit.gate.compare import compare, tolerances_from, with_verdict
from augaudit.gate.diff import diff_reports
from augaudit.model import Report
from augaudit.reporters import FORMATS, render
from augaudit.reporters.diff_text import render_diff

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
CONFIGS = sorted(p.stem for p in (ROOT / "configs").glob("*.yaml"))
PAIR = ("well_built", "bad")  # what the recorded baseline, check and diff use


def recorded(name: str) -> tuple[bytes, int]:
    """The recorded stdout and exit code of one command."""
    data = (GOLDEN / name).read_bytes()
    stdout, _, tail = data.rpartition(b"\n[exit ")
    return stdout, int(tail.rstrip(b"]\n"))


def exit_code(reports: list[Report]) -> int:
    return max(r.summary.exit_code for r in reports)


@pytest.fixture(scope="module")
def reports() -> dict[str, Report]:
    """Each shipped config audited as `augaudit run CONFIG sample_images --jobs 1` does."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)  # reports show paths relative to the working directory
        return {name: audit(f"configs/{name}.yaml", ["sample_images"]) for name in CONFIGS}


def test_every_config_has_its_recorded_outputs() -> None:
    for name in CONFIGS:
        for fmt in FORMATS:
            assert (GOLDEN / f"{name}.{fmt}").is_file(), f"{name}.{fmt}"


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", CONFIGS)
def test_run_outputs_are_unchanged(reports: dict[str, Report], name: str, fmt: str) -> None:
    stdout, code = recorded(f"{name}.{fmt}")
    assert render(fmt, [reports[name]]).encode() == stdout
    assert exit_code([reports[name]]) == code


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("name", CONFIGS)
def test_validate_outputs_are_unchanged(name: str, fmt: str, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    report = validate(f"configs/{name}.yaml")
    stdout, code = recorded(f"{name}.validate.{fmt}")
    assert render(fmt, [report]).encode() == stdout
    assert report.summary.exit_code == code


@pytest.mark.slow
def test_baseline_check_and_diff_are_unchanged(reports: dict[str, Report], tmp_path) -> None:
    pair = [reports[name] for name in PAIR]
    lock, _ = recorded("lock.json")
    assert dump_baseline(make_baseline(pair)).encode() == lock
    (tmp_path / "lock.json").write_bytes(lock)
    comparison = compare(load_baseline(tmp_path / "lock.json"), pair, tolerances_from({}))
    gated = with_verdict(pair, comparison)
    for fmt in FORMATS:
        stdout, code = recorded(f"check.{fmt}")
        assert render(fmt, gated).encode() == stdout, fmt
        assert exit_code(gated) == code
    stdout, _ = recorded("diff.text")
    assert (render_diff(diff_reports(*pair)) + "\n").encode() == stdout


@pytest.mark.slow
@pytest.mark.subprocess
def test_rules_and_explain_are_unchanged() -> None:
    """Through the real CLI: these commands print without auditing anything."""
    names = ["rules"] + [p.name.split(".")[1] for p in sorted(GOLDEN.glob("explain.*.text"))]
    for name in names:
        args = ["rules"] if name == "rules" else ["explain", name]
        done = subprocess.run(
            [sys.executable, "-m", "augaudit", *args], cwd=ROOT, capture_output=True, check=False
        )
        file = "rules.text" if name == "rules" else f"explain.{name}.text"
        assert (done.stdout, done.returncode) == recorded(file), name
