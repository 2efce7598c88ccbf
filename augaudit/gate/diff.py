"""Two reports side by side: stages aligned, metric means old vs new, findings compared.

Stages are paired by index when both pipelines have the same stage names, else by name with
:class:`difflib.SequenceMatcher`, so an inserted stage shows as added and the stages after it
stay paired with their counterparts. Findings are matched by code within a row. Data only:
:mod:`augaudit.reporters.diff_text` renders it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Literal

from augaudit.model import METRIC_KEYS, Finding, Report, StageReport, Stat

StageStatus = Literal["same", "changed", "added", "removed"]
Pair = tuple[int | None, int | None]  # 0-based positions in the old and the new stage list

# Metric values equal to this precision count as unchanged (float noise between runs).
_CLOSE = {"rel_tol": 1e-6, "abs_tol": 1e-6}


def align(old: Sequence[str], new: Sequence[str]) -> list[Pair]:
    """Pair two lists of stage names: by index when equal, else by name.

    Returns ``(old_position, new_position)`` pairs in pipeline order, 0-based; a stage only in
    the new list is ``(None, j)``, one only in the old list ``(i, None)``. A replaced block
    lists its removed stages before its added ones.
    """
    if list(old) == list(new):
        return [(i, i) for i in range(len(old))]
    pairs: list[Pair] = []
    matcher = SequenceMatcher(a=list(old), b=list(new), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs.extend(zip(range(i1, i2), range(j1, j2), strict=True))
        else:
            pairs.extend((i, None) for i in range(i1, i2))
            pairs.extend((None, j) for j in range(j1, j2))
    return pairs


def introduced(
    pairs: Sequence[Pair], old: Sequence[float | None], new: Sequence[float | None], sign: int
) -> Pair:
    """Where along aligned stages a metric's difference was introduced.

    ``old``/``new`` hold a cumulative metric per stage (None: not measured, the previous value
    carries over). The difference new - old carries from stage to stage; the pair where it
    moves most in the direction of ``sign`` (+1 up, -1 down) is returned, ``(None, None)`` when
    nothing was measured.
    """
    a: float | None = None
    b: float | None = None
    previous, best_step = 0.0, -math.inf
    best: Pair = (None, None)
    for i, j in pairs:
        a = old[i] if i is not None and old[i] is not None else a
        b = new[j] if j is not None and new[j] is not None else b
        if a is None or b is None:
            continue
        step = sign * ((b - a) - previous)
        previous = b - a
        if step > best_step:
            best, best_step = (i, j), step
    return best


@dataclass(frozen=True)
class MetricChange:
    """One metric's mean at a stage, old and new (None: not measured on that side)."""

    key: str
    old: float | None
    new: float | None

    @property
    def changed(self) -> bool:
        if self.old is None or self.new is None:
            return (self.old is None) != (self.new is None)
        return not math.isclose(self.old, self.new, **_CLOSE)

    @property
    def delta(self) -> float | None:
        return None if self.old is None or self.new is None else self.new - self.old


@dataclass(frozen=True)
class FindingDiff:
    """Findings matched by code: only in the old report, only in the new one, in both."""

    only_old: tuple[Finding, ...] = ()
    only_new: tuple[Finding, ...] = ()
    in_both: tuple[str, ...] = ()  # codes

    @property
    def changed(self) -> bool:
        return bool(self.only_old or self.only_new)


@dataclass(frozen=True)
class StageDiff:
    old_index: int | None  # 1-based, None when the stage was added
    old_name: str | None
    new_index: int | None  # 1-based, None when the stage was removed
    new_name: str | None
    status: StageStatus
    metrics: tuple[MetricChange, ...]  # every metric measured on either side
    findings: FindingDiff

    def metric(self, key: str) -> MetricChange:
        for m in self.metrics:
            if m.key == key:
                return m
        return MetricChange(key, None, None)


@dataclass(frozen=True)
class ReportDiff:
    old_spec: str
    new_spec: str
    settings: tuple[tuple[str, Any, Any], ...]  # (name, old, new) of the settings that differ
    stages: tuple[StageDiff, ...]
    findings: FindingDiff  # pipeline-level findings (no stage)

    @property
    def changed(self) -> bool:
        return self.findings.changed or any(s.status != "same" for s in self.stages)


def _mean(stat: Stat | None) -> float | None:
    return stat.mean if stat is not None and math.isfinite(stat.mean) else None


def _findings(old: Sequence[Finding], new: Sequence[Finding]) -> FindingDiff:
    old_codes = {f.code for f in old}
    new_codes = {f.code for f in new}
    return FindingDiff(
        only_old=tuple(f for f in old if f.code not in new_codes),
        only_new=tuple(f for f in new if f.code not in old_codes),
        in_both=tuple(sorted(old_codes & new_codes)),
    )


def _stage_diff(
    old: StageReport | None, new: StageReport | None, old_f: list[Finding], new_f: list[Finding]
) -> StageDiff:
    metrics = []
    for key in METRIC_KEYS:
        a = _mean(old.metrics.get(key)) if old else None
        b = _mean(new.metrics.get(key)) if new else None
        if a is not None or b is not None:
            metrics.append(MetricChange(key, a, b))
    findings = _findings(old_f, new_f)
    status: StageStatus
    if old is None:
        status = "added"
    elif new is None:
        status = "removed"
    elif findings.changed or any(m.changed for m in metrics):
        status = "changed"
    else:
        status = "same"
    return StageDiff(
        old.index if old else None,
        old.name if old else None,
        new.index if new else None,
        new.name if new else None,
        status,
        tuple(metrics),
        findings,
    )


def _settings(old: Report, new: Report) -> tuple[tuple[str, Any, Any], ...]:
    def values(r: Report) -> dict[str, Any]:
        s = r.settings
        ok = tuple(sorted(i.path for i in r.images if i.status == "ok"))
        return {
            "seed": s.seed,
            "samples": s.samples,
            "input": s.input,
            "mode": s.mode,
            "images": ok,
        }

    a, b = values(old), values(new)
    return tuple((k, a[k], b[k]) for k in a if a[k] != b[k])


def diff_reports(old: Report, new: Report) -> ReportDiff:
    """Compare two reports stage by stage (typically two specs audited on the same images)."""
    pairs = align([s.name for s in old.stages], [s.name for s in new.stages])

    def at(report: Report, index: int | None) -> list[Finding]:
        return [f for f in report.findings if f.stage == index]

    rows = []
    for i, j in pairs:
        a = old.stages[i] if i is not None else None
        b = new.stages[j] if j is not None else None
        rows.append(_stage_diff(a, b, at(old, a.index) if a else [], at(new, b.index) if b else []))
    return ReportDiff(
        old.spec,
        new.spec,
        _settings(old, new),
        tuple(rows),
        _findings(at(old, None), at(new, None)),
    )
