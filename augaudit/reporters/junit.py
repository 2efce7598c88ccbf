"""JUnit XML output, for CI test-report views. Reports in, string out.

``<testsuites>`` holds one ``<testsuite name=SPEC>`` per pipeline and, in it, one
``<testcase classname=SPEC name="AUG202 wrap-around">`` per check that ran. A check fails
when it has a finding at or above the report's fail-on level (``settings.fail_on``; never
with ``never``): a ``<failure type=CODE>`` lists those findings with their hints. Findings
below fail-on go to the case's ``<system-out>``. After ``check --baseline``, each regression
of the pipeline is a failed case ``baseline: <what>`` (``type="baseline"``); a pipeline
without one has a passing ``baseline`` case (its improvements in ``<system-out>``), or a
skipped one when it is not in the baseline. So the failures match the exit code.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from augaudit.checks.registry import all_checks
from augaudit.model import SEVERITY_RANK, Finding, Report
from augaudit.model.comparison import Comparison
from augaudit.reporters.common import (
    DEFAULT_OPTIONS,
    RenderOptions,
    change_line,
    comparison_of,
    pipeline_lines,
)

# Characters XML 1.0 cannot hold, even escaped (control characters other than tab, LF, CR).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def failing(report: Report, finding: Finding) -> bool:
    """True when the finding reaches the report's fail-on level."""
    fail_on = report.settings.fail_on
    return fail_on in SEVERITY_RANK and SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[fail_on]


def _describe(report: Report, finding: Finding) -> str:
    where = "pipeline"
    if finding.stage is not None:
        stage = next((st for st in report.stages if st.index == finding.stage), None)
        where = f"stage {finding.stage}"
        if stage is not None:
            where += f" ({stage.name}" + (f", line {stage.line})" if stage.line else ")")
    text = f"[{finding.severity}] {where}: {finding.message}"
    if finding.hint:
        text += f"\n  hint: {finding.hint}"
    if finding.images:
        text += f"\n  images: {', '.join(finding.images)}"
    return text


def _testcase(report: Report, code: str, name: str) -> tuple[ET.Element, bool]:
    case = ET.Element("testcase", classname=_clean(report.spec), name=_clean(f"{code} {name}"))
    found = [f for f in report.findings if f.code == code]
    failed = [f for f in found if failing(report, f)]
    passed = [f for f in found if not failing(report, f)]
    if failed:
        first = failed[0].message
        message = first if len(failed) == 1 else f"{len(failed)} findings; first: {first}"
        failure = ET.SubElement(case, "failure", message=_clean(message), type=code)
        failure.text = _clean("\n".join(_describe(report, f) for f in failed))
    if passed:
        out = ET.SubElement(case, "system-out")
        out.text = _clean("\n".join(_describe(report, f) for f in passed))
    return case, bool(failed)


def _baseline_cases(report: Report, gate: Comparison) -> list[ET.Element]:
    """One failed case per regression; else one passing (or, not gated, skipped) case."""
    spec = _clean(report.spec)
    cases = []
    for change in gate.regressions:
        case = ET.Element("testcase", classname=spec, name=_clean(f"baseline: {change.what}"))
        line = _clean(change_line(change))
        ET.SubElement(case, "failure", message=line, type="baseline").text = line
        cases.append(case)
    if cases:
        return cases
    case = ET.Element("testcase", classname=spec, name="baseline")
    if gate.new_pipelines:
        ET.SubElement(case, "skipped", message="not in the baseline, not gated")
    elif lines := pipeline_lines(gate):
        ET.SubElement(case, "system-out").text = _clean("\n".join(lines))
    return [case]


def _testsuite(report: Report, names: dict[str, str]) -> ET.Element:
    codes = list(report.checks)
    codes += sorted({f.code for f in report.findings} - set(codes))  # should not happen
    suite = ET.Element("testsuite", name=_clean(report.spec))
    failures = 0
    for code in codes:
        case, failed = _testcase(report, code, names.get(code, code))
        suite.append(case)
        failures += failed
    gate = comparison_of(report)
    extra = _baseline_cases(report, gate) if gate is not None else []
    suite.extend(extra)
    failures += sum(case.find("failure") is not None for case in extra)
    skipped = sum(case.find("skipped") is not None for case in extra)
    suite.attrib.update(
        tests=str(len(codes) + len(extra)),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
    )
    return suite


def render(reports: Sequence[Report], options: RenderOptions = DEFAULT_OPTIONS) -> str:
    names = {c.code: c.name for c in all_checks()}
    root = ET.Element("testsuites", name="augaudit")
    for report in reports:
        root.append(_testsuite(report, names))
    tests = sum(int(s.attrib["tests"]) for s in root)
    failures = sum(int(s.attrib["failures"]) for s in root)
    skipped = sum(int(s.attrib["skipped"]) for s in root)
    root.attrib.update(tests=str(tests), failures=str(failures), errors="0", skipped=str(skipped))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
