"""Ctrl-C: a valid partial report and exit 130, through the real CLI in a subprocess (SIGINT
sent once the slow stage has run a given number of times)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.run_control import interrupt_slow_run

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]


def test_ctrl_c_writes_a_valid_partial_report_and_exits_130(tmp_path: Path) -> None:
    """``kill -INT`` in the middle of a 200-image run with ``--output`` (issue 6 acceptance)."""
    args = ["run", "slow.py", "many", "--samples", "2", "--format", "json", "-o", "out.json"]
    args += ["--jobs", "2"]  # the forked path, whatever the machine's core count
    code, err = interrupt_slow_run(tmp_path, args, images=200, calls=40)  # about 10 images in
    assert code == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines() == [
        "augaudit: wrote out.json: 0 errors, 0 warnings (exit 130)",
        "augaudit: error: interrupted; the report covers the images audited",
    ]
    doc = json.loads((tmp_path / "out.json").read_text())
    assert doc["partial"] is True
    assert doc["summary"]["exit_code"] == 130  # the process's code, not the findings' 0
    assert 0 < len(doc["images"]) < 200
    assert all(img["status"] == "ok" for img in doc["images"])
    names = [img["path"] for img in doc["images"]]
    assert names == [f"many/img{i:03d}.png" for i in range(len(names))]  # a prefix, in order
    assert doc["stages"][1]["metrics"]["psnr_vs_reference"] is not None  # measured, not empty
    assert not list(tmp_path.glob(".out.json.*"))  # no temporary file left behind


DIFF = ("diff", "slow.py", "slow.py", "many", "--samples", "2")


def test_ctrl_c_during_diff_exits_130_without_a_traceback(tmp_path: Path) -> None:
    code, err = interrupt_slow_run(tmp_path, list(DIFF), images=60, calls=20)
    assert code == 130, err
    assert "Traceback" not in err and "internal error" not in err, err
