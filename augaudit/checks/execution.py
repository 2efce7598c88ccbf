"""Execution checks (5xx): stages that raise, hang or misbehave, skipped images, and
pipeline order and API problems found from the spec.

Each check function's docstring is its documentation (``augaudit explain``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from augaudit.aggregate.evidence import seen
from augaudit.checks.common import finding, name_images, stage_at, where
from augaudit.checks.context import CheckContext
from augaudit.checks.introspect import flat
from augaudit.knowledge import (
    ASSUMES_UNIT,
    TO_PIL,
    api_of,
    attribute,
    deprecated_replacement,
    dtype_name,
    name,
)
from augaudit.model import Finding, StageError, StageReport


def _errors(stage: StageReport, *kinds: str) -> list[StageError]:
    return [e for e in stage.errors if e.kind in kinds]


def stage_raised(ctx: CheckContext) -> Iterator[Finding]:
    """A stage raised an exception or returned no image; later stages did not run for that sample.

    Fails (``v1.ToTensor`` only takes PIL images or numpy arrays)::

        input: float
        pipeline:
          - v1.ToTensor

    Passes::

        input: pil
        pipeline:
          - v1.ToTensor
    """
    for img in ctx.images:
        if img.status == "crashed":  # which stage is unknown: the process died with it
            yield finding("AUG501", None, f"{img.path}: {img.reason}", [img.path])
    for stage in ctx.stages:
        errors = _errors(stage, "raised", "not-image")
        if errors:
            images = sorted({e.image for e in errors})
            yield finding(
                "AUG501",
                stage,
                f"{ctx.label(stage)} failed on {len(errors)} of "
                f"{len(stage.errors) + stage.runs} runs: {errors[0].message}",
                images,
            )


def _is_normalize(transform: Any) -> bool:
    if name(transform) != "Normalize":
        return False
    mean, std = attribute(transform, "mean"), attribute(transform, "std")
    try:
        means = [float(m) for m in (mean if hasattr(mean, "__iter__") else [mean])]
        stds = [float(s) for s in (std if hasattr(std, "__iter__") else [std])]
    except (TypeError, ValueError):
        return True
    return not (all(m == 0 for m in means) and all(s == 1 for s in stds))


def _needs_unit(transform: Any) -> str | None:
    """Why a transform needs [0, 1] pixels, or None."""
    kind = name(transform)
    if kind in ASSUMES_UNIT:
        return "treats pixels as [0,1]"
    if kind == "GaussianNoise" and getattr(transform, "clip", False):
        return "clips to [0,1]"
    if kind in TO_PIL:
        return "converts to 8 bits"
    if kind in ("ToDtype", "ConvertImageDtype"):
        dtype = dtype_name(transform)
        if dtype is not None and "int" in dtype:
            return f"converts to {dtype}"
    return None


def normalize_order(ctx: CheckContext) -> Iterator[Finding]:
    """Stages after ``Normalize`` that expect pixels in [0, 1].

    After ``Normalize`` (ImageNet statistics) values span about [-2.1, 2.6]:
    colour transforms clamp them to [0, 1] (everything below the mean becomes
    black), Solarize and Posterize read meaningless thresholds, and
    ``ToPILImage`` wraps them. ``RandomErasing`` after ``Normalize`` is
    standard practice (it erases to 0, the mean) and is not reported.

    Fails::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
          - Normalize: {mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}
          - ColorJitter: {brightness: 0.2}

    Passes::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
          - ColorJitter: {brightness: 0.2}
          - Normalize: {mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}
          - RandomErasing: {p: 0.25}
    """
    normalized_at: int | None = None
    reported: set[int] = set()
    for index, transform in flat(ctx):
        if normalized_at is not None and index not in reported:
            reason = _needs_unit(transform)
            if reason is not None:
                reported.add(index)
                yield finding(
                    "AUG502",
                    stage_at(ctx, index),
                    f"{where(ctx, index, transform)} {reason} but comes after Normalize at "
                    f"{ctx.label(stage_at(ctx, normalized_at))}: normalized values span about "
                    "[-2, 2.6]",
                )
        if normalized_at is None and _is_normalize(transform):
            normalized_at = index


def deprecated_api(ctx: CheckContext) -> Iterator[Finding]:
    """A transform torchvision deprecates, with its replacement.

    ``v2.ToTensor`` warns and will be removed; ``v2.ConvertImageDtype`` is
    documented as deprecated in favour of ``v2.ToDtype(dtype, scale=True)``.
    v1's ``ToTensor`` and ``ConvertImageDtype`` are not deprecated (torchvision
    0.29) and are not reported.

    Fails::

        api: v2
        pipeline:
          - ToTensor

    Passes::

        api: v2
        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
    """
    for index, transform in flat(ctx):
        replacement = deprecated_replacement(transform)
        if replacement is not None:
            api = api_of(transform)
            yield finding(
                "AUG503",
                stage_at(ctx, index),
                f"{where(ctx, index, transform)} is deprecated ({api}.{name(transform)}): "
                f"use {replacement}",
            )


def image_skipped(ctx: CheckContext) -> Iterator[Finding]:
    """An input file could not be opened as an image (truncated, empty, not an image).

    The run goes on with the other images; this finding keeps the skip visible.

    Fails: a zero-byte ``broken.png`` among the images.

    Passes: every file opens with Pillow.
    """
    skipped = [img for img in ctx.images if img.status == "skipped"]
    for img in skipped:
        yield finding("AUG504", None, f"{img.path} skipped: {img.reason}", [img.path])


def stage_timeout(ctx: CheckContext) -> Iterator[Finding]:
    """A stage hung on a sample and was stopped; it is not run again in that run.

    The budget is per stage and sample: the stage's own calls (the real run,
    the coverage probes, the reference twin) and augaudit's measurement of
    their outputs, which on images of many megapixels can take seconds.

    Each later sample records it as not run, so one hanging stage costs one
    timeout, not one per sample. Only Python-level waits can be stopped (a
    loop, a sleep, a lock); C code that never returns cannot.

    Fails: a stage of a Python spec that calls ``time.sleep(3600)``.

    Passes: every stage returns within the limit.
    """
    for stage in ctx.stages:
        errors = _errors(stage, "timeout")
        if errors:
            images = sorted({e.image for e in errors})
            yield finding(
                "AUG505",
                stage,
                f"{ctx.label(stage)} {errors[0].message.removeprefix('StageTimeout: ')}; "
                f"{len(errors)} runs stopped or not run ({name_images(images)})",
                images,
            )


def unstable_output_type(ctx: CheckContext) -> Iterator[Finding]:
    """The same image comes out of a stage as different types on different samples.

    Compared per image, so ``--mode keep`` on a folder of gray and colour
    images is not reported.

    Fails::

        pipeline:
          - RandomApply: {transforms: [ToImage], p: 0.5}

    Passes::

        pipeline:
          - ToImage
    """
    for stage in ctx.stages:
        images = ctx.images_where(stage.index, lambda e: seen(e.type_varies))
        if images:
            kinds = ", ".join(t.label for t in stage.outputs)
            yield finding(
                "AUG506",
                stage,
                f"{ctx.label(stage)} returns different types across samples of "
                f"{name_images(images)}: {kinds}",
                images,
            )


def mutates_input(ctx: CheckContext) -> Iterator[Finding]:
    """A stage wrote into the object it was given instead of returning a new one.

    augaudit gives every sample a fresh copy of the image, so its own
    measurements are not affected; a training loop that caches decoded images
    or reuses a tensor would see the augmentation pile up.

    Fails: a stage of a Python spec that does ``t.mul_(0.5); return t``.

    Passes: the same stage written ``return t * 0.5``.
    """
    for stage in ctx.stages:
        images = ctx.images_where(stage.index, lambda e: seen(e.mutated_input))
        if images:
            yield finding(
                "AUG507",
                stage,
                f"{ctx.label(stage)} changed its input in place on {name_images(images)}",
                images,
            )
