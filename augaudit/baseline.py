"""Baselines: a small, stable record of audited pipelines, and the regression gate against it.

Per pipeline (keyed by the spec as reports show it) a baseline keeps the settings that make two
runs comparable, per stage the metric means (plus border-fill max and PSNR min) rounded so float
noise does not churn the file, and the findings as ``[code, stage]`` pairs. No timestamps, no
absolute paths. :func:`compare` gates on the final output and on new finding codes, and names
the stage that introduced each change. Pure data: no torch, no printing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from augaudit import __version__
from augaudit.diff import align, introduced
from augaudit.errors import AugauditError, InputError
from augaudit.model import METRIC_KEYS, Report, StageReport

BASELINE_FORMAT = 1
SETTINGS_KEYS: tuple[str, ...] = ("seed", "samples", "input", "mode", "images")
# Extremes kept besides the means, stored as "<metric>.max" / "<metric>.min".
EXTREMES: dict[str, str] = {"border_fill_fraction": "max", "psnr_vs_reference": "min"}
_REGENERATE = "regenerate it with `augaudit baseline`"


def round_metric(key: str, value: float) -> float | None:
    """A value as baselines store it: PSNR to 0.001 dB, fractions and SSIM to 1e-6; None if
    not finite (not written)."""
    if not math.isfinite(value):
        return None
    return round(value, 3 if key.startswith("psnr") else 6) + 0.0  # + 0.0: never "-0.0"


def _stage_entry(stage: StageReport) -> dict[str, Any]:
    metrics: dict[str, float] = {}
    for key in METRIC_KEYS:
        stat = stage.metrics.get(key)
        if stat is None:
            continue
        values = {key: stat.mean}
        if key in EXTREMES:
            values[f"{key}.{EXTREMES[key]}"] = getattr(stat, EXTREMES[key])
        for name, value in values.items():
            if (rounded := round_metric(key, value)) is not None:
                metrics[name] = rounded
    return {"index": stage.index, "name": stage.name, "metrics": metrics}


def pipeline_entry(report: Report) -> dict[str, Any]:
    """One pipeline's entry, as :func:`make_baseline` stores it under the spec."""
    s = report.settings
    images = sorted(i.path for i in report.images if i.status == "ok")
    pairs = sorted({(f.code, f.stage) for f in report.findings}, key=lambda p: (p[1] or 0, p[0]))
    settings = {"seed": s.seed, "samples": s.samples, "input": s.input, "mode": s.mode}
    return {
        "settings": {**settings, "images": images},
        "stages": [_stage_entry(st) for st in report.stages],
        "findings": [list(p) for p in pairs],
    }


def _by_spec(reports: Sequence[Report]) -> dict[str, Report]:
    specs: dict[str, Report] = {}
    for report in reports:
        if report.spec in specs:
            raise InputError("pipeline audited twice", where=report.spec, hint="name it once")
        specs[report.spec] = report
    return specs


def make_baseline(reports: Sequence[Report]) -> dict[str, Any]:
    """``{"augaudit_baseline": 1, "augaudit_version": ..., "pipelines": {spec: entry}}``.

    Raises :class:`InputError` on two reports of the same spec.
    """
    return {
        "augaudit_baseline": BASELINE_FORMAT,
        "augaudit_version": __version__,
        "pipelines": {spec: pipeline_entry(r) for spec, r in sorted(_by_spec(reports).items())},
    }


def dump_baseline(data: dict[str, Any]) -> str:
    """JSON text with sorted keys and a trailing newline: byte-identical for equal baselines."""
    return json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n"


def load_baseline(path: str | Path) -> dict[str, Any]:
    """Read and validate a baseline file.

    Raises :class:`AugauditError` (naming the file) when it is missing or unreadable, not
    JSON, of another format version, or malformed.
    """
    where = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AugauditError("baseline file not found", where=where, hint=_REGENERATE) from None
    except json.JSONDecodeError as exc:
        raise AugauditError(f"not valid JSON: {exc}", where=where, hint=_REGENERATE) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AugauditError(f"cannot read the baseline: {exc}", where=where) from None
    if not isinstance(data, dict) or "augaudit_baseline" not in data:
        raise AugauditError("not an augaudit baseline", where=where, hint=_REGENERATE)
    if (version := data["augaudit_baseline"]) != BASELINE_FORMAT:
        raise AugauditError(
            f"baseline format {version!r}, this augaudit reads format {BASELINE_FORMAT}",
            where=where,
            hint=_REGENERATE,
        )
    if problem := _malformed(data):
        raise AugauditError(f"malformed baseline: {problem}", where=where, hint=_REGENERATE)
    return data


