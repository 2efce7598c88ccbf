"""Pictures of each stage for the visual reports: thumbnails and overlay masks.

Kept only when a visual report (``--html``, ``--grid``) is asked for. The
runner hands :func:`capture` a :class:`StageView` of tensors; what comes back
holds small numpy arrays only, so it pickles cheaply from worker processes
and the reporters never need torch.

INTERFACE STUB: the runner side (who calls capture, with what) is fixed here;
the reduction to thumbnails is filled in by the visual-report work (issue 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class StageView:
    """One stage's output on one sample, as tensors, handed over by the runner.

    ``stage`` is 0 for the pipeline's input, else the 1-based stage index.
    ``unit`` is the output mapped to [0, 1] by its convention (float64,
    (C, H, W), not clamped): for tensors after ``Normalize`` that is the
    de-normalized image, and ``convention`` then reads ``normalized``.
    ``coverage`` is the (H, W) share of each pixel that comes from the source
    image (1 inside, 0 where fill, padding or erasing put it; None when not
    tracked). ``out_of_range`` and ``wrapped`` are (H, W) bool masks (any
    channel); ``wrapped`` is None where the stage is not a float-to-integer
    cast. ``reference`` is the twin's [0, 1] view on the same grid, or None.
    ``metrics`` are this sample's measurements (the report's metric keys).
    """

    stage: int
    unit: torch.Tensor
    convention: str
    coverage: torch.Tensor | None
    out_of_range: torch.Tensor | None
    wrapped: torch.Tensor | None
    reference: torch.Tensor | None
    metrics: dict[str, float | None]


@dataclass(frozen=True)
class StageVisual:
    """Numpy-only pictures of one stage on one sample (filled in by issue 4)."""

    stage: int
    data: dict[str, Any]


@dataclass(frozen=True)
class SampleVisuals:
    """Every stage of one image sample; stages after one that raised are missing."""

    image: str
    sample: int
    stages: tuple[StageVisual, ...]


def capture(view: StageView, *, thumb: int = 160, full: int = 512) -> StageVisual:
    """Reduce a stage view to small numpy pictures (longest side ``thumb``/``full`` px)."""
    return StageVisual(view.stage, {"convention": view.convention, "metrics": dict(view.metrics)})
