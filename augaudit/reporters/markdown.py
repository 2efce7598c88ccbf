"""Markdown output: a compact summary for a pull-request comment or ``$GITHUB_STEP_SUMMARY``.

Reports in, string out. Per pipeline: a verdict line, a small stage table and the findings
(most severe first), then, after ``check --baseline``, its changes against the baseline
(the verdict counts them). The output never exceeds ``max_bytes`` (UTF-8): long texts are cut,
at most ``max_findings`` findings and ``max_stages`` stages are listed per pipeline, and
past the byte budget the rest is left out with a note saying what was left out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence

from augaudit.model import SEVERITY_RANK, Finding, Report, StageReport, Stat
from augaudit.model.comparison import Comparison
from augaudit.reporters.common import (
    DEFAULT_OPTIONS,
    RenderOptions,
    comparison_of,
    pipeline_lines,
    run_comparison,
    run_lines,
    verdict_line,
)

MAX_TEXT = 500  # characters of a message or hint
MAX_NAME = 120  # characters of a spec path, stage name or output label
MAX_OVERVIEW = 100  # rows of the overview table when several pipelines are audited

_ICON = {"error": ":x:", "warning": ":warning:", "info": ":information_source:"}
_ESCAPE = re.compile(r"([\\`*_\[\]<>|~&@#])")
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _cut(text: str, limit: int) -> str:
    text = _CONTROL.sub("\ufffd", _SPACE.sub(" ", text)).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _md(text: str, limit: int = MAX_TEXT) -> str:
    """Plain text made inert: one line, cut to ``limit``, markdown and HTML characters escaped."""
    return _ESCAPE.sub(r"\\\1", _cut(text, limit))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _counts(report: Report) -> str:
    s = report.summary
    return (
        f"{_plural(s.errors, 'error')}, {_plural(s.warnings, 'warning')}, "
        f"{_plural(s.infos, 'info')}"
    )


def _verdict(report: Report) -> str:
    if report.partial:
        return ":stop_sign: interrupted"
    return ":x: fail" if report.summary.exit_code else ":white_check_mark: pass"


def _status(report: Report) -> str:
    return "PARTIAL" if report.partial else "FAIL" if report.summary.exit_code else "pass"


def _pct(stat: Stat | None) -> str:
    if stat is None or math.isnan(stat.mean):
        return "-"
    return f"{100 * stat.mean:.2f}%"


def _db(stat: Stat | None) -> str:
    if stat is None or math.isnan(stat.mean):
        return "-"
    return "identical" if math.isinf(stat.mean) else f"{stat.mean:.1f} dB"


def _where(report: Report, finding: Finding) -> str:
    if finding.stage is None:
        return "pipeline"
    stage = next((st for st in report.stages if st.index == finding.stage), None)
    if stage is None:
        return f"stage {finding.stage}"
    line = f", line {stage.line}" if stage.line else ""
    return f"stage {stage.index} ({_md(stage.name, MAX_NAME)}{line})"


def _stage_row(st: StageReport) -> str:
    outputs = ", ".join(t.label for t in st.outputs[:2])
    if len(st.outputs) > 2:
        outputs += f" (+{len(st.outputs) - 2})"
    if st.errors:
        outputs += f" ({_plural(len(st.errors), 'error')})"
    m = st.metrics
    return (
        f"| {st.index} | {_md(st.name, MAX_NAME)} | {_md(outputs, MAX_NAME) or '-'} "
        f"| {_pct(m.get('border_fill_fraction'))} | {_db(m.get('psnr_vs_reference'))} |"
    )


def _finding_lines(report: Report, finding: Finding) -> Iterator[str]:
    line = (
        f"- {_ICON[finding.severity]} **{_md(finding.code, 20)}** {finding.severity}, "
        f"{_where(report, finding)}: {_md(finding.message)}"
    )
    if not finding.hint:
        yield line
        return
    yield line + "\\"  # a hard line break before the hint
    yield f"  hint: {_md(finding.hint)}"


def _left_out(findings: Sequence[Finding]) -> str:
    counts = {sev: sum(f.severity == sev for f in findings) for sev in SEVERITY_RANK}
    parts = [_plural(n, sev) for sev, n in counts.items() if n][::-1]
    return f"- _{_plural(len(findings), 'more finding')} not shown ({', '.join(parts)})_"


def _baseline(gate: Comparison, *, whole: bool) -> Iterator[str]:
    """The pipeline's changes against the baseline; ``whole``: the run's notes and verdict too."""
    lines = pipeline_lines(gate) + (run_lines(gate) if whole else [])
    if not lines and not whole:
        return
    yield f"**Baseline** ({_plural(len(gate.regressions), 'regression')}):"
    yield ""
    for i, line in enumerate(lines):  # the regressions come first
        yield f"- {':x: ' if i < len(gate.regressions) else ''}{_md(line)}"
    if whole:
        yield f"- {_md(verdict_line(gate))}"
    yield ""


def _pipeline(
    report: Report, heading: str, max_findings: int, max_stages: int, *, whole: bool = True
) -> Iterator[str]:
    s = report.settings
    yield f"{heading} {_verdict(report)}: {_md(report.spec, MAX_NAME)}"
    yield ""
    if report.images:
        ok = sum(i.status == "ok" for i in report.images)
        run = (
            f"{ok} of {_plural(len(report.images), 'image')}, {_plural(s.samples, 'sample')} "
            f"each, seed {s.seed}, input {_md(s.input, 20)}"
        )
    else:
        run = "spec checks only, no images"
    gate = comparison_of(report)
    regressions = (
        "" if gate is None else f", {_plural(len(gate.regressions), 'baseline regression')}"
    )
    yield (
        f"**{_status(report)}**: {_counts(report)}{regressions} "
        f"(fail-on {_md(s.fail_on, 20)}); {run}; "
        f"{_plural(len(report.checks), 'check')} ran"
    )
    yield ""
    if report.partial:
        yield "_Interrupted: only the images counted above were audited._"
        yield ""
    if report.stages:
        yield "| # | stage | output | fill (mean) | PSNR vs reference (mean) |"
        yield "|--:|---|---|--:|--:|"
        yield from (_stage_row(st) for st in report.stages[:max_stages])
        if len(report.stages) > max_stages:
            yield f"| | _{len(report.stages) - max_stages} more stages not shown_ | | | |"
        yield ""
    if gate is not None:
        yield from _baseline(gate, whole=whole)
    if not report.findings:
        yield "No findings."
        yield ""
        return
    ordered = sorted(report.findings, key=lambda f: -SEVERITY_RANK[f.severity])
    yield f"**Findings** ({len(ordered)}):"
    yield ""
    for finding in ordered[:max_findings]:
        yield from _finding_lines(report, finding)
    if len(ordered) > max_findings:
        yield _left_out(ordered[max_findings:])
    yield ""


def render(reports: Sequence[Report], options: RenderOptions = DEFAULT_OPTIONS) -> str:
    """The markdown summary of one or more audits, at most ``options.max_bytes`` bytes in UTF-8.

    ``max_bytes=65536`` fits a pull-request comment; it must be at least 4096.
    """
    if options.max_bytes < 4096:
        raise ValueError("max_bytes must be at least 4096")
    lines = _lines(reports, options.max_findings, options.max_stages)
    return _fit(lines, reports, options.max_bytes)


def _lines(
    reports: Sequence[Report], max_findings: int, max_stages: int
) -> Iterator[tuple[int, str]]:
    """Every line, tagged with the index of its pipeline (-1 for the overview)."""
    if len(reports) == 1:
        lines = _pipeline(reports[0], "## augaudit", max_findings, max_stages)
        yield from ((0, line) for line in lines)
        return
    failed = sum(r.summary.exit_code != 0 for r in reports)
    verdict = f"{failed} of {len(reports)} failed" if failed else "all passed"
    yield -1, f"## augaudit: {_plural(len(reports), 'pipeline')}, {verdict}"
    yield -1, ""
    if reports:
        yield -1, "| pipeline | verdict | errors | warnings | infos |"
        yield -1, "|---|---|--:|--:|--:|"
        for r in reports[:MAX_OVERVIEW]:
            s = r.summary
            counts = f"{s.errors} | {s.warnings} | {s.infos}"
            yield -1, f"| {_md(r.spec, MAX_NAME)} | {_verdict(r)} | {counts} |"
        if len(reports) > MAX_OVERVIEW:
            yield -1, f"| _{len(reports) - MAX_OVERVIEW} more pipelines not listed_ | | | | |"
        yield -1, ""
    gate = run_comparison(reports)
    if gate is not None:
        yield -1, f"**Baseline**: {_md(verdict_line(gate))}"
        yield -1, ""
        if notes := run_lines(gate):
            yield from ((-1, f"- {_md(line)}") for line in notes)
            yield -1, ""
    for index, report in enumerate(reports):
        lines = _pipeline(report, "###", max_findings, max_stages, whole=False)
        yield from ((index, line) for line in lines)


def _fit(lines: Iterator[tuple[int, str]], reports: Sequence[Report], max_bytes: int) -> str:
    """Whole lines up to the byte budget, then a note on what was left out."""
    budget = max_bytes - 2048  # room for the note
    out: list[str] = []
    size = 0
    for index, line in lines:
        cost = len(line.encode("utf-8")) + 1
        if size + cost > budget:
            return "\n".join([*out, "", _truncation_note(reports, index, max_bytes)])
        out.append(line)
        size += cost
    return "\n".join(out).rstrip("\n") + "\n"


def _truncation_note(reports: Sequence[Report], index: int, max_bytes: int) -> str:
    """What the cut at pipeline ``index`` (-1: in the overview) left out."""
    what = []
    if index >= 0:
        what.append(f"the rest of {_md(reports[index].spec, MAX_NAME)}")
    if len(reports) - index - 1:
        what.append(_plural(len(reports) - index - 1, "more pipeline"))
    return (
        f"_Summary cut to stay under {max_bytes} bytes: {' and '.join(what)} not shown. "
        "The JSON report has everything._\n"
    )
