"""Terminal output: a table with one row per stage, then the findings. Report in, string out."""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from augaudit.model import Report, Stat
from augaudit.reporters.common import DEFAULT_OPTIONS, RenderOptions, comparison_of, pipeline_lines

_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _pct(stat: Stat | None) -> str:
    if stat is None:
        return "-"
    if stat.max == 0:
        return "0"
    return f"{100 * stat.mean:.2f}% (max {100 * stat.max:.2f}%)"


def _fidelity(psnr: Stat | None, ssim: Stat | None) -> str:
    if psnr is None:
        return "-"
    text = f"{psnr.mean:.1f} dB (min {psnr.min:.1f})"
    if psnr.ci95 is not None:
        text += f" [95% CI {psnr.ci95[0]:.1f}..{psnr.ci95[1]:.1f}]"
    return f"{text} / {ssim.mean:.4f}" if ssim else text


def _header(report: Report) -> str:
    s = report.settings
    if s.samples == 0:  # `validate`: the spec alone, nothing run
        return (
            f"augaudit {report.augaudit_version}: {report.spec}  "
            f"(validated without images: static checks only, input {s.input})"
        )
    ok = sum(i.status == "ok" for i in report.images)
    drawn = ""
    if report.images_found is not None:
        drawn = f" drawn from {report.images_found} found (--max-images {s.max_images})"
    return (
        f"augaudit {report.augaudit_version}: {report.spec}  "
        f"({ok} of {len(report.images)} images{drawn}, {s.samples} samples each, seed {s.seed}, "
        f"input {s.input}, mode {s.mode})"
        + ("\nPARTIAL: interrupted; only the images listed were audited" if report.partial else "")
    )


def render(reports: Sequence[Report], options: RenderOptions = DEFAULT_OPTIONS) -> str:
    """One text report per pipeline, one after the other."""
    return "\n".join(
        render_report(r, color=options.color, width=options.width, ascii_only=options.ascii_only)
        for r in reports
    )


def render_report(
    report: Report, *, color: bool = False, width: int = 140, ascii_only: bool = False
) -> str:
    """The text report; ``ascii_only`` draws the table with ASCII for non-UTF-8 terminals."""
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, force_terminal=color, no_color=not color, highlight=False
    )
    console.print(_header(report))
    table = Table(show_lines=False, pad_edge=False, box=box.ASCII if ascii_only else box.HEAVY_HEAD)
    table.add_column("#", no_wrap=True)
    table.add_column("stage", no_wrap=True)
    for column in (
        "output",
        "range",
        "out of range",
        "fill",
        "vs reference (PSNR / SSIM)",
        "change",
    ):
        table.add_column(column, overflow="fold")
    for st in report.stages:
        m = st.metrics
        output = ", ".join(t.label for t in st.outputs[:2]) or "-"
        if st.type_changed:
            output = "* " + output
        if st.errors:
            output += f"  [{len(st.errors)} errors]"
        table.add_row(
            str(st.index),
            st.name,
            output,
            st.convention.name if st.convention else "-",
            _pct(m.get("out_of_range_fraction")),
            _pct(m.get("border_fill_fraction")),
            _fidelity(m.get("psnr_vs_reference"), m.get("ssim_vs_reference")),
            _fidelity(m.get("psnr_vs_input"), m.get("ssim_vs_input")),
        )
    console.print(table)
    console.print(
        "* output type changed at this stage; fill, out of range: mean (max) over samples"
    )
    for st in report.stages:
        stat = st.metrics.get("wrapped_fraction")
        if stat is None or stat.max == 0:
            continue
        console.print(f"stage {st.index} wrapped values: {_pct(st.metrics['wrapped_fraction'])}")
    skipped = [i for i in report.images if i.status == "skipped"]
    if report.findings:
        console.print()
    for f in report.findings:
        where = f"stage {f.stage}" if f.stage else "pipeline"
        line = Text()
        line.append(f"{f.code} {f.severity}", style=_SEVERITY_STYLE[f.severity])
        line.append(f" [{where}] {f.message}")
        console.print(line)
        console.print(Text(f"    hint: {f.hint}", style="dim"))
        if f.images and f.code != "AUG504":
            shown = ", ".join(f.images[:3]) + (
                f" and {len(f.images) - 3} more" if len(f.images) > 3 else ""
            )
            console.print(Text(f"    images: {shown}", style="dim"))
    gate = comparison_of(report)
    if gate is not None:  # check --baseline: this pipeline's changes against the baseline
        changes = pipeline_lines(gate)
        if changes:
            console.print()
        for change in changes:
            console.print(Text(f"baseline: {change}"))
    summary = report.summary
    console.print()
    verdict = "PARTIAL" if report.partial else "FAIL" if summary.exit_code else "ok"
    regressions = len(gate.regressions) if gate is not None else 0
    console.print(
        f"{verdict}: {summary.errors} errors, {summary.warnings} warnings, {summary.infos} infos"
        + (f"; {len(skipped)} images skipped" if skipped else "")
        + (f"; {regressions} baseline regressions" if gate is not None else "")
        + f" (fail-on {report.settings.fail_on}, exit {summary.exit_code})"
    )
    return buffer.getvalue()
