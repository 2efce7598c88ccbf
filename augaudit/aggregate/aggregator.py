"""Reduce per-sample stage runs to per-stage statistics as they stream in.

Only scalars are kept (no images), so memory grows with images x stages, not
with pixels.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from augaudit.aggregate.sampling import confidence_interval
from augaudit.model import METRIC_KEYS, PSNR_CAP, OutputType, StageError, StageReport, Stat
from augaudit.spec.model import StageSpec

if TYPE_CHECKING:  # the runner imports torch; aggregating needs only its records
    from augaudit.measure.runner import StageRun

_MAX_TYPES = 4
# Check-only measurements whose per-image mean checks need: stored in ``extremes`` under
# ``<name>_mean`` as (mean, mean), next to ``<name>`` with the (min, max) over samples.
AVERAGED = ("saturation_growth",)


class Aggregator:
    """Per-stage statistics; with ``intervals``, also 95% intervals over per-image means."""

    def __init__(self, stages: int, *, intervals: bool = False):
        self._values: list[dict[str, list[float]]] = [defaultdict(list) for _ in range(stages)]
        self._types: list[Counter[tuple[Any, ...]]] = [Counter() for _ in range(stages)]
        self._conv: list[Counter[str]] = [Counter() for _ in range(stages)]
        self._conv_in: list[Counter[str]] = [Counter() for _ in range(stages)]
        self._changed = [False] * stages
        self._errors: list[list[StageError]] = [[] for _ in range(stages)]
        self._notes: list[dict[str, None]] = [{} for _ in range(stages)]
        self._runs = [0] * stages
        self.extremes: dict[int, dict[str, dict[str, tuple[float, float]]]] = defaultdict(
            lambda: defaultdict(dict)
        )
        self.tracebacks: dict[int, str] = {}
        self._sums: dict[tuple[int, str, str], tuple[float, int]] = {}
        self._intervals = intervals
        # (stage, metric) -> image -> (sum, count), for the intervals
        self._image_sums: dict[tuple[int, str], dict[str, tuple[float, int]]] = defaultdict(dict)
        self._first_type: dict[tuple[int, str, tuple[Any, ...] | None], tuple[Any, ...]] = {}

    def add(self, image: str, sample: int, runs: Sequence[StageRun]) -> None:
        given: tuple[Any, ...] | None = None  # the type each stage was given (None: the image)
        for run in runs:
            i = run.stage
            if run.error is not None:
                self._errors[i].append(
                    StageError(image, sample, run.error, run.error_kind or "raised")
                )
                if run.traceback:
                    self.tracebacks.setdefault(i + 1, run.traceback)
                continue
            self._runs[i] += 1
            assert run.output is not None
            out = run.output
            key = (out["kind"], out["class"], out["dtype"], out["mode"], out["channels"])
            self._types[i][(*key, tuple(out["shape"]) if out["shape"] else None)] += 1
            # A stage whose output type changes between samples of the same image given the
            # same input type (AUG506): the stages after a varying one are not blamed for it.
            first = self._first_type.setdefault((i, image, given), key)
            self._extreme(i, "type_varies", image, float(first != key))
            given = key
            self._changed[i] |= run.type_changed
            if run.convention:
                self._conv[i][run.convention] += 1
            if run.input_convention:
                self._conv_in[i][run.input_convention] += 1
            for note in run.notes:
                self._notes[i][note] = None
            for metric, value in run.metrics.items():
                if value is not None:
                    self._values[i][metric].append(value)
                    self._extreme(i, metric, image, value)
                    if self._intervals:
                        total, count = self._image_sums[(i, metric)].get(image, (0.0, 0))
                        self._image_sums[(i, metric)][image] = (total + value, count + 1)
            # Check-only measurements: per image extremes, never in the report's metrics.
            for name, value in run.extras.items():
                if value is not None:
                    self._extreme(i, name, image, value)
                    if name in AVERAGED:
                        self._average(i, name, image, value)

    def _average(self, stage: int, name: str, image: str, value: float) -> None:
        total, count = self._sums.get((stage, name, image), (0.0, 0))
        total, count = total + value, count + 1
        self._sums[(stage, name, image)] = (total, count)
        self.extremes[stage][f"{name}_mean"][image] = (total / count, total / count)

    def _extreme(self, stage: int, name: str, image: str, value: float) -> None:
        lo, hi = self.extremes[stage][name].get(image, (value, value))
        self.extremes[stage][name][image] = (min(lo, value), max(hi, value))

    def stage_reports(
        self, specs: tuple[StageSpec, ...], kinds: Sequence[str]
    ) -> tuple[StageReport, ...]:
        reports = []
        for i, spec in enumerate(specs):
            metrics = {key: self._stat(i, key) for key in METRIC_KEYS}
            reports.append(
                StageReport(
                    index=i + 1,
                    name=spec.name,
                    repr=_one_line(repr(spec.transform)),
                    line=spec.line,
                    kind=kinds[i],
                    outputs=self._output_types(i),
                    type_changed=self._changed[i],
                    convention=_most_common(self._conv[i]),
                    input_convention=_most_common(self._conv_in[i]),
                    metrics=metrics,
                    errors=tuple(self._errors[i]),
                    notes=tuple(self._notes[i]),
                    runs=self._runs[i],
                )
            )
        return tuple(reports)

    def _output_types(self, i: int) -> tuple[OutputType, ...]:
        counts = self._types[i]
        if len(counts) > _MAX_TYPES:  # many random sizes: group them without shape
            merged: Counter[tuple[Any, ...]] = Counter()
            for key, n in counts.items():
                merged[(*key[:5], None)] += n
            counts = merged
        out = []
        for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))):
            kind, cls, dtype, mode, channels, shape = key
            desc = {"kind": kind, "class": cls, "dtype": dtype, "mode": mode, "shape": shape}
            label = (
                type_label(desc) if shape else type_label({**desc, "shape": [channels, "H", "W"]})
            )
            out.append(OutputType(label, kind, cls, dtype, mode, channels, shape, n))
        return tuple(out)

    def _stat(self, stage: int, metric: str) -> Stat | None:
        values = self._values[stage].get(metric, [])
        if not values:
            return None
        interval = None
        if self._intervals:
            sums = self._image_sums[(stage, metric)]
            interval = confidence_interval([total / n for total, n in sums.values()])
        mean = sum(values) / len(values)
        if interval is not None:
            # Half-width from the spread of per-image means, centred on the reported mean
            # (the two centres differ only when some samples failed on some images).
            half = (interval[1] - interval[0]) / 2
            low, high = _possible(metric)
            interval = (max(mean - half, low), min(mean + half, high))
        return Stat(mean, min(values), max(values), len(values), interval)


def _possible(metric: str) -> tuple[float, float]:
    """The values a metric can take: an interval of its mean never reaches past them."""
    if metric.endswith("_fraction"):
        return 0.0, 1.0
    if metric.startswith("psnr"):
        return -math.inf, PSNR_CAP
    if metric.startswith("ssim"):
        return -1.0, 1.0
    return -math.inf, math.inf


def _most_common(counter: Counter[str]) -> str | None:
    return counter.most_common(1)[0][0] if counter else None


def _one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def type_label(desc: dict[str, Any]) -> str:
    """Short label of a runner output description, e.g. ``Image float32 3x224x224``."""
    if desc["kind"] == "other":
        return str(desc["class"])
    shape = "x".join(str(s) for s in desc["shape"])
    if desc["kind"] == "pil":
        return f"PIL {desc['mode']} {shape}"
    return f"{desc['class']} {desc['dtype']} {shape}"
