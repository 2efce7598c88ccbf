"""One image, all its samples: load, run every sample, return plain records.

This is the unit of work that ``--jobs`` spreads over processes, so its
input (:class:`AuditPlan` and an :class:`~augaudit.sources.images.ImageSource`) and
its output (:class:`ImageResult`) are plain data. Nothing here raises for a
bad image or a bad stage: both end up in the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from augaudit.knowledge import StageKind
from augaudit.model import ImageReport
from augaudit.sources.images import ImageSkipped, ImageSource, load

if TYPE_CHECKING:
    from augaudit.measure.runner import StageRun
    from augaudit.model.visuals import SampleVisuals


@dataclass(frozen=True)
class AuditPlan:
    """What every image is audited with; identical in every worker process."""

    transforms: tuple[Any, ...]
    kinds: tuple[StageKind, ...]
    input_kind: str
    mode: str
    samples: int
    seed: int
    stage_timeout: float | None = 60.0
    visuals: bool = False
    visual_samples: int | None = None  # picture only the first samples (None: all)
    max_pixels: int | None = None  # largest stage output measured (None: no limit)


@dataclass(frozen=True)
class ImageResult:
    """An image's status and, when it loaded, each sample's stage runs (and pictures)."""

    report: ImageReport
    samples: tuple[tuple[int, tuple[StageRun, ...]], ...] = ()
    visuals: tuple[SampleVisuals, ...] = ()


def audit_image(plan: AuditPlan, source: ImageSource, timed_out: dict[int, str]) -> ImageResult:
    """Audit one image; ``timed_out`` (stage -> why) is shared by the images of one process,
    so a stage that hung once is not waited for again."""
    try:
        loaded = load(source.path, plan.mode)  # type: ignore[arg-type]
    except ImageSkipped as exc:
        return ImageResult(ImageReport(source.display, "skipped", str(exc), None, None))
    from augaudit.measure.runner import run_sample
    from augaudit.sources.inputs import make_input

    report = ImageReport(
        source.display, "ok", None, loaded.file_mode, loaded.size, loaded.notes, loaded.loss
    )
    samples: list[tuple[int, tuple[StageRun, ...]]] = []
    pictures: list[SampleVisuals] = []
    for sample in range(plan.samples):
        x = make_input(loaded.image, plan.input_kind)  # fresh per sample: mutations cannot leak
        runs, visual = run_sample(
            list(plan.transforms),
            list(plan.kinds),
            x,
            image_key=source.display,
            sample=sample,
            seed=plan.seed,
            stage_timeout=plan.stage_timeout,
            max_pixels=plan.max_pixels,
            timed_out=timed_out,
            visuals=plan.visuals and (plan.visual_samples is None or sample < plan.visual_samples),
        )
        samples.append((sample, tuple(runs)))
        if visual is not None:
            pictures.append(visual)
    return ImageResult(report, tuple(samples), tuple(pictures))


def crashed(source: ImageSource, why: str) -> ImageResult:
    """The result for an image whose worker process died or never reported."""
    return ImageResult(ImageReport(source.display, "crashed", why, None, None))
