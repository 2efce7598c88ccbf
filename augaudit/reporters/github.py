"""GitHub Actions workflow commands: one annotation line per finding. Reports in, string out.

``::error file=configs/bad.yaml,line=8,title=AUG202::message (hint: ...)``, with severity
error -> ``error``, warning -> ``warning``, info -> ``notice``; ``line`` is the line of the
finding's stage in the spec and is left out when unknown. Escaping follows the runner's
rules (actions/toolkit ``packages/core/src/command.ts``): in the message ``%``, CR and LF
become ``%25``, ``%0D`` and ``%0A``; in properties ``:`` and ``,`` also become ``%3A`` and
``%2C``. After ``check --baseline``, each regression is an ``error`` titled
``baseline regression`` at the line of the stage that introduced it.
"""

from __future__ import annotations

from collections.abc import Sequence

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

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """Escape the message (the part after the second ``::``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (``file=``, ``title=``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _location(report: Report, line: int | None) -> list[str]:
    """``file=`` and ``line=`` properties: empty when the spec is no file."""
    file = spec_file(report.spec)
    if not file:
        return []
    return [f"file={escape_property(file)}"] + ([f"line={line}"] if line else [])


def regression_annotation(report: Report, change: Change) -> str:
    """The workflow command for one baseline regression."""
    props = [*_location(report, change_stage_line(report, change)), "title=baseline regression"]
    return f"::error {','.join(props)}::{escape_data(change_line(change))}"


def annotation(report: Report, finding: Finding) -> str:
    """The workflow command for one finding."""
    message = finding.message + (f" (hint: {finding.hint})" if finding.hint else "")
    location = _location(report, stage_line(report, finding))
    if not location:
        message = f"{report.spec}: {message}"  # no file to attach to: name the pipeline
    props = [*location, f"title={escape_property(finding.code)}"]
    return f"::{COMMAND[finding.severity]} {','.join(props)}::{escape_data(message)}"


def render(reports: Sequence[Report], options: RenderOptions = DEFAULT_OPTIONS) -> str:
    """One line per finding, then per baseline regression, of every report, in report order;
    empty when there is none."""
    lines = []
    for report in reports:
        lines += [annotation(report, f) for f in report.findings]
        gate = comparison_of(report)
        lines += [regression_annotation(report, c) for c in (gate.regressions if gate else ())]
    return "".join(line + "\n" for line in lines)
