"""The JSON report through the real CLI: the documented schema, no absolute paths, the same
bytes on every run (CLI scenarios, ``tests/helpers/cli_scenarios.py``)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.helpers.cli_scenarios import (
    Runs,
    check_report_schema,
    metric_values,
    pipeline_entries,
    uses,
)


@uses("bad")
def test_json_report_has_the_documented_schema(runs: Runs, ws: Path) -> None:
    result = runs["bad"]
    doc = result.json()  # strict: raises on NaN/Infinity (bad.yaml puts NaN in images)
    check_report_schema(doc, result.returncode)
    assert doc["spec"] == "bad.yaml"
    assert doc["settings"] == {"seed": 0, "samples": 1, "input": "pil", "mode": "rgb"}
    assert [(i["path"], i["status"], i["size"]) for i in doc["images"]] == [
        ("imgs/a.png", "ok", [64, 64]),
        ("imgs/b.png", "ok", [96, 80]),
    ]
    names, lines = pipeline_entries(ws / "bad.yaml")
    assert [st["name"] for st in doc["stages"]] == names
    assert [st["line"] for st in doc["stages"]] == lines
    # Both kinds of metric value occur: measured ({mean,min,max}) and not applicable (null).
    values = metric_values(doc).values()
    assert any(v is None for v in values) and any(v is not None for v in values)


@uses("bad")
def test_json_has_no_absolute_paths_for_relative_inputs(runs: Runs, ws: Path) -> None:
    out = runs["bad"].stdout
    for prefix in {str(ws), os.path.realpath(ws), ws.as_posix()}:
        assert prefix not in out


@uses("bad", "bad_again")
def test_json_is_byte_identical_across_runs(runs: Runs) -> None:
    first, second = runs["bad"], runs["bad_again"]
    assert first.returncode == second.returncode == 1
    assert first.stdout == second.stdout


@uses("abs_paths")
def test_json_has_no_absolute_spec_path(runs: Runs, ws: Path) -> None:
    result = runs["abs_paths"]
    assert result.returncode == 0, result
    assert str(ws) not in result.stdout
