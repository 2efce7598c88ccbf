"""The regression gate: a run's reports against a baseline (:mod:`augaudit.gate.baseline`).

:func:`compare` gates on the final output and on new finding codes, and names
the stage that introduced each change; :func:`with_verdict` hands the verdict
to every report format. Pure data: no torch, no printing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from augaudit._version import __version__
from augaudit.errors import InputError
from augaudit.gate.baseline import REGENERATE, SETTINGS_KEYS, by_spec, pipeline_entry
from augaudit.gate.diff import align, introduced
from augaudit.model import Report
from augaudit.model.comparison import Change, Comparison, StageChange


@dataclass(frozen=True)
class Tolerances:
    """How much the final output may get worse before it is a regression.

    Each limit is exclusive: a change of exactly the limit passes. A finding code the baseline
    did not have is always a regression.
    """

    fill_increase: float = 0.02  # border fill mean, a fraction of the image
    psnr_drop: float = 1.0  # fidelity PSNR (vs reference), dB
    ssim_drop: float = 0.005  # fidelity SSIM (vs reference)
    # PSNR at or above this is lossless for the gate: float32 chains sit above 110 dB and one
    # 8-bit rounding near 59 dB, so 175 -> 138 dB is float round-off, not a regression.
    psnr_lossless: float = 100.0


# Threshold names of the configuration -> Tolerances fields.
TOLERANCE_KEYS: dict[str, str] = {
    "baseline-fill-increase": "fill_increase",
    "baseline-psnr-drop": "psnr_drop",
    "baseline-ssim-drop": "ssim_drop",
}
# (metric, label, +1 when up is worse / -1 when down is worse, Tolerances field)
_GATES: tuple[tuple[str, str, int, str], ...] = (
    ("border_fill_fraction", "border fill mean", +1, "fill_increase"),
    ("psnr_vs_reference", "fidelity PSNR", -1, "psnr_drop"),
    ("ssim_vs_reference", "fidelity SSIM", -1, "ssim_drop"),
)


def tolerances_from(thresholds: Mapping[str, float]) -> Tolerances:
    """Tolerances from configured thresholds (``baseline-*`` names); others are ignored."""
    given = {field: float(thresholds[k]) for k, field in TOLERANCE_KEYS.items() if k in thresholds}
    return Tolerances(**given)


def _settings_mismatch(spec: str, old: dict[str, Any], report: Report) -> str | None:
    new = pipeline_entry(report)["settings"]
    parts = []
    for key in SETTINGS_KEYS:
        a, b = old.get(key), new[key]
        if key == "images" and sorted(a or []) != b:
            added, gone = sorted(set(b) - set(a or [])), sorted(set(a or []) - set(b))
            shown = [f"+{p}" for p in added[:3]] + [f"-{p}" for p in gone[:3]]
            more = len(added) + len(gone) - len(shown)
            parts.append("images " + " ".join(shown) + (f" and {more} more" if more else ""))
        elif key != "images" and a != b:
            parts.append(f"{key} {a} -> {b}")
    return f"{spec}: " + ", ".join(parts) if parts else None


def _compare_entry(
    spec: str, old: dict[str, Any], report: Report, tol: Tolerances
) -> tuple[list[Change], list[StageChange]]:
    o_st, n_st = old["stages"], pipeline_entry(report)["stages"]
    pairs = align([s["name"] for s in o_st], [s["name"] for s in n_st])
    structure = [
        StageChange(spec, "added", n_st[j]["index"], n_st[j]["name"])
        if i is None
        else StageChange(spec, "removed", o_st[i]["index"], o_st[i]["name"])
        for i, j in pairs
        if i is None or j is None
    ]
    changes: list[Change] = []
    for key, label, sign, limit_name in _GATES:
        limit = getattr(tol, limit_name)
        old_values = [st["metrics"].get(key) for st in o_st]
        new_values = [st["metrics"].get(key) for st in n_st]
        # The final output's value: of the last stage that measured the metric.
        a = next((v for v in reversed(old_values) if v is not None), None)
        last = next((k for k in reversed(range(len(n_st))) if new_values[k] is not None), None)
        if a is None or last is None:
            continue
        b = new_values[last]
        ceiling = tol.psnr_lossless if key == "psnr_vs_reference" else float("inf")
        worse = round(
            sign * (min(b, ceiling) - min(a, ceiling)), 9
        )  # rounded: a change of exactly the limit passes
        if abs(worse) <= limit:
            continue
        i, j = introduced(pairs, old_values, new_values, sign if worse > 0 else -sign)
        at = n_st[j] if j is not None else o_st[i] if i is not None else {}
        status = "" if not at else "added" if i is None else "removed" if j is None else ""
        final = n_st[last]["index"]
        where = (spec, at.get("index"), at.get("name"))
        changes.append(Change(*where, label, a, b, worse > 0, limit, key, status, final))
    return changes + _finding_changes(spec, old, report), structure


def _finding_changes(spec: str, old: dict[str, Any], new: Report) -> list[Change]:
    """Findings matched by code per pipeline: a new code is a regression, a gone one an
    improvement. By code, not (code, stage): a finding that only moved because a stage was
    inserted before it is neither."""
    old_codes = {code for code, _ in old["findings"]}
    new_codes = {f.code for f in new.findings}
    old_names = {s["index"]: s["name"] for s in old["stages"]}
    changes: list[Change] = []
    for f in new.findings:
        if f.code not in old_codes:
            old_codes.add(f.code)  # each new code once, at its first stage
            name = new.stages[f.stage - 1].name if f.stage else None
            what = f"new finding {f.code} ({f.severity})"
            changes.append(
                Change(spec, f.stage, name, what, None, None, True, detail=f.message, code=f.code)
            )
    for code, stage in old["findings"]:
        if code not in new_codes:
            new_codes.add(code)
            what, status = f"finding {code} gone", "in the baseline" if stage else ""
            changes.append(
                Change(
                    spec,
                    stage,
                    old_names.get(stage),
                    what,
                    None,
                    None,
                    False,
                    stage_status=status,
                    code=code,
                )
            )
    return changes


def compare(
    baseline: dict[str, Any], reports: Sequence[Report], tolerances: Tolerances = Tolerances()
) -> Comparison:
    """Compare audits with a baseline (from :func:`load_baseline` or :func:`make_baseline`).

    Raises :class:`InputError` when a pipeline was audited with other settings (seed,
    samples, input, mode or images) than its baseline entry: its numbers are not comparable.
    Every such pipeline is named in the one-line message. Also when the baseline has
    pipelines and names none of those audited: a gate that compares nothing is no pass.
    """
    known = baseline["pipelines"]
    runs = by_spec(reports)
    both = sorted(set(runs) & set(known))
    if runs and known and not both:
        raise InputError(
            f"the baseline names none of the audited pipelines ({', '.join(sorted(runs))}; it "
            f"has {', '.join(sorted(known))}): nothing would be compared",
            hint="run from the project (paths are relative to the configuration's folder), or "
            f"add the pipelines to the baseline: {REGENERATE}",
        )
    mismatches = [
        m for spec in both if (m := _settings_mismatch(spec, known[spec]["settings"], runs[spec]))
    ]
    if mismatches:
        raise InputError(
            "audited with other settings than the baseline, not comparable: "
            + "; ".join(mismatches),
            hint=f"audit with the settings of the baseline, or {REGENERATE}",
        )
    changes: list[Change] = []
    structure: list[StageChange] = []
    for spec in both:
        found, stages = _compare_entry(spec, known[spec], runs[spec], tolerances)
        changes += found
        structure += stages
    version = baseline.get("augaudit_version")
    notes = (
        [f"baseline made with augaudit {version}, this is {__version__}: measurements may differ"]
        if version != __version__
        else []
    )
    return Comparison(
        regressions=tuple(c for c in changes if c.regression),
        improvements=tuple(c for c in changes if not c.regression),
        stage_changes=tuple(structure),
        new_pipelines=tuple(sorted(set(runs) - set(known))),
        missing_pipelines=tuple(sorted(set(known) - set(runs))),
        compared=tuple(both),
        notes=tuple(notes),
    )


def with_verdict(reports: Sequence[Report], comparison: Comparison) -> list[Report]:
    """The reports carrying the comparison's verdict, for every report format to show it.

    Each report's ``baseline`` holds the whole comparison (reporters show
    ``comparison.of(report.spec)``), and a pipeline with a regression gets an exit code of at
    least 1, so its summary's exit code is the gate's.
    """
    out = []
    for report in reports:
        summary = report.summary
        if any(c.pipeline == report.spec for c in comparison.regressions):
            summary = replace(summary, exit_code=max(summary.exit_code, comparison.exit_code))
        out.append(replace(report, summary=summary, baseline=comparison))
    return out
