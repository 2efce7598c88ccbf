"""Image sources through the real CLI: unreadable files skipped with a warning, no readable
image is exit 2, and paths reported by the folder's own name (CLI scenarios,
``tests/helpers/cli_scenarios.py``)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.helpers.cli_scenarios import UNREADABLE, Runs, check_report_schema, no_traceback, uses


@uses("all_unreadable")
def test_no_readable_image_exits_2(runs: Runs) -> None:
    result = runs["all_unreadable"]
    assert result.returncode == 2, result
    assert result.stderr.strip().splitlines()[-1] == "augaudit: error: no image could be read"
    doc = result.json()
    assert {img["status"] for img in doc["images"]} == {"skipped"}
    assert doc["summary"]["exit_code"] == 2
    no_traceback(result)


@uses("bad", "bad_abs_never")
def test_absolute_image_folder_is_reported_from_its_own_name(runs: Runs, ws: Path) -> None:
    relative, absolute = runs["bad"], runs["bad_abs_never"]
    for prefix in {str(ws), os.path.realpath(ws), ws.as_posix()}:
        assert prefix not in absolute.stdout
    rel_doc, abs_doc = relative.json(), absolute.json()
    assert [i["path"] for i in abs_doc["images"]] == ["imgs/a.png", "imgs/b.png"]
    # Same image names, hence the same seeds: the reports differ only by --fail-on's exit code.
    assert rel_doc["summary"].pop("exit_code") == 1
    assert abs_doc["summary"].pop("exit_code") == 0
    assert rel_doc == abs_doc


@uses("mixed")
def test_unreadable_images_are_skipped_with_a_warning(runs: Runs) -> None:
    result = runs["mixed"]
    assert result.returncode == 0, result  # AUG504 is a warning; the good images pass
    no_traceback(result)
    warnings = result.stderr.strip().splitlines()
    assert len(warnings) == len(UNREADABLE), result
    for name in UNREADABLE:
        naming = [line for line in warnings if f"mixed/{name}" in line]
        assert len(naming) == 1, (name, warnings)
        assert naming[0].startswith(f"augaudit: warning: mixed/{name} skipped: ")
    doc = result.json()
    check_report_schema(doc, 0)
    status = {i["path"]: (i["status"], i["reason"]) for i in doc["images"]}
    assert status["mixed/a.png"] == ("ok", None) and status["mixed/b.png"] == ("ok", None)
    for name in UNREADABLE:
        state, reason = status[f"mixed/{name}"]
        assert state == "skipped" and reason
    assert "0 bytes" in status["mixed/broken.png"][1]
    skipped = sorted(f["images"][0] for f in doc["findings"] if f["code"] == "AUG504")
    assert skipped == [f"mixed/{name}" for name in UNREADABLE]
    assert all(st["metrics"]["psnr_vs_reference"] is not None for st in doc["stages"])


@uses("abs_paths")
def test_same_named_files_in_two_absolute_folders_are_both_audited(runs: Runs) -> None:
    result = runs["abs_paths"]
    assert result.returncode == 0, result
    images = result.json()["images"]
    assert len(images) == 2, images
    assert images[0]["path"] != images[1]["path"]
