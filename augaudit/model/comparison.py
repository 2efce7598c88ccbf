"""A run compared with its baseline (``augaudit check --baseline``): what got worse or better.

Computed by :mod:`augaudit.gate.compare`; every report format shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Change:
    """One change against the baseline.

    ``stage``/``name``: where it was introduced, a stage of the new run (of the baseline when
    ``stage_status`` is "removed" or "in the baseline"); None for a pipeline-level finding.
    For a metric, ``old``/``new`` are the final output's values (of the new run's stage
    ``final``); for a finding they are None and ``detail`` is its message when known.
    """

    pipeline: str
    stage: int | None
    name: str | None
    what: str  # "border fill mean", "fidelity PSNR", "new finding AUG301 (warning)", ...
    old: float | None
    new: float | None
    regression: bool
    limit: float | None = None
    metric: str | None = None
    stage_status: str = ""  # "added" | "removed" | "in the baseline" (index of the baseline) | ""
    final: int | None = None
    detail: str = ""
    code: str | None = None  # the finding's code, for a finding that appeared or went

    @property
    def delta(self) -> float | None:
        return None if self.old is None or self.new is None else self.new - self.old


@dataclass(frozen=True)
class StageChange:
    pipeline: str
    status: str  # "added" (only in the new run) | "removed" (only in the baseline)
    index: int  # 1-based, in the run that has the stage
    name: str


@dataclass(frozen=True)
class Comparison:
    regressions: tuple[Change, ...] = ()
    improvements: tuple[Change, ...] = ()  # reported, never failing
    stage_changes: tuple[StageChange, ...] = ()
    new_pipelines: tuple[str, ...] = ()  # audited but not in the baseline: reported, not gated
    missing_pipelines: tuple[str, ...] = ()  # in the baseline but not audited this time
    compared: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return bool(self.regressions)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def of(self, spec: str) -> Comparison:
        """The comparison as one pipeline sees it: its own changes, whether it was compared or
        is new, and the run-wide notes and missing pipelines."""
        return replace(
            self,
            regressions=tuple(c for c in self.regressions if c.pipeline == spec),
            improvements=tuple(c for c in self.improvements if c.pipeline == spec),
            stage_changes=tuple(s for s in self.stage_changes if s.pipeline == spec),
            new_pipelines=tuple(p for p in self.new_pipelines if p == spec),
            compared=tuple(p for p in self.compared if p == spec),
        )
