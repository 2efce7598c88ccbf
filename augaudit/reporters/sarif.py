"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers. Reports in, string out.

One run for all the audited pipelines: ``tool.driver`` is augaudit with a rule for every
check that ran (and any other code a finding carries); each finding is a result located
at its spec file (relative URI, forward slashes) and, when known, its stage's line.
Deterministic: sorted keys, no timestamps, no absolute paths.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from augaudit import __version__
from augaudit.checks.registry import Check, all_checks
from augaudit.model import Finding, Report
from augaudit.reporters.github import spec_file, stage_line

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _text(text: str) -> dict[str, str]:
    return {"text": text}


def _rule(code: str, check: Check | None) -> dict[str, Any]:
    if check is None:  # a code outside the registry: id only
        return {"id": code, "name": code, "shortDescription": _text(code)}
    rule: dict[str, Any] = {
        "id": code,
        "name": check.name,
        "shortDescription": _text(check.summary),
        "help": _text(check.hint),
        "defaultConfiguration": {"level": LEVEL[check.severity]},
    }
    if check.doc:
        rule["fullDescription"] = _text(check.doc)
    return rule


def _uri(path: str) -> str:
    """A relative URI reference: percent-encoded, ``/`` kept (``a b.yaml`` -> ``a%20b.yaml``)."""
    return quote(path, safe="/")


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
    file = spec_file(report.spec)
    if file:
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(file)}}
        line = stage_line(report, finding)
        if line:
            physical["region"] = {"startLine": line}
        result["locations"] = [{"physicalLocation": physical}]
    else:  # an import path: a logical location names it
        result["locations"] = [
            {"logicalLocations": [{"fullyQualifiedName": report.spec, "kind": "module"}]}
        ]
    return result


def to_dict(reports: Sequence[Report]) -> dict[str, Any]:
    """The SARIF log as plain data."""
    checks = {c.code: c for c in all_checks()}
    codes = sorted(
        {code for r in reports for code in r.checks} | {f.code for r in reports for f in r.findings}
    )
    index = {code: i for i, code in enumerate(codes)}
    version = reports[0].augaudit_version if reports else __version__
    driver = {
        "name": "augaudit",
        "version": version,
        "semanticVersion": version,
        "rules": [_rule(code, checks.get(code)) for code in codes],
    }
    results = [_result(r, f, index[f.code]) for r in reports for f in r.findings]
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }


def render(reports: Sequence[Report]) -> str:
    return json.dumps(to_dict(reports), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
