"""The audit's result: frozen dataclasses that reporters render and never change.

This module imports neither torch nor rich, so reporters and ``augaudit.Report``
stay cheap to import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from augaudit.model.comparison import Comparison
from augaudit.model.convention import Convention
from augaudit.model.metrics import StageMetrics

if TYPE_CHECKING:  # numpy and Pillow only, but reports need not import them
    from augaudit.model.visuals import SampleVisuals

SCHEMA_VERSION = 1
#: Upper bound on :func:`augaudit.measure.metrics.psnr`, in dB. Identical images have
#: infinite PSNR; a finite cap keeps reports sortable and JSON-serialisable.
PSNR_CAP: float = 200.0

Severity = Literal["error", "warning", "info"]
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
FailOn = Literal["error", "warning", "never"]
FAIL_ON_CHOICES: tuple[str, ...] = ("error", "warning", "never")


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
    convention: Convention | None
    input_convention: Convention | None
    metrics: StageMetrics
    errors: tuple[StageError, ...] = ()
    notes: tuple[str, ...] = ()
    runs: int = 0


@dataclass(frozen=True)
class LoadingLoss:
    """What ``--mode rgb`` loading lost: transparent alpha, precision of a wide (16-bit) mode."""

    alpha_dropped: bool = False
    depth_squeezed: bool = False


NO_LOSS = LoadingLoss()


@dataclass(frozen=True)
class ImageReport:
    path: str
    status: Literal["ok", "skipped", "crashed"]  # crashed: the process auditing it died
    reason: str | None
    mode: str | None
    size: tuple[int, int] | None
    notes: tuple[str, ...] = ()
    loss: LoadingLoss = NO_LOSS


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
    max_megapixels: float | None = None  # largest stage output measured (None: no limit)
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
    # The first traceback of each stage that raised (stage number, text): for --debug.
    tracebacks: tuple[tuple[int, str], ...] = ()
    # check --baseline: the whole run's comparison (reporters show what concerns each report).
    baseline: Comparison | None = None
    # Interrupted (Ctrl-C): only the images listed were audited.
    partial: bool = False
    # Image files found before --max-images drew its subset (None: all were audited).
    images_found: int | None = None
    # Pictures of each stage (augaudit.model.visuals.SampleVisuals), only when asked for.
    visuals: tuple[SampleVisuals, ...] = ()

    @property
    def no_image_read(self) -> bool:
        """An audit whose images were all skipped (unreadable): nothing was measured."""
        return bool(self.images) and not any(i.status in ("ok", "crashed") for i in self.images)


def summarize(findings: tuple[Finding, ...], fail_on: str) -> Summary:
    """Counts per severity and the exit code: 1 when any finding reaches ``fail_on``."""
    counts = {sev: sum(f.severity == sev for f in findings) for sev in SEVERITY_RANK}
    failing = fail_on != "never" and any(
        SEVERITY_RANK[f.severity] >= SEVERITY_RANK[fail_on] for f in findings
    )
    return Summary(counts["error"], counts["warning"], counts["info"], 1 if failing else 0)
