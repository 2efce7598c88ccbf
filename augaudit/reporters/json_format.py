"""JSON output: the public, versioned schema (``schema_version``). Report in, string out.

Stable key order, no timestamps, no absolute paths, and no NaN/Infinity
(a value that is not finite is written as null), so golden files are stable.

After ``check --baseline``, each report has a ``baseline`` section (its pipeline's part of the
comparison) and the several-pipeline document one for the whole run (additive to schema 1).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from augaudit.model import Finding, ImageReport, Report, StageReport
from augaudit.model.comparison import Change, Comparison
from augaudit.reporters.common import DEFAULT_OPTIONS, RenderOptions, comparison_of, run_comparison


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _image(img: ImageReport) -> dict[str, Any]:
    return {
        "path": img.path,
        "status": img.status,
        "reason": img.reason,
        "mode": img.mode,
        "size": list(img.size) if img.size else None,
        "notes": list(img.notes),
    }


def _stage(stage: StageReport) -> dict[str, Any]:
    return {
        "index": stage.index,
        "name": stage.name,
        "repr": stage.repr,
        "line": stage.line,
        "kind": stage.kind,
        "output": {
            "types": [
                {
                    "label": t.label,
                    "kind": t.kind,
                    "class": t.cls,
                    "dtype": t.dtype,
                    "mode": t.mode,
                    "channels": t.channels,
                    "shape": list(t.shape) if t.shape else None,
                    "count": t.count,
                }
                for t in stage.outputs
            ],
            "changed": stage.type_changed,
            "convention": stage.convention.name if stage.convention else None,
        },
        "metrics": {k: (v.to_json() if v else None) for k, v in stage.metrics.items()},
        "errors": [
            {"image": e.image, "sample": e.sample, "message": e.message, "kind": e.kind}
            for e in stage.errors
        ],
        "notes": list(stage.notes),
    }


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "severity": f.severity,
        "stage": f.stage,
        "message": f.message,
        "hint": f.hint,
        "images": list(f.images),
    }


def _settings(report: Report) -> dict[str, Any]:
    s = report.settings
    out: dict[str, Any] = {"seed": s.seed, "samples": s.samples, "input": s.input, "mode": s.mode}
    if s.max_images is not None:
        out["max_images"] = s.max_images
        out["images_found"] = report.images_found
    return out


def _change(c: Change) -> dict[str, Any]:
    return {
        "pipeline": c.pipeline,
        "stage": c.stage,
        "name": c.name,
        "stage_status": c.stage_status or None,
        "final_stage": c.final,
        "what": c.what,
        "metric": c.metric,
        "code": c.code,
        "before": c.old,
        "after": c.new,
        "limit": c.limit,
        "detail": c.detail or None,
    }


def comparison_to_dict(c: Comparison) -> dict[str, Any]:
    """A baseline comparison as the JSON report's ``baseline`` section."""
    return _clean(
        {
            "exit_code": c.exit_code,
            "regressions": [_change(x) for x in c.regressions],
            "improvements": [_change(x) for x in c.improvements],
            "stage_changes": [
                {"pipeline": s.pipeline, "status": s.status, "index": s.index, "name": s.name}
                for s in c.stage_changes
            ],
            "compared": list(c.compared),
            "new_pipelines": list(c.new_pipelines),
            "missing_pipelines": list(c.missing_pipelines),
            "notes": list(c.notes),
        }
    )


def report_to_dict(report: Report) -> dict[str, Any]:
    out = _report_dict(report)
    gate = comparison_of(report)
    if gate is not None:  # check --baseline; placed before the summary, which counts it
        summary = out.pop("summary")
        out["baseline"] = comparison_to_dict(gate)
        out["summary"] = summary
    return out


def _report_dict(report: Report) -> dict[str, Any]:
    return _clean(
        {
            "schema_version": report.schema_version,
            "augaudit_version": report.augaudit_version,
            "spec": report.spec,
            "settings": _settings(report),
            "partial": report.partial,
            "images": [_image(i) for i in report.images],
            "stages": [_stage(st) for st in report.stages],
            "findings": [_finding(f) for f in report.findings],
            "summary": {
                "errors": report.summary.errors,
                "warnings": report.summary.warnings,
                "infos": report.summary.infos,
                "exit_code": report.summary.exit_code,
            },
        }
    )


def render(reports: Sequence[Report], options: RenderOptions = DEFAULT_OPTIONS) -> str:
    """One pipeline's report; several (``augaudit check``) in one document with a total."""
    if len(reports) == 1:
        return json.dumps(report_to_dict(reports[0]), indent=2, allow_nan=False) + "\n"
    return _render_many(reports)


def _render_many(reports: Sequence[Report]) -> str:
    from augaudit.model import SCHEMA_VERSION

    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "augaudit_version": reports[0].augaudit_version if reports else None,
        "pipelines": [report_to_dict(r) for r in reports],
    }
    gate = run_comparison(reports)
    if gate is not None:
        doc["baseline"] = comparison_to_dict(gate)
    doc["summary"] = {
        "errors": sum(r.summary.errors for r in reports),
        "warnings": sum(r.summary.warnings for r in reports),
        "infos": sum(r.summary.infos for r in reports),
        "exit_code": max((r.summary.exit_code for r in reports), default=0),
    }
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"
