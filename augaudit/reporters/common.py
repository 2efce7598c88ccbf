"""Plain-text rendering of a baseline comparison (``augaudit check --baseline``). ASCII only.

One line per change, old and new side by side::

    configs/x.yaml stage 2 RandomRotation (added): border fill mean 0.000 -> 0.154
    (+0.154 > 0.02) REGRESSION

(on one line), then stages added or removed, pipelines not gated, and a verdict line.

``check --baseline`` attaches the comparison to its reports (:func:`augaudit.gate.compare.
with_verdict`); :func:`comparison_of` and :func:`run_comparison` read it back for the other
reporters, which show these same lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from augaudit.model import Finding, Report
from augaudit.model.comparison import Change, Comparison

_IMPORT = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*:[A-Za-z_][\w.]*")


@dataclass(frozen=True)
class RenderOptions:
    """How to render, for the formats each option concerns (the others ignore it).

    ``color``, ``ascii_only`` and ``width``: text on a terminal. ``max_bytes`` (at least
    4096; 65536 fits a pull-request comment), ``max_findings`` and ``max_stages``: the
    markdown summary. ``max_images``: the HTML report shows the first N images.
    """

    color: bool = False
    ascii_only: bool = False
    width: int = 140
    max_bytes: int = 1024 * 1024  # GitHub's limit for $GITHUB_STEP_SUMMARY
    max_findings: int = 50  # per pipeline
    max_stages: int = 60  # per pipeline
    max_images: int | None = None


DEFAULT_OPTIONS = RenderOptions()


# Decimals of the values of each gated metric, and its unit.
_FORMAT: dict[str, tuple[int, str]] = {
    "border_fill_fraction": (3, ""),
    "psnr_vs_reference": (2, " dB"),
    "ssim_vs_reference": (4, ""),
}


def _where(change: Change) -> str:
    if change.stage is None:
        return change.pipeline
    status = f" ({change.stage_status})" if change.stage_status else ""
    return f"{change.pipeline} stage {change.stage} {change.name}{status}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def change_line(change: Change) -> str:
    """One change as a line: where, what, old -> new, delta against the limit, verdict."""
    verdict = "REGRESSION" if change.regression else "improvement"
    if change.old is None or change.new is None or change.delta is None:
        text = f"{_where(change)}: {change.what}: {verdict}"
        return f"{text}: {change.detail}" if change.detail else text
    decimals, unit = _FORMAT.get(change.metric or "", (4, ""))
    values = f"{change.old:.{decimals}f} -> {change.new:.{decimals}f}{unit}"
    delta = f"{change.delta:+.4g}"
    if change.regression and change.limit is not None:
        up = change.delta > 0
        delta += f" > {change.limit:g}" if up else f" < -{change.limit:g}"
    text = f"{_where(change)}: {change.what} {values} ({delta}) {verdict}"
    moved = change.final != change.stage or change.stage_status in ("removed", "in the baseline")
    if change.final is not None and moved:
        text += f", at the final output (stage {change.final})"
    return text


def comparison_of(report: Report) -> Comparison | None:
    """The baseline comparison attached to the report, as its pipeline sees it; None when the
    run was not compared with a baseline."""
    whole = run_comparison([report])
    return whole.of(report.spec) if whole is not None else None


def run_comparison(reports: Sequence[Report]) -> Comparison | None:
    """The whole run's baseline comparison attached to the reports; None without one."""
    return next((r.baseline for r in reports if r.baseline is not None), None)


def pipeline_lines(comparison: Comparison) -> list[str]:
    """One line per change and per stage added or removed, and one per pipeline not gated."""
    c = comparison
    lines = [change_line(ch) for ch in (*c.regressions, *c.improvements)]
    for st in c.stage_changes:
        where = "in the new run" if st.status == "added" else "in the baseline"
        lines.append(f"{st.pipeline}: stage {st.index} {st.name} {st.status} ({where})")
    for spec in c.new_pipelines:
        lines.append(f"{spec}: not in the baseline, not gated (add it with `augaudit baseline`)")
    return lines


def run_lines(comparison: Comparison) -> list[str]:
    """What concerns the run rather than a pipeline: pipelines not audited, notes."""
    c = comparison
    lines = [f"{spec}: in the baseline but not audited this time" for spec in c.missing_pipelines]
    return lines + [f"note: {note}" for note in c.notes]


def verdict_line(comparison: Comparison) -> str:
    """``FAIL: 2 regressions, 0 improvements in 1 pipeline compared with the baseline``."""
    c = comparison
    counts = (
        f"{_plural(len(c.regressions), 'regression')}, "
        f"{_plural(len(c.improvements), 'improvement')} in "
        f"{_plural(len(c.compared), 'pipeline')} compared with the baseline"
    )
    return ("FAIL: " if c.failed else "baseline ok: ") + counts


def spec_file(spec: str) -> str | None:
    """The file a spec names, relative with forward slashes; None for an import path.

    ``configs/a.yaml`` -> itself; ``train.py:pipeline`` -> ``train.py``;
    ``package.module:attribute`` -> None (no file to point at).
    """
    path, sep, _ = spec.rpartition(":")
    if not (sep and path.endswith(".py")):
        if _IMPORT.fullmatch(spec):
            return None
        path = spec
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path or None


def _line_of(report: Report, stage: int | None) -> int | None:
    if stage is None:
        return None
    return next((st.line for st in report.stages if st.index == stage), None)


def stage_line(report: Report, finding: Finding) -> int | None:
    """The 1-based line of the finding's stage in the spec, when known."""
    return _line_of(report, finding.stage)


def change_stage_line(report: Report, change: Change) -> int | None:
    """The line of the new run's stage a baseline change is blamed on, when known."""
    if change.stage_status in ("removed", "in the baseline"):
        return None
    return _line_of(report, change.stage)
