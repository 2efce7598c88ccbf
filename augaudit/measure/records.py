"""What the runner hands on for one stage on one image sample: typed, torch-free records.

They cross process boundaries (workers pickle them) and reach the aggregator; only
:mod:`augaudit.measure` builds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from augaudit.model.convention import Convention
from augaudit.model.metrics import SampleMetrics


@dataclass(frozen=True)
class OutputKind:
    """The type of an image object: kind, class, dtype or PIL mode, channels and shape."""

    kind: str  # "pil", "tensor", "ndarray" or "other"
    cls: str
    dtype: str | None = None
    mode: str | None = None
    channels: int | None = None
    shape: tuple[int, ...] | None = None

    @property
    def type_key(self) -> tuple[str, str, str | None, str | None, int | None]:
        """What makes two outputs the same type (the shape may differ)."""
        return (self.kind, self.cls, self.dtype, self.mode, self.channels)


@dataclass(frozen=True)
class Facts:
    """Measurements of one stage run that only the checks read (not in the report's metrics).

    ``bits_*`` are the bit depth of integer data (8, 16, 1; 15 for int16, 31 for int32) and
    0 for floats. ``saturation_growth`` (points of values newly pinned at the range's ends)
    is measured where pixels stay in place; ``truncated_fraction`` and ``truncation_share``
    where floats become integers (see :func:`augaudit.measure.stage_metrics.truncation`).
    """

    channels_in: int | None
    channels_out: int | None
    bits_in: int
    bits_out: int
    palette_in: bool
    palette_out: bool
    tensor_in: bool
    saturation_growth: float | None = None
    truncated_fraction: float | None = None
    truncation_share: float | None = None
    mutated_input: bool = False
    # A measurement this stage made impossible from here on (the reason is in the notes).
    fill_lost: bool = False
    reference_lost: bool = False
    # The output is the input: same type, shape and values.
    unchanged: bool = False
    # A second call with the same seed gave another output.
    unseeded: bool = False


@dataclass(frozen=True)
class StageRun:
    """One stage on one image sample; ``stage`` is the 1-based stage number."""

    stage: int
    output: OutputKind | None
    type_changed: bool
    convention: Convention | None
    metrics: SampleMetrics = field(default_factory=SampleMetrics)
    facts: Facts | None = None
    error: str | None = None
    traceback: str | None = None
    notes: tuple[str, ...] = ()
    input_convention: Convention | None = None
    error_kind: str | None = None  # "raised", "not-image" or "timeout"
