"""The HTML report: one self-contained file with the stage table, charts and the picture grid."""

from __future__ import annotations

from collections.abc import Sequence

from augaudit.model import Report
from augaudit.reporters.common import DEFAULT_OPTIONS, RenderOptions
from augaudit.reporters.html.page import render_html


def render(reports: Sequence[Report], options: RenderOptions = DEFAULT_OPTIONS) -> str:
    """The HTML page of the first report (the one a visual run audits)."""
    return render_html(reports[0], max_images=options.max_images)


__all__ = ["render", "render_html"]
