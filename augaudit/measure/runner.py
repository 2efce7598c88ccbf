"""Run one image sample through every stage, measuring each: real data, probes, twin.

Each stage is called three or four times with the same seed (real input, two
coverage probes when the stage may move pixels, the twin), so every call draws
the same random parameters. A stage that raises ends that sample; the error is
recorded for it and later stages get no record for the sample.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field, replace
from typing import Any

import torch

from augaudit.knowledge import StageKind
from augaudit.measure.capture import StageView, capture
from augaudit.measure.convention import output_convention
from augaudit.measure.coverage import (
    Levels,
    fully_covered,
    keeps_full_coverage,
    probe,
)
from augaudit.measure.facts import cast_factor, check_facts
from augaudit.measure.masks import out_of_range_mask, wrapped_mask
from augaudit.measure.mutation import fingerprint, mutated
from augaudit.measure.records import OutputKind, StageRun
from augaudit.measure.replay import (
    UNSEEDED_NOTE,
    check_probe_assumptions,
    reproduces,
    same_raw,
)
from augaudit.measure.seeding import seed_stage, stage_seed
from augaudit.measure.stage_metrics import (
    Fidelity,
    border_fill,
    compare,
    fidelity,
    range_metrics,
    wrapped_fraction,
)
from augaudit.measure.timeouts import StageTimeout, deadline
from augaudit.measure.twin import Twin, start, step
from augaudit.measure.values import (
    UNIT,
    Convention,
    UnsupportedOutput,
    describe,
    integer_convention,
    is_float,
    is_image_like,
    like,
    to_chw,
)
from augaudit.model.metrics import SampleMetrics
from augaudit.model.visuals import SampleVisuals, StageVisual


@dataclass
class _Flow:
    """What passes from one stage to the next for one sample."""

    real: Any
    raw: torch.Tensor
    conv: Convention
    coverage: torch.Tensor | None
    twin: Twin | None
    desc: OutputKind = field(default_factory=lambda: OutputKind("other", "None"))
    unit: torch.Tensor | None = None  # raw mapped to [0, 1], kept from the stage that made it
    gain: float | None = None  # the probes' gain of the stage that made it
    fidelity: Fidelity | None = None  # against the twin, so the next stage may reuse its SSIM

    def as_unit(self) -> torch.Tensor:
        if self.unit is None:
            self.unit = self.conv.to_unit(self.raw)
        return self.unit


def input_convention(x: Any) -> Convention:
    return UNIT if is_float(x) else integer_convention(x)


def run_sample(
    transforms: list[Any],
    kinds: list[StageKind],
    x: Any,
    *,
    image_key: str,
    sample: int,
    seed: int,
    stage_timeout: float | None = None,
    timed_out: dict[int, str] | None = None,
    visuals: bool = False,
    max_pixels: int | None = None,
) -> tuple[list[StageRun], SampleVisuals | None]:
    """Measure every stage for one sample, starting from input ``x``.

    Each stage (its call and its measurement) gets ``stage_timeout`` seconds.
    A stage that timed out is recorded in ``timed_out`` and not run again
    for later samples sharing the dict. With ``visuals``, pictures of the
    input and every stage that ran come back too.
    """
    conv = input_convention(x)
    raw = to_chw(x)
    flow = _Flow(x, raw, conv, torch.ones(raw.shape[1:], dtype=torch.float64), None, describe(x))
    flow.twin = start(raw, conv)
    timed_out = {} if timed_out is None else timed_out
    runs: list[StageRun] = []
    # Pictures are reduced as each stage finishes: full-size views would pile up otherwise.
    pictures = [p for p in [_picture(0, flow, None, SampleMetrics())] if p] if visuals else []
    for index, (transform, kind) in enumerate(zip(transforms, kinds, strict=True)):
        if index in timed_out:
            runs.append(_failed(index + 1, f"not run: {timed_out[index]}", "timeout"))
            break
        s = stage_seed(seed, image_key, sample, index + 1)
        seed_stage(transform, s)
        try:
            with deadline(stage_timeout):
                before = fingerprint(flow.real, values=kind == "unknown")
                out = transform(flow.real)
                changed_input = mutated(flow.real, before)
                if not is_image_like(out):
                    raise UnsupportedOutput(f"stage returned {type(out).__name__}, not an image")
                _check_size(out, max_pixels)
                out_raw = to_chw(out)
                if out_raw.numel() == 0:  # nothing to train on, and nothing to measure
                    shape = "x".join(str(n) for n in out_raw.shape)
                    raise UnsupportedOutput(f"stage returned an empty image ({shape})")
                if changed_input:  # measure from what the stage was given, not what it left
                    flow.real = like(flow.real, flow.raw)
                run, new_flow = _measure_stage(
                    index, transform, kind, flow, out, out_raw, s, changed_input
                )
        except StageTimeout as exc:
            timed_out[index] = f"timed out on an earlier sample ({exc})"
            runs.append(_failed(index + 1, f"StageTimeout: {exc}", "timeout"))
            break
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # SystemExit, CancelledError, GeneratorExit: the user's code
            message = f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:MAX_ERROR]
            why = "not-image" if isinstance(exc, UnsupportedOutput) else "raised"
            runs.append(_failed(index + 1, message, why, traceback.format_exc()))
            break
        if changed_input and run.facts is not None:
            run = replace(run, facts=replace(run.facts, mutated_input=True))
        runs.append(run)
        picture = _picture(index + 1, new_flow, flow, run.metrics) if visuals else None
        if picture is not None:
            pictures.append(picture)
        flow = new_flow
    return runs, SampleVisuals(image_key, sample, tuple(pictures)) if visuals else None


def _check_size(out: Any, max_pixels: int | None) -> None:
    """Refuse an output too large to measure before any copy of it is made."""
    shape = describe(out).shape or ()
    height, width = (shape[-2], shape[-1]) if len(shape) >= 2 else (0, 0)
    if max_pixels and height * width > max_pixels:
        raise UnsupportedOutput(
            f"stage returned a {height}x{width} image ({height * width / 1e6:.3g} MP), over the "
            f"{max_pixels / 1e6:g} MP augaudit measures (--max-megapixels)"
        )


MAX_ERROR = 500  # characters of a stage's error message kept in the report


def _failed(stage: int, message: str, kind: str, tb: str | None = None) -> StageRun:
    return StageRun(stage, None, False, None, error=message, traceback=tb, error_kind=kind)


def _picture(
    stage: int, flow: _Flow, before: _Flow | None, metrics: SampleMetrics
) -> StageVisual | None:
    """The small pictures of one stage's output (the input's for stage 0).

    None when the output cannot be pictured (an empty image): the visual
    reports then show no cell, and the measurements stand.
    """
    try:
        return capture(_view(stage, flow, before, metrics))
    except Exception:
        return None


def _view(stage: int, flow: _Flow, before: _Flow | None, metrics: SampleMetrics) -> StageView:
    wrapped = None
    if before is not None and not before.conv.integer and flow.conv.integer:
        factor = cast_factor(before.conv, flow.conv, flow.gain)
        wrapped = wrapped_mask(before.raw, flow.raw, flow.conv, factor)
    return StageView(
        stage=stage,
        unit=flow.as_unit(),
        convention=flow.conv.name,
        coverage=flow.coverage,
        out_of_range=out_of_range_mask(flow.raw, flow.conv),
        wrapped=wrapped,
        reference=flow.twin.unit() if flow.twin is not None else None,
        metrics=metrics,
    )


def _measure_stage(
    index: int,
    transform: Any,
    kind: StageKind,
    flow: _Flow,
    out: Any,
    out_raw: torch.Tensor,
    seed: int,
    changed_input: bool = True,
) -> tuple[StageRun, _Flow]:
    notes: list[str] = []
    desc = describe(out)
    type_changed = desc.type_key != flow.desc.type_key
    reproducible = kind != "unknown" or reproduces(transform, flow.real, out, seed)
    if reproducible:
        coverage, gain, levels = _coverage(
            transform, kind, flow, out_raw, seed, type_changed, notes
        )
    else:
        coverage, gain, levels = None, None, None
        notes.append(UNSEEDED_NOTE)
    conv_out = output_convention(out, flow.conv, transform, gain, flow.real, levels)
    out_unit = conv_out.to_unit(out_raw)
    twin = flow.twin if reproducible else None
    if twin is not None:
        try:
            stepped = step(
                transform,
                kind,
                twin,
                flow.real,
                out,
                tuple(out_raw.shape),
                flow.conv,
                conv_out,
                seed,
                type_changed,
                mutates=changed_input,
            )
            twin = stepped.twin
            if stepped.route == "8-bit":
                notes.append(
                    "reference ran at the input's precision at this stage (the stage refuses "
                    "floats or reads its parameters in raw units)"
                )
        except Exception as exc:
            twin = None
            notes.append(f"no reference from here on: {exc}")
    new_flow = _Flow(out, out_raw, conv_out, coverage, twin, desc, out_unit, gain)
    metrics, new_flow.fidelity = _metrics(kind, flow, new_flow)
    record = StageRun(
        stage=index + 1,
        output=desc,
        type_changed=type_changed,
        convention=conv_out,
        metrics=metrics,
        facts=replace(
            check_facts(
                kind, flow.raw, flow.conv, flow.desc, out_raw, desc, conv_out, coverage, gain
            ),
            fill_lost=flow.coverage is not None and coverage is None,
            reference_lost=flow.twin is not None and twin is None,
            unchanged=not type_changed and same_raw(flow.raw, out_raw),
            unseeded=not reproducible,
        ),
        notes=tuple(notes),
        input_convention=flow.conv,
    )
    return record, new_flow


def _coverage(
    transform: Any,
    kind: StageKind,
    flow: _Flow,
    out_raw: torch.Tensor,
    seed: int,
    type_changed: bool,
    notes: list[str],
) -> tuple[torch.Tensor | None, float | None, Levels | None]:
    """The output's coverage by source pixels, the probes' gain and their output levels
    (None where not probed)."""
    coverage, gain, levels = flow.coverage, None, None
    if coverage is not None and (kind != "photometric" or type_changed):
        # Skipping the probes loses only their gain, which a stage that keeps
        # its type does not need.
        if not type_changed and keeps_full_coverage(transform) and fully_covered(coverage):
            coverage = torch.ones(tuple(out_raw.shape[1:]), dtype=torch.float64)
        else:
            try:
                probed = probe(transform, flow.real, flow.conv, coverage, flow.raw.shape[0], seed)
                check_probe_assumptions(transform, coverage, probed, out_raw)
                coverage, gain, levels = probed.coverage, probed.gain, probed.levels
            except Exception as exc:
                coverage = None
                notes.append(f"border fill not tracked from here on: {type(exc).__name__}: {exc}")
    if coverage is not None and tuple(coverage.shape) != tuple(out_raw.shape[1:]):
        coverage = None
        notes.append("border fill not tracked from here on: output grid differs from probes")
    return coverage, gain, levels


def _metrics(kind: StageKind, before: _Flow, after: _Flow) -> tuple[SampleMetrics, Fidelity | None]:
    """One sample's measurements of a stage, and its fidelity against the twin (if any)."""
    out_raw, conv_out, coverage = after.raw, after.conv, after.coverage
    ranges = range_metrics(out_raw, conv_out)
    metrics = SampleMetrics(
        out_of_range_fraction=ranges["out_of_range_fraction"],
        saturated_fraction=ranges["saturated_fraction"],
        nonfinite_fraction=ranges["nonfinite_fraction"],
        border_fill_fraction=border_fill(coverage),
    )
    if not before.conv.integer and conv_out.integer:
        factor = cast_factor(before.conv, conv_out, after.gain)
        metrics = metrics.with_values(
            wrapped_fraction=wrapped_fraction(before.raw, out_raw, conv_out, factor)
        )
    against_twin = None
    if after.twin is not None:
        against_twin = fidelity(after.twin.unit(), after.as_unit(), coverage, before.fidelity)
        metrics = metrics.with_values(
            psnr_vs_reference=against_twin.psnr, ssim_vs_reference=against_twin.ssim
        )
    if kind in ("photometric", "conversion") and before.raw.shape == out_raw.shape:
        change_psnr, change_ssim = compare(before.as_unit(), after.as_unit(), before.coverage)
        metrics = metrics.with_values(psnr_vs_input=change_psnr, ssim_vs_input=change_ssim)
    return metrics, against_twin
