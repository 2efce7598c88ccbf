"""Checks on how stages and images behaved when run: raised, hung, misbehaved, skipped.

Each docstring is the check's documentation.
"""

from __future__ import annotations

from collections.abc import Iterator

from augaudit.checks.common import finding, name_images
from augaudit.checks.context import CheckContext
from augaudit.checks.registry import register
from augaudit.model import Finding, StageError, StageReport


def _errors(stage: StageReport, *kinds: str) -> list[StageError]:
    return [e for e in stage.errors if e.kind in kinds]


@register(
    "AUG501",
    "stage-raised",
    "error",
    "a stage raised on some image, or returned something that is not an image (None, a tuple)",
    "run with --debug for the traceback; check the input type the stage expects "
    "(PIL, uint8 or float tensor) and that it returns the image",
)
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


@register(
    "AUG504",
    "image-skipped",
    "warning",
    "an image could not be read and was skipped",
    "fix or remove the file; the reason names what Pillow reported",
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


@register(
    "AUG505",
    "stage-timeout",
    "error",
    "a stage, with its measurement, did not finish within --stage-timeout seconds "
    "(default 60) on a sample and was stopped",
    "find what the stage waits for (a lock, a download, an endless loop); raise "
    "--stage-timeout if it is only slow, or its images very large (measuring them counts too)",
)
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


@register(
    "AUG506",
    "unstable-output-type",
    "warning",
    "a stage returns a different type (class, dtype, mode or channels) from one call to the next",
    "make the stage return one type; a RandomApply or RandomChoice over conversions gives "
    "later stages (and the model) different inputs depending on the draw",
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
        images = ctx.images_where(stage.index, "type_varies", lambda lo, hi: hi > 0)
        if images:
            kinds = ", ".join(t.label for t in stage.outputs)
            yield finding(
                "AUG506",
                stage,
                f"{ctx.label(stage)} returns different types across samples of "
                f"{name_images(images)}: {kinds}",
                images,
            )


@register(
    "AUG507",
    "mutates-input",
    "warning",
    "a stage changes its input in place",
    "copy before changing (img = img.clone() for tensors, img.copy() for PIL and numpy); "
    "a dataset that caches decoded images would otherwise see them change",
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
        images = ctx.images_where(stage.index, "mutated_input", lambda lo, hi: hi > 0)
        if images:
            yield finding(
                "AUG507",
                stage,
                f"{ctx.label(stage)} changed its input in place on {name_images(images)}",
                images,
            )
