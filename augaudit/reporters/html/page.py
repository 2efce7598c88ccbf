"""HTML report: one self-contained file (images inline, no network) for a CI run.

Reports in, string out: a summary with the findings (each linking to its
stage), the stage table, per-stage charts (inline SVG), and a grid of every
image sample by stage with toggleable overlays (border fill, out of range,
wrapped, error against the reference twin). Every user string is escaped.
Deterministic: the same Report gives the same bytes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from html import escape

from augaudit.model import Finding, Report, StageReport, Stat
from augaudit.model.visuals import SampleVisuals, StageVisual
from augaudit.reporters.html.assets import CSP, CSS, JS
from augaudit.reporters.html.charts import charts_html
from augaudit.reporters.html.images import (
    BUDGET,
    FILL_RGB,
    OOR_RGB,
    WRAP_RGB,
    Cell,
    Plan,
    encode_cell,
    full_uri,
    full_uri_length,
    plan,
)

MAX_FINDING_IMAGES = 10


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _pct(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{100 * value:.2f}%"


def _db(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.1f} dB"


def _stat(stat: Stat | None, fmt: str) -> str:
    if stat is None:
        return "-"
    show = _pct if fmt == "%" else _db if fmt == "dB" else (lambda v: f"{v:.4f}")
    return f"{show(stat.mean)} <span class=muted>({show(stat.min)}..{show(stat.max)})</span>"


def _stage_name(report: Report, index: int | None) -> str:
    if index is None:
        return "pipeline"
    if index == 0:
        return "input"
    match = [s for s in report.stages if s.index == index]
    return f"{index} {match[0].name}" if match else str(index)


def _finding(report: Report, f: Finding) -> str:
    where = (
        f'<a href="#stage-{f.stage}">stage {_e(_stage_name(report, f.stage))}</a>'
        if f.stage is not None
        else "pipeline"
    )
    images = ""
    if f.images:
        shown = ", ".join(f"<code>{_e(i)}</code>" for i in f.images[:MAX_FINDING_IMAGES])
        more = len(f.images) - MAX_FINDING_IMAGES
        images = f"<div class=muted>images: {shown}{f' and {more} more' if more > 0 else ''}</div>"
    return (
        f'<li><span class="sev sev-{_e(f.severity)}">{_e(f.severity)}</span> '
        f"<b>{_e(f.code)}</b> [{where}] {_e(f.message)}"
        f"<div class=hint>{_e(f.hint)}</div>{images}</li>"
    )


def _summary(report: Report) -> str:
    s, st = report.summary, report.settings
    ok = sum(i.status == "ok" for i in report.images)
    verdict = (
        '<span class="verdict fail">fail</span>'
        if s.exit_code
        else ('<span class="verdict pass">pass</span>')
    )
    settings = {
        "pipeline": f"<code>{_e(report.spec)}</code>",
        "result": f"{verdict} {s.errors} errors, {s.warnings} warnings, {s.infos} infos "
        f"(fail-on {_e(st.fail_on)}, exit {s.exit_code})",
        "images": f"{ok} of {len(report.images)} read",
        "settings": f"{st.samples} samples each, seed {st.seed}, input {_e(st.input)}, "
        f"mode {_e(st.mode)}",
        "augaudit": _e(report.augaudit_version),
    }
    rows = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in settings.items())
    skipped = [i for i in report.images if i.status != "ok"]
    skip = "".join(f"<li><code>{_e(i.path)}</code>: {_e(i.reason or '')}</li>" for i in skipped)
    findings = "".join(_finding(report, f) for f in report.findings) or "<li>none</li>"
    return (
        f"<h1>augaudit report: {_e(report.spec)}</h1><dl class=settings>{rows}</dl>"
        + (f"<p>skipped images:</p><ul>{skip}</ul>" if skipped else "")
        + f"<h2>Findings</h2><ol class=findings>{findings}</ol>"
    )


def _convention(stage: StageReport) -> str:
    return stage.convention.name if stage.convention else ""


def _stage_row(stage: StageReport) -> str:
    m = stage.metrics
    outputs = ", ".join(_e(o.label) for o in stage.outputs) or "-"
    notes = "".join(f"<div class=muted>{_e(n)}</div>" for n in stage.notes)
    errors = "".join(
        f"<div class=sev-error>{_e(e.image)} sample {e.sample}: {_e(e.message)}</div>"
        for e in stage.errors
    )
    return (
        f'<tr id="stage-{stage.index}"><td>{stage.index}</td>'
        f'<td><a href="#col-{stage.index}">{_e(stage.name)}</a>'
        f"<div><code>{_e(stage.repr)}</code></div>{notes}{errors}</td>"
        f"<td>{outputs}<div class=muted>{_e(_convention(stage))}</div></td>"
        f"<td>{_stat(m.get('out_of_range_fraction'), '%')}</td>"
        f"<td>{_stat(m.get('wrapped_fraction'), '%')}</td>"
        f"<td>{_stat(m.get('border_fill_fraction'), '%')}</td>"
        f"<td>{_stat(m.get('psnr_vs_reference'), 'dB')}<br>"
        f"{_stat(m.get('ssim_vs_reference'), '')}</td></tr>"
    )


def _stages(report: Report) -> str:
    head = (
        "<tr><th>#</th><th>stage</th><th>output</th><th>out of range</th><th>wrapped</th>"
        "<th>border fill</th><th>vs reference (PSNR / SSIM)</th></tr>"
    )
    rows = "".join(_stage_row(s) for s in report.stages)
    return (
        "<h2>Stages</h2><p class=muted>mean (min..max) over images and samples</p>"
        f"<table class=stages>{head}{rows}</table>"
    )


def _metric_rows(v: StageVisual) -> list[list[str]]:
    m = v.metrics
    rows = [
        ["output size", f"{v.size[0]} x {v.size[1]}, {v.channels} channels"],
        ["values", v.convention + (" (shown de-normalized)" * (v.convention == "normalized"))],
        ["out of range", _pct(m.get("out_of_range_fraction"))],
        ["wrapped", _pct(m.get("wrapped_fraction"))],
        ["border fill", _pct(m.get("border_fill_fraction"))],
        ["PSNR vs reference", _db(m.get("psnr_vs_reference"))],
        ["SSIM vs reference", _num(m.get("ssim_vs_reference"))],
        ["PSNR vs input", _db(m.get("psnr_vs_input"))],
        ["SSIM vs input", _num(m.get("ssim_vs_input"))],
        ["error map", _error_scale(v)],
    ]
    if v.nonfinite:
        rows.append(["NaN/Inf pixels (magenta)", str(v.nonfinite)])
    return rows


def _num(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.4f}"


def _error_scale(v: StageVisual) -> str:
    if v.error_full is None:
        return "-" if v.error is None else "none (identical)"
    return f"white = {v.error_full:.0e} or more (x{1 / v.error_full:.3g})"


def _caption(v: StageVisual) -> str:
    m = v.metrics
    bits = []
    if m.get("border_fill_fraction"):
        bits.append(f"fill {_pct(m.get('border_fill_fraction'))}")
    if m.get("out_of_range_fraction"):
        bits.append(f"oor {_pct(m.get('out_of_range_fraction'))}")
    if m.get("wrapped_fraction"):
        bits.append(f"wrap {_pct(m.get('wrapped_fraction'))}")
    if m.get("psnr_vs_reference") is not None:
        bits.append(_db(m.get("psnr_vs_reference")))
    scale = f"<div class=cap-err>err {_e(_error_scale(v))}</div>"
    return f"<figcaption>{_e(' · '.join(bits))}{scale if v.error is not None else ''}</figcaption>"


def _figure(k: int, label: str, cell: Cell, v: StageVisual) -> str:
    layers = (
        ("fill", cell.fill),
        ("oor", cell.out_of_range),
        ("wrap", cell.wrapped),
        ("error", cell.error),
    )
    ovs = "".join(
        f'<img class="ov ov-{name}" alt="" src="{uri}" width="{cell.width}" height="{cell.height}">'
        for name, uri in layers
        if uri
    )
    return (
        f'<figure class=cell data-cell="{k}" tabindex="0" title="{_e(label)}"><div class=pic>'
        f'<img class=th alt="{_e(label)}" src="{cell.thumb}" width="{cell.width}" '
        f'height="{cell.height}">{ovs}</div>{_caption(v)}</figure>'
    )


def _missing(report: Report, sv: SampleVisuals, index: int) -> str:
    for stage in report.stages:
        for err in stage.errors:
            if err.image == sv.image and err.sample == sv.sample and stage.index <= index:
                return f"<div class=missing>stage {stage.index} raised: {_e(err.message)}</div>"
    return "<div class=missing>not run</div>"


def _grid(report: Report, p: Plan) -> tuple[str, list[dict[str, object]], list[StageVisual]]:
    columns = [(0, "input", "")] + [(s.index, s.name, _convention(s)) for s in report.stages]
    head = "".join(
        f'<th id="col-{i}"><a href="#stage-{i}">{i}</a> {_e(name)}'
        + ("<div class=muted>shown de-normalized</div>" if conv == "normalized" else "")
        + "</th>"
        for i, name, conv in columns
    )
    encoded = {
        (n, v.stage): encode_cell(v, p.side) for n, s in enumerate(p.samples) for v in s.stages
    }
    rows: list[str] = []
    cells: list[dict[str, object]] = []
    shown: list[StageVisual] = []
    for n, sv in enumerate(p.samples):
        by_stage = {v.stage: v for v in sv.stages}
        tds = []
        for i, name, _ in columns:
            v = by_stage.get(i)
            if v is None:
                tds.append(f"<td>{_missing(report, sv, i)}</td>")
                continue
            label = f"{sv.image} · sample {sv.sample} · {'input' if i == 0 else f'{i} {name}'}"
            rows_ = _metric_rows(v)
            cells.append({"title": label, "full": None, "fw": v.full_size[1], "rows": rows_})
            shown.append(v)
            tds.append(f"<td>{_figure(len(cells) - 1, label, encoded[n, i], v)}</td>")
        rows.append(
            f"<tr><th class=rowh scope=row><code>{_e(sv.image)}</code>"
            f"<div class=muted>sample {sv.sample}</div></th>{''.join(tds)}</tr>"
        )
    table = f"<table class=grid><tr><th></th>{head}</tr>{''.join(rows)}</table>"
    return table, cells, shown


def _toggles() -> str:
    def sw(rgb: tuple[int, int, int]) -> str:
        return f'<span class=sw style="background:rgb{rgb}"></span>'

    layers = (
        ("fill", sw(FILL_RGB) + "border fill"),
        ("oor", sw(OOR_RGB) + "out of range"),
        ("wrap", sw(WRAP_RGB) + "wrapped around"),
        ("error", "error vs reference (amplified; scale under each picture)"),
    )
    boxes = "".join(
        f'<label><input type=checkbox data-layer="{k}"> {text}</label>' for k, text in layers
    )
    return f"<div class=toggles>overlays: {boxes}</div>"


def _left_out(p: Plan) -> str:
    if not p.left_out:
        return ""
    names = ", ".join(f"<code>{_e(i)}</code>" for i in p.left_out[:20])
    more = len(p.left_out) - 20
    return (
        f"<p class=sev-warning>{len(p.left_out)} images left out of the grid by "
        f"{_e(p.reason)}: {names}{f' and {more} more' if more > 0 else ''}</p>"
    )


def _json_script(data: Sequence[object]) -> str:
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    # Inside <script> only "</" can end the element; escape every tag character anyway.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="cell-data">{text}</script>'


def render_html(report: Report, *, max_images: int | None = None) -> str:
    """The whole report as one HTML page (images inline as data URIs)."""
    samples: tuple[SampleVisuals, ...] = tuple(report.visuals)
    audited = [i.path for i in report.images if i.status == "ok"]
    p = plan(samples, max_images, images=audited)
    grid, cells, shown = _grid(report, p)
    if samples:
        intro = (
            f"<p class=muted>{len(p.samples)} image samples x {len(report.stages) + 1} columns; "
            "pictures as the model sees them (values clamped to [0, 1]; NaN magenta). "
            "Click a picture for its full size and values.</p>"
        )
        grid_html = f"{_toggles()}{intro}{_left_out(p)}<div class=wrapgrid>{grid}</div>"
    else:
        grid_html = "<p class=muted>no pictures in this report (audit with visuals=True)</p>"
    charts = charts_html(report.stages)
    page = (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>augaudit: {_e(report.spec)}</title><style>{CSS}</style></head><body>"
        f"{_summary(report)}{_stages(report)}"
        f"<h2>Measurements per stage</h2><div class=charts>{charts}</div>"
        f"<h2>Grid</h2>{grid_html}"
        '<div id=lightbox role="dialog" aria-modal="true"><div class=pic></div><div>'
        "<h3></h3><table><tbody></tbody></table><p class=note></p>"
        "<button type=button>close (Esc)</button></div></div>"
    )
    tail = f"<script>{JS}</script></body></html>\n"
    # Full-size views go in, in grid order, while the file stays under the budget.
    size = len(page.encode()) + len(tail) + len(_json_script(cells))
    for cell, v in zip(cells, shown, strict=True):
        extra = full_uri_length(v) + 2 - len("null")
        if size + extra <= BUDGET:
            cell["full"] = full_uri(v)
            size += extra
    return page + _json_script(cells) + tail
