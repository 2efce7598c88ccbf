"""The audit's result as torch-free, frozen data: what every reporter renders."""

from augaudit.model.convention import Convention
from augaudit.model.metrics import METRIC_KEYS, MetricValues, SampleMetrics, StageMetrics, Stat
from augaudit.model.report import (
    FAIL_ON_CHOICES,
    PSNR_CAP,
    SCHEMA_VERSION,
    SEVERITY_RANK,
    FailOn,
    Finding,
    ImageReport,
    LoadingLoss,
    OutputType,
    Report,
    Settings,
    Severity,
    StageError,
    StageReport,
    Summary,
    summarize,
)

__all__ = [
    "FAIL_ON_CHOICES",
    "METRIC_KEYS",
    "PSNR_CAP",
    "SCHEMA_VERSION",
    "SEVERITY_RANK",
    "Convention",
    "FailOn",
    "Finding",
    "ImageReport",
    "LoadingLoss",
    "MetricValues",
    "OutputType",
    "Report",
    "SampleMetrics",
    "Settings",
    "Severity",
    "StageError",
    "StageMetrics",
    "StageReport",
    "Stat",
    "Summary",
    "summarize",
]