def _malformed(data: dict[str, Any]) -> str | None:
    pipelines = data.get("pipelines")
    if not isinstance(pipelines, dict):
        return "no pipelines"
    for spec, entry in pipelines.items():
        entry = entry if isinstance(entry, dict) else {}
        settings, stages, findings = (entry.get(k) for k in ("settings", "stages", "findings"))
        if not isinstance(settings, dict) or set(SETTINGS_KEYS) - set(settings):
            return f"{spec}: settings need {', '.join(SETTINGS_KEYS)}"
        if not isinstance(settings["images"], list):
            return f"{spec}: settings.images must be a list of paths"
        if not isinstance(stages, list) or not all(_stage_ok(s) for s in stages):
            return f"{spec}: stages need an index, a name and numeric metrics"
        if not isinstance(findings, list) or not all(
            isinstance(f, list) and len(f) == 2 and isinstance(f[0], str) for f in findings
        ):
            return f"{spec}: findings must be [code, stage] pairs"
    return None


def _stage_ok(stage: Any) -> bool:
    return (
        isinstance(stage, dict)
        and isinstance(stage.get("index"), int)
        and isinstance(stage.get("name"), str)
        and isinstance(stage.get("metrics"), dict)
        and all(isinstance(v, (int, float)) for v in stage["metrics"].values())
    )


def baseline_settings(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per spec, the settings (seed, samples, input, mode, images) to audit it with."""
    return {spec: dict(entry["settings"]) for spec, entry in data["pipelines"].items()}


# ---------------------------------------------------------------------------- the gate


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


@dataclass(frozen=True)
class Change:
    """One change against the baseline.

    ``stage``/``name``: where it was introduced, a stage of the new run (of the baseline when
    ``stage_status`` is "removed" or "in the baseline"); None for a pipeline-level finding.
    For a metric, ``old``/``new`` are the final output's values (of the new run's stage
    ``final``); for a finding they are None and ``detail`` is its message when known.
    """

    pipeline: str
    stage: int | None
    name: str | None
    what: str  # "border fill mean", "fidelity PSNR", "new finding AUG301 (warning)", ...
    old: float | None
    new: float | None
    regression: bool
    limit: float | None = None
    metric: str | None = None
    stage_status: str = ""  # "added" | "removed" | "in the baseline" (index of the baseline) | ""
    final: int | None = None
    detail: str = ""

    @property
    def delta(self) -> float | None:
        return None if self.old is None or self.new is None else self.new - self.old


@dataclass(frozen=True)
class StageChange:
    pipeline: str
    status: str  # "added" (only in the new run) | "removed" (only in the baseline)
    index: int  # 1-based, in the run that has the stage
    name: str


@dataclass(frozen=True)
class Comparison:
    regressions: tuple[Change, ...] = ()
    improvements: tuple[Change, ...] = ()  # reported, never failing
    stage_changes: tuple[StageChange, ...] = ()
    new_pipelines: tuple[str, ...] = ()  # audited but not in the baseline: reported, not gated
    missing_pipelines: tuple[str, ...] = ()  # in the baseline but not audited this time
    compared: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return bool(self.regressions)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


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
            changes.append(Change(spec, f.stage, name, what, None, None, True, detail=f.message))
    for code, stage in old["findings"]:
        if code not in new_codes:
            new_codes.add(code)
            what, status = f"finding {code} gone", "in the baseline" if stage else ""
            changes.append(
                Change(
                    spec, stage, old_names.get(stage), what, None, None, False, stage_status=status
                )
            )
    return changes


def compare(
    baseline: dict[str, Any], reports: Sequence[Report], tolerances: Tolerances = Tolerances()
) -> Comparison:
    """Compare audits with a baseline (from :func:`load_baseline` or :func:`make_baseline`).

    Raises :class:`InputError` when a pipeline was audited with other settings (seed,
    samples, input, mode or images) than its baseline entry: its numbers are not comparable.
    Every such pipeline is named in the one-line message.
    """
    known = baseline["pipelines"]
    runs = _by_spec(reports)
    both = sorted(set(runs) & set(known))
    mismatches = [
        m for spec in both if (m := _settings_mismatch(spec, known[spec]["settings"], runs[spec]))
    ]
    if mismatches:
        raise InputError(
            "audited with other settings than the baseline, not comparable: "
            + "; ".join(mismatches),
            hint=f"audit with the settings of the baseline, or {_REGENERATE}",
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


def render_comparison(comparison: Comparison) -> str:
    """The comparison as plain text (:mod:`augaudit.reporters.baseline_text`)."""
    from augaudit.reporters.baseline_text import render_comparison as render

    return render(comparison)
