"""Baselines: a small, stable record of audited pipelines (the gate: :mod:`.compare`).

Per pipeline (keyed by the spec as reports show it) a baseline keeps the settings that make two
runs comparable, per stage the metric means (plus border-fill max and PSNR min) rounded so float
noise does not churn the file, and the findings as ``[code, stage]`` pairs. No timestamps, no
absolute paths. Pure data: no torch, no printing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from augaudit._version import __version__
from augaudit.errors import AugauditError, InputError
from augaudit.gate.baseline_check import parse, problem
from augaudit.model import METRIC_KEYS, Report, StageReport
from augaudit.spec.files import read_limited

BASELINE_FORMAT = 1
# A baseline keeps a few numbers per stage: 64 MB is thousands of pipelines.
MAX_BASELINE_BYTES = 64_000_000
SETTINGS_KEYS: tuple[str, ...] = ("seed", "samples", "input", "mode", "images")
# Extremes kept besides the means, stored as "<metric>.max" / "<metric>.min".
EXTREMES: dict[str, str] = {"border_fill_fraction": "max", "psnr_vs_reference": "min"}
REGENERATE = "regenerate it with `augaudit baseline`"


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


def by_spec(reports: Sequence[Report]) -> dict[str, Report]:
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
        "pipelines": {spec: pipeline_entry(r) for spec, r in sorted(by_spec(reports).items())},
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
        data = parse(read_limited(Path(path), MAX_BASELINE_BYTES).decode("utf-8"))
    except FileNotFoundError:
        raise AugauditError("baseline file not found", where=where, hint=REGENERATE) from None
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise AugauditError(f"cannot read the baseline: {why}", where=where) from None
    except (ValueError, RecursionError) as exc:  # bad JSON, NaN or Infinity, deep nesting
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise AugauditError(f"not valid JSON: {reason}", where=where, hint=REGENERATE) from None
    if not isinstance(data, dict) or "augaudit_baseline" not in data:
        raise AugauditError("not an augaudit baseline", where=where, hint=REGENERATE)
    version = data["augaudit_baseline"]
    if isinstance(version, bool) or version != BASELINE_FORMAT:
        raise AugauditError(
            f"baseline format {version!r}, this augaudit reads format {BASELINE_FORMAT}",
            where=where,
            hint=REGENERATE,
        )
    if found := problem(data):
        raise AugauditError(f"malformed baseline: {found}", where=where, hint=REGENERATE)
    return data
