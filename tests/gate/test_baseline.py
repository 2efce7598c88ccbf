"""Baselines, the regression gate against them, and report diffs, on real audits.

Every report comes from ``augaudit.audit`` on two small synthetic PNGs with ``samples=1``. The
specs are written one after another to the same file, so the pipeline keeps its name as a user
editing ``pipeline.yaml`` would see it; the audits run once per module (``runs``).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from augaudit import audit
from augaudit.errors import AugauditError
from augaudit.gate.baseline import dump_baseline, load_baseline, make_baseline
from augaudit.gate.compare import Tolerances, compare, tolerances_from
from augaudit.gate.diff import align, diff_reports
from augaudit.model import Report
from augaudit.reporters.comparison import render_comparison
from augaudit.reporters.diff_text import render_diff

BASE = """\
pipeline:
  - ToImage
  - ToDtype: {dtype: float32, scale: true}
  - RandomHorizontalFlip
"""
# The acceptance scenario: the same spec with a rotation inserted before the flip.
ROTATED = """\
pipeline:
  - ToImage
  - ToDtype: {dtype: float32, scale: true}
  - RandomRotation: {degrees: 30}
  - RandomHorizontalFlip
"""
# Erasing 1.5% of every image: border fill up by about 0.016, under the 0.02 tolerance, and
# nothing else changes (no finding, fidelity kept).
SLIGHT = BASE + "  - RandomErasing: {p: 1.0, scale: [0.015, 0.015], ratio: [1, 1]}\n"
# A blur after the float conversion: fidelity PSNR vs reference drops by several dB.
# A real precision loss: an 8-bit cast (~56 dB, tests/data/REFERENCES.md), not float
# round-off above 100 dB.
# (Resized first: floats that came from uint8 cast back to it losslessly.)
QUANTIZED = BASE + "  - Resize: 40\n  - ToDtype: {dtype: uint8, scale: true}\n"
SPEC = "pipeline.yaml"


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("baseline")
    ramp = np.linspace(0, 255, 64)
    xx, yy = np.meshgrid(ramp, ramp)
    Image.fromarray(np.stack([xx, yy, xx], -1).astype(np.uint8)).save(root / "a.png")
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)).save(root / "b.png")
    return root


@pytest.fixture(scope="module")
def runs(work) -> dict[str, Report]:
    images = [str(work / "a.png"), str(work / "b.png")]
    spec = work / SPEC

    def run(text: str, images: list[str] = images, samples: int = 1) -> Report:
        spec.write_text(text)
        return audit(str(spec), images, samples=samples, seed=0)

    return {
        "base": run(BASE),
        "base_again": run(BASE),
        "rotated": run(ROTATED),
        "slight": run(SLIGHT),
        "quantized": run(QUANTIZED),
        "other_settings": run(BASE, images[:1], samples=2),
    }


def _fill(report: Report) -> float:
    stat = report.stages[-1].metrics["border_fill_fraction"]
    assert stat is not None
    return stat.mean


def test_rotation_added_fails_with_the_border_fill_regression(runs):
    base, rotated = runs["base"], runs["rotated"]
    assert base.spec == rotated.spec == SPEC
    comparison = compare(make_baseline([base]), [rotated])
    assert comparison.failed and comparison.exit_code == 1
    fill = next(c for c in comparison.regressions if c.metric == "border_fill_fraction")
    # Introduced by the inserted rotation, measured at the final output.
    assert (fill.stage, fill.name, fill.stage_status, fill.final) == (
        3,
        "RandomRotation",
        "added",
        4,
    )
    assert fill.old == 0.0
    assert fill.new == pytest.approx(_fill(rotated), abs=1e-6)
    assert fill.new > 0.1
    new_codes = {f.code for f in rotated.findings} - {f.code for f in base.findings}
    assert new_codes, "a 30 degree rotation should raise a border-fill finding"
    assert {c.what.split()[2] for c in comparison.regressions if c.metric is None} == new_codes
    assert [(s.status, s.index, s.name) for s in comparison.stage_changes] == [
        ("added", 3, "RandomRotation")
    ]
    text = render_comparison(comparison)
    line = (
        f"pipeline.yaml stage 3 RandomRotation (added): border fill mean 0.000 -> {fill.new:.3f} "
        f"(+{fill.new:.3g} > 0.02) REGRESSION, at the final output (stage 4)"
    )
    assert line in text.splitlines()
    for code in new_codes:
        assert f"new finding {code}" in text
    assert text.splitlines()[-1].startswith("FAIL: ")


def test_regenerating_the_baseline_accepts_the_change(runs):
    comparison = compare(make_baseline([runs["rotated"]]), [runs["rotated"]])
    assert not comparison.failed
    assert comparison.regressions == comparison.improvements == comparison.stage_changes == ()
    assert comparison.compared == (SPEC,)
    assert render_comparison(comparison).startswith("baseline ok: 0 regressions")


def test_removing_the_rotation_is_an_improvement_not_a_failure(runs):
    comparison = compare(make_baseline([runs["rotated"]]), [runs["base"]])
    assert not comparison.failed and comparison.exit_code == 0
    assert comparison.regressions == ()
    fill = next(c for c in comparison.improvements if c.metric == "border_fill_fraction")
    assert (fill.stage, fill.name, fill.stage_status) == (3, "RandomRotation", "removed")
    assert fill.old == pytest.approx(_fill(runs["rotated"]), abs=1e-6) and fill.new == 0.0
    gone = {c.what for c in comparison.improvements if c.metric is None}
    assert gone == {f"finding {f.code} gone" for f in runs["rotated"].findings}
    text = render_comparison(comparison)
    assert "border fill mean" in text and "improvement" in text and "REGRESSION" not in text


def test_a_change_under_the_tolerance_passes(runs):
    baseline = make_baseline([runs["base"]])
    slight = runs["slight"]
    delta = round(_fill(slight), 6)
    assert 0.0 < delta < Tolerances().fill_increase
    assert not compare(baseline, [slight]).failed
    # The limit is exclusive: exactly the change passes, a hair less fails.
    assert not compare(baseline, [slight], Tolerances(fill_increase=delta)).failed
    tight = compare(baseline, [slight], Tolerances(fill_increase=delta - 1e-4))
    assert [c.metric for c in tight.regressions] == ["border_fill_fraction"]


def test_fidelity_drop_is_gated_by_the_psnr_tolerance(runs):
    baseline = make_baseline([runs["base"]])
    quantized = runs["quantized"]
    found = compare(baseline, [quantized]).regressions
    psnr = next(c for c in found if c.metric == "psnr_vs_reference")
    assert (psnr.metric, psnr.name, psnr.stage_status) == (
        "psnr_vs_reference",
        "ToDtype",
        "added",
    )
    assert psnr.delta is not None and psnr.delta < -1.0
    loose = Tolerances(psnr_drop=-psnr.delta + 0.01, ssim_drop=1.0)
    assert [c for c in compare(baseline, [quantized], loose).regressions if c.metric] == []
    assert tolerances_from({"baseline-psnr-drop": 3, "border-fill-mean": 0.1}) == Tolerances(
        psnr_drop=3.0
    )


def test_baselines_are_deterministic_small_and_free_of_absolute_paths(runs, work):
    first = dump_baseline(make_baseline([runs["base"]]))
    again = dump_baseline(make_baseline([runs["base_again"]]))
    assert first == again  # two separate runs, byte for byte
    assert first.endswith("}\n") and str(work) not in first and '"/' not in first
    data = json.loads(first)
    assert list(data) == ["augaudit_baseline", "augaudit_version", "pipelines"]
    entry = data["pipelines"][SPEC]
    assert entry["settings"] == {
        "images": ["a.png", "b.png"],
        "input": "pil",
        "mode": "rgb",
        "samples": 1,
        "seed": 0,
    }
    assert [s["name"] for s in entry["stages"]] == ["ToImage", "ToDtype", "RandomHorizontalFlip"]
    assert list(entry) == ["findings", "settings", "stages"]  # sorted keys
    assert list(entry["stages"][0]) == ["index", "metrics", "name"]
    assert "border_fill_fraction.max" in entry["stages"][-1]["metrics"]
    assert len(first) < 4000
    two = dump_baseline(make_baseline([runs["rotated"], replace(runs["base"], spec="a.yaml")]))
    assert list(json.loads(two)["pipelines"]) == ["a.yaml", SPEC]


def test_float_noise_does_not_churn_the_baseline(runs):
    base = runs["base"]

    def nudged(stage):
        metrics = {k: v and replace(v, mean=v.mean * (1 + 1e-9)) for k, v in stage.metrics.items()}
        return replace(stage, metrics=metrics)

    noisy = replace(base, stages=tuple(nudged(st) for st in base.stages))
    assert noisy.stages[1].metrics != base.stages[1].metrics
    assert dump_baseline(make_baseline([noisy])) == dump_baseline(make_baseline([base]))
    metrics = make_baseline([base])["pipelines"][SPEC]["stages"][1]["metrics"]
    assert metrics["psnr_vs_reference"] == round(metrics["psnr_vs_reference"], 3)
    assert metrics["saturated_fraction"] == round(metrics["saturated_fraction"], 6)


def test_round_trip_through_the_file(runs, tmp_path):
    path = tmp_path / "augaudit.lock.json"
    path.write_text(dump_baseline(make_baseline([runs["rotated"]])))
    loaded = load_baseline(path)
    assert loaded == make_baseline([runs["rotated"]])
    assert not compare(loaded, [runs["rotated"]]).failed


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "not found"),
        ("{not json", "not valid JSON"),
        ('{"augaudit_baseline": 2, "pipelines": {}}', "baseline format 2"),
        ('{"pipelines": {}}', "not an augaudit baseline"),
        ('{"augaudit_baseline": 1, "pipelines": {"x.yaml": {"stages": []}}}', "malformed"),
    ],
)
def test_load_errors_name_the_file(tmp_path, content, message):
    path = tmp_path / "augaudit.lock.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(AugauditError) as caught:
        load_baseline(path)
    text = str(caught.value)
    assert text.startswith(str(path)) and message in text and "\n" not in text
    if content is None or "2" in content:
        assert "augaudit baseline" in text  # the hint says how to regenerate it


def test_other_settings_are_an_error_not_a_comparison(runs):
    with pytest.raises(AugauditError) as caught:
        compare(make_baseline([runs["base"]]), [runs["other_settings"]])
    assert "pipeline.yaml: samples 1 -> 2, images -b.png" in str(caught.value)
    assert "not comparable" in str(caught.value)


def test_new_and_missing_pipelines_are_reported_not_failed(runs):
    other = replace(runs["rotated"], spec="other.yaml")
    comparison = compare(make_baseline([runs["base"]]), [runs["base"], other])
    assert not comparison.failed
    assert comparison.new_pipelines == ("other.yaml",) and comparison.compared == (SPEC,)
    assert "other.yaml: not in the baseline, not gated" in render_comparison(comparison)
    missing = compare(make_baseline([runs["base"], other]), [runs["base"]])
    assert missing.missing_pipelines == ("other.yaml",) and not missing.failed


def test_align_pairs_stages_by_name_when_the_lists_differ():
    assert align(["A", "B"], ["A", "B"]) == [(0, 0), (1, 1)]
    assert align(["A", "B", "C"], ["A", "X", "B", "C"]) == [(0, 0), (None, 1), (1, 2), (2, 3)]
    assert align(["A", "B", "C"], ["A", "Y", "C"]) == [(0, 0), (1, None), (None, 1), (2, 2)]


def test_diff_shows_the_added_stage_and_the_metric_changes(runs):
    base, rotated = runs["base"], runs["rotated"]
    diff = diff_reports(base, rotated)
    assert [(s.status, s.old_name, s.new_name) for s in diff.stages] == [
        ("same", "ToImage", "ToImage"),
        ("same", "ToDtype", "ToDtype"),
        ("added", None, "RandomRotation"),
        ("changed", "RandomHorizontalFlip", "RandomHorizontalFlip"),
    ]
    flip = diff.stages[-1]
    fill = flip.metric("border_fill_fraction")
    assert fill.old == 0.0 and fill.new == pytest.approx(_fill(rotated))
    assert {f.code for f in flip.findings.only_new} == {f.code for f in rotated.findings
                                                         if f.stage == 4}  # fmt: skip
    assert diff.stages[2].findings.only_new == tuple(f for f in rotated.findings if f.stage == 3)
    assert diff.settings == ()
    text = render_diff(diff)
    lines = text.splitlines()
    added = [line for line in lines if line.startswith("+  -")]
    assert len(added) == 1 and re.search(r"\s3 RandomRotation\s", added[0])
    changed = [line for line in lines if line.startswith("~")]
    assert len(changed) == 1 and "3 RandomHorizontalFlip  4 RandomHorizontalFlip" in changed[0]
    assert f"0.00% -> {100 * fill.new:.2f}%" in changed[0]
    assert "+" + next(iter(flip.findings.only_new)).code in changed[0]
    assert "1 stage added, 1 stage changed" in text
    same = render_diff(diff_reports(base, runs["base_again"]))
    assert same.rstrip().endswith("no difference")


def test_psnr_drops_within_float_precision_are_not_regressions(runs):
    def with_final_psnr(report: Report, value: float) -> Report:
        last = report.stages[-1]
        stat = last.metrics["psnr_vs_reference"]
        assert stat is not None
        psnr = replace(stat, mean=value, min=value, max=value)
        stages = (
            *report.stages[:-1],
            replace(last, metrics={**last.metrics, "psnr_vs_reference": psnr}),
        )
        return replace(report, stages=stages)

    baseline = make_baseline([with_final_psnr(runs["base"], 175.0)])
    quiet = compare(baseline, [with_final_psnr(runs["base"], 138.0)])
    assert [c for c in quiet.regressions if c.metric == "psnr_vs_reference"] == []
    loud = compare(baseline, [with_final_psnr(runs["base"], 58.0)])
    [psnr] = [c for c in loud.regressions if c.metric == "psnr_vs_reference"]
    assert (psnr.old, psnr.new) == (175.0, 58.0)
