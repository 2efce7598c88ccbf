"""gate.diff on small hand-made Reports: stages aligned by name, metric means old vs new,
findings matched by code, settings that differ. The expected pairings and changes are read
off the two stage lists written in each test."""

from __future__ import annotations

from augaudit.gate.diff import MetricChange, align, diff_reports
from augaudit.model import (
    Finding,
    ImageReport,
    Report,
    Settings,
    StageMetrics,
    StageReport,
    Stat,
    Summary,
)


def stage(index: int, name: str, **means: float) -> StageReport:
    """A stage whose metrics have the given means (one sample each)."""
    metrics = StageMetrics(**{key: Stat(v, v, v, 1) for key, v in means.items()})
    return StageReport(
        index, name, f"{name}()", None, "photometric", (), False, None, None, metrics
    )


def report(
    *stages: StageReport, findings: tuple[Finding, ...] = (), seed: int = 0, images=("a.png",)
) -> Report:
    return Report(
        spec="pipeline.yaml",
        settings=Settings(seed=seed, samples=1, input="pil", mode="rgb"),
        images=tuple(ImageReport(path, "ok", None, "RGB", (8, 8)) for path in images),
        stages=stages,
        findings=findings,
        summary=Summary(0, 0, 0, 0),
        augaudit_version="0.0.0",
    )


def finding(code: str, stage: int | None) -> Finding:
    return Finding(code, "warning", stage, f"{code} message", f"{code} hint")


def test_align_keeps_later_stages_paired_around_insertions_and_removals() -> None:
    # Inserted between two equal names: the flips stay paired with each other.
    assert align(["Flip", "Flip"], ["Flip", "Rotate", "Flip"]) == [(0, 0), (None, 1), (1, 2)]
    # Removed at the front: everything after it moves up by one.
    assert align(["Resize", "ToImage", "Flip"], ["ToImage", "Flip"]) == [
        (0, None),
        (1, 0),
        (2, 1),
    ]
    # A replaced block lists its removed stage before the two added ones.
    assert align(["A", "B", "C"], ["A", "X", "Y", "C"]) == [
        (0, 0),
        (1, None),
        (None, 1),
        (None, 2),
        (2, 3),
    ]
    assert align([], ["A"]) == [(None, 0)] and align(["A"], []) == [(0, None)]
    assert align([], []) == []


def test_an_inserted_stage_is_added_and_the_stages_after_it_are_compared_with_theirs() -> None:
    old = report(
        stage(1, "ToImage", border_fill_fraction=0.0, psnr_vs_reference=200.0),
        stage(2, "Flip", border_fill_fraction=0.0, psnr_vs_reference=200.0),
        findings=(finding("AUG101", 2), finding("AUG504", None)),
    )
    new = report(
        stage(1, "ToImage", border_fill_fraction=0.0, psnr_vs_reference=200.0),
        stage(2, "Rotate", border_fill_fraction=0.125, psnr_vs_reference=60.0),
        stage(3, "Flip", border_fill_fraction=0.125, psnr_vs_reference=60.0),
        findings=(finding("AUG301", 2), finding("AUG301", 3), finding("AUG101", 3)),
    )
    diff = diff_reports(old, new)
    assert [(s.status, s.old_index, s.old_name, s.new_index, s.new_name) for s in diff.stages] == [
        ("same", 1, "ToImage", 1, "ToImage"),
        ("added", None, None, 2, "Rotate"),
        ("changed", 2, "Flip", 3, "Flip"),
    ]
    same, added, flip = diff.stages
    assert same.findings.only_old == same.findings.only_new == same.findings.in_both == ()
    # The flip is compared with the old flip (stage 2 against stage 3), not with the rotation.
    fill = flip.metric("border_fill_fraction")
    assert (fill.old, fill.new, fill.delta, fill.changed) == (0.0, 0.125, 0.125, True)
    psnr = flip.metric("psnr_vs_reference")
    assert (psnr.old, psnr.new, psnr.delta) == (200.0, 60.0, -140.0)
    assert [m.key for m in flip.metrics] == ["border_fill_fraction", "psnr_vs_reference"]
    assert flip.metric("ssim_vs_input") == MetricChange("ssim_vs_input", None, None)
    # Findings are matched by code within the row: AUG101 in both, AUG301 new.
    assert flip.findings.only_new == (finding("AUG301", 3),)
    assert flip.findings.in_both == ("AUG101",) and flip.findings.only_old == ()
    assert added.findings.only_new == (finding("AUG301", 2),)
    assert added.metric("border_fill_fraction") == MetricChange("border_fill_fraction", None, 0.125)
    # The pipeline-level finding (no stage) is gone in the new report.
    assert diff.findings.only_old == (finding("AUG504", None),) and diff.findings.only_new == ()
    assert diff.settings == () and diff.changed
    assert (diff.old_spec, diff.new_spec) == ("pipeline.yaml", "pipeline.yaml")


def test_a_removed_stage_and_old_only_findings() -> None:
    old = report(
        stage(1, "ToImage"),
        stage(2, "ToPILImage", wrapped_fraction=0.25),
        findings=(finding("AUG202", 2), finding("AUG101", 2)),
    )
    new = report(stage(1, "ToImage"))
    first, removed = diff_reports(old, new).stages
    assert first.status == "same"
    assert (removed.status, removed.old_index, removed.new_index) == ("removed", 2, None)
    assert removed.metric("wrapped_fraction") == MetricChange("wrapped_fraction", 0.25, None)
    assert removed.findings.only_old == (finding("AUG202", 2), finding("AUG101", 2))
    assert removed.findings.only_new == () and removed.findings.in_both == ()


def test_float_noise_is_no_change_but_a_metric_measured_on_one_side_only_is() -> None:
    assert not MetricChange("psnr_vs_reference", 48.0, 48.0 * (1 + 1e-9)).changed
    assert not MetricChange("saturated_fraction", 0.0, 1e-9).changed  # within abs 1e-6
    assert MetricChange("saturated_fraction", 0.0, 1e-3).changed
    one_sided = MetricChange("ssim_vs_reference", None, 0.5)
    assert one_sided.changed and one_sided.delta is None
    noisy = diff_reports(
        report(stage(1, "Normalize", psnr_vs_reference=140.0)),
        report(stage(1, "Normalize", psnr_vs_reference=140.0 + 1e-7)),
    )
    assert [s.status for s in noisy.stages] == ["same"] and not noisy.changed


def test_a_non_finite_mean_counts_as_not_measured() -> None:
    diff = diff_reports(
        report(stage(1, "Odd", psnr_vs_reference=float("nan"))),
        report(stage(1, "Odd")),
    )
    (row,) = diff.stages
    assert row.metrics == () and row.status == "same"


def test_settings_that_differ_are_listed_old_and_new() -> None:
    old = report(stage(1, "ToImage"), seed=0, images=("a.png",))
    new = report(stage(1, "ToImage"), seed=1, images=("b.png", "a.png"))
    assert diff_reports(old, new).settings == (
        ("seed", 0, 1),
        ("images", ("a.png",), ("a.png", "b.png")),  # the images read, sorted
    )
