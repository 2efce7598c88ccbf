"""Reduce per-sample stage runs to per-stage statistics as they stream in.

Only scalars are kept (no images), so memory grows with images x stages, not
with pixels.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from augaudit.aggregate.evidence import Evidence, EvidenceBuilder
from augaudit.aggregate.sampling import confidence_interval
from augaudit.model import (
    METRIC_KEYS,
    PSNR_CAP,
    Convention,
    OutputType,
    StageError,
    StageMetrics,
    StageReport,
    Stat,
)
from augaudit.spec.model import StageSpec

if TYPE_CHECKING:  # the runner imports torch; aggregating needs only its records
    from augaudit.measure.records import StageRun

_MAX_TYPES = 4
# Facts recorded per image as a span of values, and as any/all of the samples.
_SPAN_FACTS = (
    "channels_in",
    "channels_out",
    "bits_in",
    "bits_out",
    "saturation_growth",
    "truncated_fraction",
    "truncation_share",
)
_FLAG_FACTS = (
    "palette_in",
    "palette_out",
    "tensor_in",
    "mutated_input",
    "fill_lost",
    "reference_lost",
    "unchanged",
    "unseeded",
)

# Measured by calling the stage again (probes, twin): unknown after a stage that does not replay.
_NEED_REPLAY = frozenset({"border_fill_fraction", "psnr_vs_reference", "ssim_vs_reference"})


class Aggregator:
    """Per-stage statistics; with ``intervals``, also 95% intervals over per-image means.

    Stages are numbered from 1, as in reports.
    """

    def __init__(self, stages: int, *, intervals: bool = False):
        self._stages = stages
        self._values: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        self._types: dict[int, Counter[tuple[Any, ...]]] = defaultdict(Counter)
        self._conv: dict[int, Counter[str]] = defaultdict(Counter)
        self._conv_in: dict[int, Counter[str]] = defaultdict(Counter)
        self._conventions: dict[str, Convention] = {}  # the first of each name
        self._changed: dict[int, bool] = defaultdict(bool)
        self._errors: dict[int, list[StageError]] = defaultdict(list)
        self._notes: dict[int, dict[str, None]] = defaultdict(dict)
        self._runs: dict[int, int] = defaultdict(int)
        self._evidence: dict[int, dict[str, EvidenceBuilder]] = defaultdict(dict)
        self.tracebacks: dict[int, str] = {}
        # The first stage that did not replay on some sample: its draws that happened to
        # agree do not make the probes' and the twin's numbers valid, from it on.
        self._unseeded_from = stages + 1
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
                    self.tracebacks.setdefault(i, run.traceback)
                continue
            self._runs[i] += 1
            assert run.output is not None
            out = run.output
            key = out.type_key
            self._types[i][(*key, out.shape or None)] += 1
            evidence = self._evidence[i].setdefault(image, EvidenceBuilder())
            # A stage whose output type changes between samples of the same image given the
            # same input type (AUG506): the stages after a varying one are not blamed for it.
            first = self._first_type.setdefault((i, image, given), key)
            evidence.flag("type_varies", first != key)
            given = key
            self._changed[i] |= run.type_changed
            self._count_conventions(i, run)
            for note in run.notes:
                self._notes[i][note] = None
            self._add_metrics(i, image, run, evidence)
            if run.facts is not None and run.facts.unseeded:
                self._unseeded_from = min(self._unseeded_from, i)
            if run.facts is not None:
                for name in _SPAN_FACTS:
                    value = getattr(run.facts, name)
                    if value is not None:
                        evidence.value(name, float(value))
                for name in _FLAG_FACTS:
                    evidence.flag(name, bool(getattr(run.facts, name)))

    def _known_stat(self, i: int, key: str) -> Stat | None:
        if i >= self._unseeded_from and key in _NEED_REPLAY:
            return None
        return self._stat(i, key)

    def _count_conventions(self, i: int, run: StageRun) -> None:
        for conv, counter in (
            (run.convention, self._conv[i]),
            (run.input_convention, self._conv_in[i]),
        ):
            if conv is not None:
                counter[conv.name] += 1
                self._conventions.setdefault(conv.name, conv)

    def _add_metrics(self, i: int, image: str, run: StageRun, evidence: EvidenceBuilder) -> None:
        for metric, value in run.metrics.items():
            if value is None:
                continue
            self._values[i][metric].append(value)
            evidence.value(metric, value)
            if self._intervals:
                total, count = self._image_sums[(i, metric)].get(image, (0.0, 0))
                self._image_sums[(i, metric)][image] = (total + value, count + 1)

    def evidence(self) -> dict[int, dict[str, Evidence]]:
        """Per stage (from 1) and image: what the image showed over its samples."""
        return {
            stage: {image: builder.build() for image, builder in images.items()}
            for stage, images in sorted(self._evidence.items())
        }

    def stage_reports(
        self, specs: tuple[StageSpec, ...], kinds: Sequence[str]
    ) -> tuple[StageReport, ...]:
        reports = []
        for i, spec in enumerate(specs, start=1):
            metrics = StageMetrics(**{key: self._known_stat(i, key) for key in METRIC_KEYS})
            reports.append(
                StageReport(
                    index=i,
                    name=spec.name,
                    repr=_one_line(repr(spec.transform)),
                    line=spec.line,
                    kind=kinds[i - 1],
                    outputs=self._output_types(i),
                    type_changed=self._changed[i],
                    convention=self._most_common(self._conv[i]),
                    input_convention=self._most_common(self._conv_in[i]),
                    metrics=metrics,
                    errors=tuple(self._errors[i]),
                    notes=(*spec.notes, *self._notes[i]),
                    runs=self._runs[i],
                )
            )
        return tuple(reports)

    def _most_common(self, counter: Counter[str]) -> Convention | None:
        return self._conventions[counter.most_common(1)[0][0]] if counter else None

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
            size = "x".join(str(s) for s in (shape or (channels, "H", "W")))
            label = type_label(kind, cls, dtype, mode, size)
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


# Python's default repr names the object's address, which changes from run to run.
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _one_line(text: str, limit: int = 200) -> str:
    flat = _ADDRESS.sub("", " ".join(text.split()))
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def type_label(kind: str, cls: str, dtype: str | None, mode: str | None, size: str) -> str:
    """Short label of an output type, e.g. ``Image float32 3x224x224``."""
    if kind == "other":
        return cls
    if kind == "pil":
        return f"PIL {mode} {size}"
    return f"{cls} {dtype} {size}"
