"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers. Reports in, string out.

One run for all the audited pipelines: ``tool.driver`` is augaudit with a rule for every
check that ran (and any other code a finding carries); each finding is a result located
at its spec file (relative URI, forward slashes) and, when known, its stage's line. After
``check --baseline``, each regression is an ``error`` result of rule ``baseline-regression``,
located at the stage that introduced it.
Deterministic: sorted keys, no timestamps, no absolute paths.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from augaudit._version import __version__
from augaudit.checks.registry import Check, all_checks
from augaudit.model import Finding, Report
from augaudit.model.comparison import Change
from augaudit.reporters.common import (
    DEFAULT_OPTIONS,
    RenderOptions,
    change_line,
    change_stage_line,
    comparison_of,
    spec_file,
    stage_line,
)

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
BASELINE_RULE = {
    "id": "baseline-regression",
    "name": "baseline regression",
    "shortDescription": {
        "text": "the pipeline got worse than the baseline it is checked against "
        "(augaudit check --baseline)"
    },
    "help": {"text": "fix the change, or regenerate the baseline with `augaudit baseline`"},
    "defaultConfiguration": {"level": "error"},
}


def _text(text: str) -> dict[str, str]:
    return {"text": text}


def _rule(code: str, check: Check | None, thresholds: dict[str, float]) -> dict[str, Any]:
    if check is None:  # a code outside the registry: id only
        return {"id": code, "name": code, "shortDescription": _text(code)}
    rule: dict[str, Any] = {
        "id": code,
        "name": check.name,
        "shortDescription": _text(check.summary_for(thresholds)),
        "help": _text(check.hint),
        "defaultConfiguration": {"level": LEVEL[check.severity]},
    }
    if check.doc:
        rule["fullDescription"] = _text(check.doc)
    return rule


def _uri(path: str) -> str:
    """A relative URI reference: percent-encoded, ``/`` kept (``a b.yaml`` -> ``a%20b.yaml``)."""
    return quote(path, safe="/")


def _locations(report: Report, line: int | None) -> list[dict[str, Any]]:
    file = spec_file(report.spec)
    if file:
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(file)}}
        if line:
            physical["region"] = {"startLine": line}
        return [{"physicalLocation": physical}]
    # an import path: a logical location names it
    return [{"logicalLocations": [{"fullyQualifiedName": report.spec, "kind": "module"}]}]


def _regression(report: Report, change: Change, rule_index: int) -> dict[str, Any]:
    return {
        "ruleId": BASELINE_RULE["id"],
        "ruleIndex": rule_index,
        "level": "error",
        "message": _text(change_line(change)),
        "properties": {
            "pipeline": change.pipeline,
            "stage": change.stage,
            "metric": change.metric,
            "code": change.code,
            "before": change.old,
            "after": change.new,
            "limit": change.limit,
        },
        "locations": _locations(report, change_stage_line(report, change)),
    }


def _result(report: Report, finding: Finding, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": LEVEL[finding.severity],
        "message": _text(finding.message),
        "properties": {
            "pipeline": report.spec,
            "stage": finding.stage,
            "hint": finding.hint,
            "images": list(finding.images),
        },
    }
    result["locations"] = _locations(report, stage_line(report, finding))
    return result


def to_dict(reports: Sequence[Report]) -> dict[str, Any]:
    """The SARIF log as plain data."""
    checks = {c.code: c for c in all_checks()}
    codes = sorted(
        {code for r in reports for code in r.checks} | {f.code for r in reports for f in r.findings}
    )
    index = {code: i for i, code in enumerate(codes)}
    version = reports[0].augaudit_version if reports else __version__
    thresholds = dict(reports[0].settings.thresholds) if reports else {}
    rules = [_rule(code, checks.get(code), thresholds) for code in codes]
    results = [_result(r, f, index[f.code]) for r in reports for f in r.findings]
    regressions = [
        (r, change) for r in reports if (gate := comparison_of(r)) for change in gate.regressions
    ]
    if regressions:  # after check --baseline: one more rule, last so the others keep their index
        rules.append(BASELINE_RULE)
        results += [_regression(r, change, len(codes)) for r, change in regressions]
    driver = {"name": "augaudit", "version": version, "semanticVersion": version, "rules": rules}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }


def render(reports: Sequence[Report], options: RenderOptions = DEFAULT_OPTIONS) -> str:
    return json.dumps(to_dict(reports), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
