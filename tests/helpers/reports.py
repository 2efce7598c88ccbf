"""Reports built by hand, for reporters that need no audit to run."""

from __future__ import annotations

import dataclasses

from augaudit.model import Report, Settings, StageReport, Summary
from augaudit.model.visuals import SampleVisuals

NAMES = ("ToImage", "RandomRotation", "RandomResizedCrop", "ColorJitter", "ToDtype", "Normalize")


def report_with(visuals: tuple[SampleVisuals, ...], names=NAMES) -> Report:
    """A report with one geometric stage per name, no findings, and ``visuals``."""
    stages = tuple(
        StageReport(i + 1, n, f"{n}()", None, "geometric", (), False, None, None, {})
        for i, n in enumerate(names)
    )
    base = Report(
        spec="configs/x.yaml",
        settings=Settings(seed=0, samples=1, input="pil", mode="rgb"),
        images=(),
        stages=stages,
        findings=(),
        summary=Summary(0, 0, 0, 0),
        augaudit_version="0.1.0",
    )
    return dataclasses.replace(base, visuals=visuals)
