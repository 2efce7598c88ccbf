"""``augaudit diff`` as plain text: a side-by-side table, then the findings that differ."""

from __future__ import annotations

from typing import Any

from augaudit.gate.diff import FindingDiff, MetricChange, ReportDiff

# The columns render_diff shows: (metric, header, formatter).
_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("border_fill_fraction", "fill", "pct"),
    ("out_of_range_fraction", "out of range", "pct"),
    ("psnr_vs_reference", "PSNR vs ref", "db"),
    ("ssim_vs_reference", "SSIM vs ref", "ssim"),
)


def _fmt(value: float | None, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "pct":
        return f"{100 * value:.2f}%"
    if kind == "db":
        return f"{value:.1f}"
    return f"{value:.4f}"


def _cell(m: MetricChange, kind: str) -> str:
    a, b = _fmt(m.old, kind), _fmt(m.new, kind)
    if m.old is None or m.new is None:
        return b if m.old is None else a
    return a if a == b else f"{a} -> {b}"


def _stage_label(index: int | None, name: str | None) -> str:
    return "-" if index is None else f"{index} {name}"


def _codes(f: FindingDiff) -> str:
    parts = [f"+{c}" for c in sorted({x.code for x in f.only_new})]
    parts += [f"-{c}" for c in sorted({x.code for x in f.only_old})]
    parts += [f"={c}" for c in f.in_both]
    return " ".join(parts)


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def _settings_text(name: str, old: Any, new: Any) -> str:
    if name != "images":
        return f"{name} {old} -> {new}"
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    return "images " + " ".join([f"+{p}" for p in added] + [f"-{p}" for p in removed])


def render_diff(diff: ReportDiff) -> str:
    """The diff as a plain-text side-by-side table, then the findings that differ.

    Marks: ``+`` stage added, ``-`` removed, ``~`` changed. Metric cells show ``old -> new``
    when the value differs at the shown precision; finding codes are ``+`` new, ``-`` gone,
    ``=`` in both.
    """
    lines = [f"augaudit diff: {diff.old_spec} -> {diff.new_spec}"]
    if diff.settings:
        text = "; ".join(_settings_text(*s) for s in diff.settings)
        lines.append(f"settings differ ({text}): metrics are not comparable")
    marks = {"same": " ", "changed": "~", "added": "+", "removed": "-"}
    rows = [["", "old stage", "new stage", *(h for _, h, _ in _COLUMNS), "findings"]]
    for s in diff.stages:
        rows.append(
            [
                marks[s.status],
                _stage_label(s.old_index, s.old_name),
                _stage_label(s.new_index, s.new_name),
                *(_cell(s.metric(key), kind) for key, _, kind in _COLUMNS),
                _codes(s.findings),
            ]
        )
    lines.extend(_table(rows))
    if diff.findings.only_new or diff.findings.only_old or diff.findings.in_both:
        lines.append(f"pipeline findings: {_codes(diff.findings)}")
    details = [(f, "+") for s in diff.stages for f in s.findings.only_new]
    details += [(f, "-") for s in diff.stages for f in s.findings.only_old]
    details += [(f, "+") for f in diff.findings.only_new]
    details += [(f, "-") for f in diff.findings.only_old]
    if details:
        lines.append("")
    for f, mark in details:
        where = f"stage {f.stage}" if f.stage else "pipeline"
        side = "new" if mark == "+" else "old"
        lines.append(f"{mark} {f.code} {f.severity} [{side} {where}] {f.message}")
    counts = {k: sum(s.status == k for s in diff.stages) for k in ("added", "removed", "changed")}
    lines.append("")
    lines.append(
        "no difference"
        if not diff.changed
        else ", ".join(f"{n} {'stage' if n == 1 else 'stages'} {k}" for k, n in counts.items() if n)
        or "pipeline findings differ"
    )
    return "\n".join(lines) + "\n"
