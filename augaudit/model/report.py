"""The audit's result: frozen dataclasses that reporters render and never change.

This module imports neither torch nor rich, so reporters and ``augaudit.Report``
stay cheap to import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # numpy and Pillow only, but reports need not import them
    from augaudit.model.visuals import SampleVisuals

SCHEMA_VERSION = 1
#: Upper bound on :func:`augaudit.measure.metrics.psnr`, in dB. Identical images have
#: infinite PSNR; a finite cap keeps reports sortable and JSON-serialisable.
PSNR_CAP: float = 200.0

METRIC_KEYS: tuple[str, ...] = (
    "out_of_range_fraction",
    "saturated_fraction",
    "nonfinite_fraction",
    "wrapped_fraction",
    "border_fill_fraction",
    "psnr_vs_reference",
    "ssim_vs_reference",
    "psnr_vs_input",
    "ssim_vs_input",
)
Severity = Literal["error", "warning", "info"]
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
FailOn = Literal["error", "warning", "never"]
FAIL_ON_CHOICES: tuple[str, ...] = ("error", "warning", "never")


@dataclass(frozen=True)
class Stat:
    """Mean, min and max of one measurement over images and samples."""

    mean: float
    min: float
    max: float
    count: int
    # 95% confidence interval of the mean over images, when a subset was audited (--max-images).
    ci95: tuple[float, float] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mean": self.mean, "min": self.min, "max": self.max}
        if self.ci95 is not None:
            out["ci95"] = list(self.ci95)
        return out


@dataclass(frozen=True)
class StageError:
    image: str
    sample: int
    message: str
    kind: str = "raised"  # "raised", "not-image" (returned None or another object), "timeout"


@dataclass(frozen=True)
class OutputType:
    """One distinct output type of a stage, with how many samples produced it."""

    label: str
    kind: str
    cls: str
    dtype: str | None
    mode: str | None
    channels: int | None
    shape: tuple[int, ...] | None
    count: int


@dataclass(frozen=True)
class StageReport:
    """Everything measured for one top-level stage, over all images and samples."""

    index: int  # 1-based
    name: str
    repr: str
    line: int | None
    kind: str
    outputs: tuple[OutputType, ...]
    type_changed: bool
    convention: str | None
    input_convention: str | None
    metrics: dict[str, Stat | None]
    errors: tuple[StageError, ...] = ()
    notes: tuple[str, ...] = ()
    runs: int = 0


@dataclass(frozen=True)
class ImageReport:
    path: str
    status: Literal["ok", "skipped", "crashed"]  # crashed: the process auditing it died
    reason: str | None
    mode: str | None
    size: tuple[int, int] | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    stage: int | None  # 1-based stage index, None for the whole pipeline
    message: str
    hint: str
    images: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    seed: int
    samples: int
    input: str
    mode: str
    fail_on: str = "error"
    max_images: int | None = None
    stage_timeout: float | None = None
    # Every threshold in effect (defaults and the user's), sorted by name: texts that state a
    # limit (`rules`, SARIF rule descriptions) state these.
    thresholds: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Summary:
    errors: int
    warnings: int
    infos: int
    exit_code: int


@dataclass(frozen=True)
class Report:
    """The whole audit. ``summary.exit_code`` follows the ``fail_on`` policy."""

    spec: str
    settings: Settings
    images: tuple[ImageReport, ...]
    stages: tuple[StageReport, ...]
    findings: tuple[Finding, ...]
    summary: Summary
    augaudit_version: str
    schema_version: int = SCHEMA_VERSION
    checks: tuple[str, ...] = ()  # codes of the checks that ran (after select/ignore)
    extra: dict[str, Any] = field(default_factory=dict)
    # Interrupted (Ctrl-C): only the images listed were audited.
    partial: bool = False
    # Image files found before --max-images drew its subset (None: all were audited).
    images_found: int | None = None
    # Pictures of each stage (augaudit.model.visuals.SampleVisuals), only when asked for.
    visuals: tuple[SampleVisuals, ...] = ()


def summarize(findings: tuple[Finding, ...], fail_on: str) -> Summary:
    """Counts per severity and the exit code: 1 when any finding reaches ``fail_on``."""
    counts = {sev: sum(f.severity == sev for f in findings) for sev in SEVERITY_RANK}
    failing = fail_on != "never" and any(
        SEVERITY_RANK[f.severity] >= SEVERITY_RANK[fail_on] for f in findings
    )
    return Summary(counts["error"], counts["warning"], counts["info"], 1 if failing else 0)
