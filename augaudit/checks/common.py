"""Helpers shared by the check modules: building findings, formatting numbers."""

from __future__ import annotations

from collections.abc import Iterable

from augaudit.checks.registry import REGISTRY
from augaudit.model import Finding, StageReport


def finding(
    code: str, stage: StageReport | None, message: str, images: Iterable[str] = ()
) -> Finding:
    """A finding of check ``code`` with its registered severity and hint."""
    check = REGISTRY[code]
    return Finding(
        code, check.severity, stage.index if stage else None, message, check.hint, tuple(images)
    )


def pct(value: float) -> str:
    return f"{100 * value:.2f}%"


def name_images(images: Iterable[str], limit: int = 3) -> str:
    """``a.png, b.png and 4 more`` for messages (findings list every image anyway)."""
    items = sorted(images)
    if len(items) <= limit:
        return ", ".join(items)
    return f"{', '.join(items[:limit])} and {len(items) - limit} more"
