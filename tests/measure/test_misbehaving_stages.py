"""Misbehaving stages: hanging, writing into their input, returning None, changing type,
producing NaN; each is stopped or measured around and reported by its finding.

The tests call ``augaudit.api.audit`` on the Python spec ``STAGES`` (torch is imported once);
one goes through the real CLI in a subprocess (a stage raising on some images).
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.helpers.cli_scenarios import Runs, check_report_schema, no_traceback, uses
from tests.helpers.run_control import codes, make_workspace, run_py, write_stages


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("runctl"))


@pytest.fixture(scope="module")
def stages_py(ws: Path) -> Path:
    return write_stages(ws)


def test_a_hanging_stage_is_stopped_once_and_reported(ws: Path, stages_py: Path) -> None:
    images = [str(ws / "imgs" / f"img0{i}.png") for i in range(3)]
    start = time.monotonic()
    report = run_py(stages_py, "hanging", images, samples=3, stage_timeout=0.5)
    took = time.monotonic() - start
    assert codes(report)["AUG505"] == [2]
    kinds = [e.kind for e in report.stages[1].errors]
    assert kinds == ["timeout"] * 9  # every run of the stage: one stopped, eight not started
    assert sum(e.message.startswith("StageTimeout") for e in report.stages[1].errors) == 1
    assert took < 20  # one 0.5 s wait, not nine, and never the stage's 60 s
    assert report.stages[2].runs == 0 and report.stages[0].runs == 9


def test_in_place_mutation_is_reported_and_does_not_leak(ws: Path, stages_py: Path) -> None:
    """A stage that darkens its input in place is reported (AUG507), and every number measured
    is the same as for the stage written without mutation: each sample starts from a fresh copy
    and later measurements read what the stage was given."""
    images = [str(ws / "imgs" / "img01.png"), str(ws / "imgs" / "img02.png")]
    mutating = run_py(stages_py, "mutating", images, samples=3)
    clean = run_py(stages_py, "clean", images, samples=3)
    assert codes(mutating)["AUG507"] == [3]
    assert "AUG507" not in codes(clean)
    for a, b in zip(mutating.stages, clean.stages, strict=True):
        assert a.metrics == b.metrics


def test_a_write_through_numpy_is_reported_and_does_not_leak(ws: Path, stages_py: Path) -> None:
    """Code outside torchvision can write into a tensor through ``.numpy()``, which torch's
    version counter never sees: its input is compared by value, so the write is caught (AUG507)
    and the measurements are those of the stage written without mutation."""
    images = [str(ws / "imgs" / "img01.png"), str(ws / "imgs" / "img02.png")]
    mutating = run_py(stages_py, "numpy_mutating", images, samples=3)
    clean = run_py(stages_py, "clean", images, samples=3)
    assert codes(mutating)["AUG507"] == [3]
    for a, b in zip(mutating.stages, clean.stages, strict=True):
        assert a.metrics == b.metrics


def test_a_nan_left_in_place_is_not_a_mutation() -> None:
    import torch

    from augaudit.measure.mutation import fingerprint, mutated

    t = torch.ones(3, 4, 4)
    t[0, 1, 1] = float("nan")
    before = fingerprint(t, values=True)
    assert not mutated(t, before)
    t.numpy()[1, 2, 2] = 5.0
    assert mutated(t, before)
    assert not mutated(t, fingerprint(t))  # without values only the version counter is read


def test_a_stage_returning_none_is_a_finding(ws: Path, stages_py: Path) -> None:
    report = run_py(stages_py, "returns_none", [str(ws / "imgs" / "img03.png")], samples=2)
    assert codes(report)["AUG501"] == [2]
    assert {e.kind for e in report.stages[1].errors} == {"not-image"}
    assert "returned NoneType, not an image" in report.stages[1].errors[0].message


def test_a_stage_changing_type_between_calls_is_a_finding(ws: Path, stages_py: Path) -> None:
    report = run_py(stages_py, "varying", [str(ws / "imgs" / "img04.png")], samples=4)
    assert codes(report)["AUG506"] == [1]
    assert {t.cls for t in report.stages[0].outputs} == {"Image", "ndarray"}


def test_only_the_stage_whose_type_varies_is_blamed(ws: Path, stages_py: Path) -> None:
    report = run_py(stages_py, "varying_then_steady", [str(ws / "imgs" / "img04.png")], samples=4)
    assert codes(report)["AUG506"] == [1]


def test_deadline_puts_back_the_callers_own_timer() -> None:
    from augaudit.measure.timeouts import deadline

    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 5.0)
        with deadline(60):
            time.sleep(0.05)
        left = signal.getitimer(signal.ITIMER_REAL)[0]
        assert 4.0 < left < 5.0 and not fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_stage_producing_nan_is_a_finding(ws: Path, stages_py: Path) -> None:
    report = run_py(stages_py, "nans", [str(ws / "imgs" / "img05.png")], samples=1)
    assert codes(report)["AUG204"] == [3]
    stat = report.stages[2].metrics["nonfinite_fraction"]
    assert stat is not None and stat.mean == pytest.approx(3 / (3 * 48 * 48))


# --- through the real CLI (tests/helpers/cli_scenarios.py) ---------------------------------------


@uses("raises")
def test_a_stage_raising_on_some_images_is_reported_and_the_rest_measured(runs: Runs) -> None:
    result = runs["raises"]
    assert result.returncode == 1, result
    no_traceback(result)
    doc = result.json()
    check_report_schema(doc, 1)
    assert [f["code"] for f in doc["findings"]] == ["AUG501"]
    (finding,) = doc["findings"]
    assert finding["stage"] == 1 and finding["images"] == ["imgs/b.png"]  # 96 px wide
    assert "too wide: 96 px" in finding["message"]
    raising, flip = doc["stages"]
    assert [(e["image"], e["sample"]) for e in raising["errors"]] == [("imgs/b.png", 0)]
    # The 64 px image went through both stages and was measured at each.
    for stage in (raising, flip):
        assert [(t["shape"], t["count"]) for t in stage["output"]["types"]] == [([3, 64, 64], 1)]
        assert stage["metrics"]["border_fill_fraction"] is not None
        assert stage["metrics"]["psnr_vs_reference"] is not None
    assert flip["errors"] == []
