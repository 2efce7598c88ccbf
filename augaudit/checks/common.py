"""Helpers shared by the check families: building findings, naming stages, formatting."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from augaudit.checks.context import CheckContext
from augaudit.knowledge import name
from augaudit.model import Finding, StageReport
from augaudit.model.codes import BY_CODE


def finding(
    code: str, stage: StageReport | None, message: str, images: Iterable[str] = ()
) -> Finding:
    """A finding of check ``code`` with its severity and hint from the code table."""
    info = BY_CODE[code]
    return Finding(
        code, info.severity, stage.index if stage else None, message, info.hint, tuple(images)
    )


def stage_at(ctx: CheckContext, index: int) -> StageReport:
    """The stage of a 1-based index."""
    return ctx.stages[index - 1]


def where(ctx: CheckContext, index: int, transform: Any) -> str:
    """``stage 3 (RandomRotation)``, or ``stage 3 (RandomApply: RandomRotation)`` inside."""
    stage = stage_at(ctx, index)
    inner = name(transform)
    # A wrapper's inner stage is named "RandomRotation (Preset.transforms[1])".
    named = inner == stage.name or stage.name.startswith(f"{inner} (")
    return ctx.label(stage) if named else f"stage {index} ({stage.name}: {inner})"


def pct(value: float) -> str:
    return f"{100 * value:.2f}%"


def name_images(images: Iterable[str], limit: int = 3) -> str:
    """``a.png, b.png and 4 more`` for messages (findings list every image anyway)."""
    items = sorted(images)
    if len(items) <= limit:
        return ", ".join(items)
    return f"{', '.join(items[:limit])} and {len(items) - limit} more"
