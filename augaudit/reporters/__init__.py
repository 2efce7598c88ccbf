"""Report formats: each a module whose ``render(reports, options)`` returns text or bytes.

The library returns :class:`~augaudit.model.Report` objects and never prints; a format
renders them. Formats are registered by name (``--format``, ``--html``, ``--grid``) and
imported only when used.

    >>> from augaudit.reporters import render
    >>> text = render("markdown", [report])  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Protocol

from augaudit.model import Report
from augaudit.reporters.common import DEFAULT_OPTIONS, RenderOptions

#: Name -> module. Every module has ``render(reports, options=RenderOptions())``.
REPORTERS: dict[str, str] = {
    "text": "augaudit.reporters.text",
    "json": "augaudit.reporters.json_format",
    "markdown": "augaudit.reporters.markdown",
    "github": "augaudit.reporters.github",
    "sarif": "augaudit.reporters.sarif",
    "junit": "augaudit.reporters.junit",
    "html": "augaudit.reporters.html",
    "grid": "augaudit.reporters.grid",
}
#: What ``--format`` takes: the formats written as a stream (html and grid are files).
FORMATS: tuple[str, ...] = ("text", "json", "markdown", "github", "sarif", "junit")


class Reporter(Protocol):
    def __call__(
        self, reports: Sequence[Report], options: RenderOptions = ..., /
    ) -> str | bytes: ...


def reporter(name: str) -> Reporter:
    """The render function of format ``name`` (KeyError for an unknown name)."""
    render_function: Reporter = importlib.import_module(REPORTERS[name]).render
    return render_function


def render(
    name: str, reports: Sequence[Report], options: RenderOptions | None = None
) -> str | bytes:
    """``reports`` in format ``name``."""
    return reporter(name)(reports, options or DEFAULT_OPTIONS)


__all__ = ["FORMATS", "REPORTERS", "RenderOptions", "Reporter", "render", "reporter"]
