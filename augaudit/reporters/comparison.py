"""A baseline comparison as plain text, for stderr after ``augaudit check --baseline``."""

from __future__ import annotations

from augaudit.model.comparison import Comparison
from augaudit.reporters.common import pipeline_lines, run_lines, verdict_line


def render_comparison(comparison: Comparison) -> str:
    """The comparison as text: regressions, improvements, structure, what was not gated."""
    lines = [*pipeline_lines(comparison), *run_lines(comparison), verdict_line(comparison)]
    return "\n".join(lines) + "\n"
