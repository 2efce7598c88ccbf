"""JSON output: the public, versioned schema (``schema_version``). Report in, string out.

Stable key order, no timestamps, no absolute paths, and no NaN/Infinity
(a value that is not finite is written as null), so golden files are stable.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from augaudit.model import Finding, ImageReport, Report, StageReport


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
            "convention": stage.convention,
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


def report_to_dict(report: Report) -> dict[str, Any]:
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


def render(report: Report) -> str:
    return json.dumps(report_to_dict(report), indent=2, allow_nan=False) + "\n"


def render_many(reports: Sequence[Report]) -> str:
    """Several pipelines (``augaudit check``): each report as above, plus a total summary."""
    from augaudit.model import SCHEMA_VERSION

    items = [report_to_dict(r) for r in reports]
    return (
        json.dumps(
            {
                "schema_version": SCHEMA_VERSION,
                "augaudit_version": reports[0].augaudit_version if reports else None,
                "pipelines": items,
                "summary": {
                    "errors": sum(r.summary.errors for r in reports),
                    "warnings": sum(r.summary.warnings for r in reports),
                    "infos": sum(r.summary.infos for r in reports),
                    "exit_code": max((r.summary.exit_code for r in reports), default=0),
                },
            },
            indent=2,
            allow_nan=False,
        )
        + "\n"
    )
