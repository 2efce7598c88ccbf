"""What the stages' draws let augaudit measure: lost measurements (AUG508), stages that
never change anything (AUG509), and stages that cannot be replayed (AUG510)."""

from __future__ import annotations

from collections.abc import Iterator

from augaudit.aggregate.evidence import Evidence, seen
from augaudit.checks.common import finding, name_images
from augaudit.checks.context import CheckContext
from augaudit.model import Finding


def _reference_lost(evidence: Evidence) -> bool:
    return seen(evidence.reference_lost) and not seen(evidence.unseeded)


def measurement_lost(ctx: CheckContext) -> Iterator[Finding]:
    """A stage made a measurement impossible from there on: the numbers after it are unknown.

    Border fill is tracked by running each stage on probe images with the real run's seed,
    and fidelity by a float64 twin with the same draws. A stage whose output grid differs
    from its probes' (it draws from a generator augaudit does not seed), that refuses the
    probes or the twin's input, or raises on them ends that measurement: the report shows
    no number rather than a wrong one, and this finding says so, so that a gate does not
    read the missing number as a pass.

    Fails: a Python spec stage that crops real images but returns None for a constant
    one (the probes), ``def crop(x): return v2.CenterCrop(32)(x) if x.float().std() > 0
    else None``, before a rotation.

    Passes: the same stage returning the crop for every input.
    """
    for stage in ctx.stages:
        for what, lost in (  # an unseeded stage is AUG510's, which says more
            ("border fill", lambda e: seen(e.fill_lost) and not seen(e.unseeded)),
            (
                "fidelity against the reference",
                lambda e: seen(e.reference_lost) and not seen(e.unseeded),
            ),
        ):
            images = ctx.images_where(stage.index, lost)
            if images:
                yield finding(
                    "AUG508",
                    stage,
                    f"{what} could not be measured from {ctx.label(stage)} on "
                    f"({name_images(images)}): it is unknown for the stages after it",
                    images,
                )


# Fewer draws than this say little: a flip with p=0.5 skips 4 draws in 6% of audits, 8 in 0.4%.
MIN_DRAWS = 8


def no_effect(ctx: CheckContext) -> Iterator[Finding]:
    """A stage returned its input unchanged on every image and sample audited.

    Said with the number of draws it held on, and only from 8 draws on: a random stage
    can do nothing on a few draws by chance, but a ``RandomApply`` with ``p=0`` (a
    known slip in published self-supervised recipes, where the blur was never applied)
    never does anything.

    Fails::

        pipeline:
          - ToImage
          - RandomApply: {p: 0.0, transforms: [{GaussianBlur: {kernel_size: 5}}]}

    Passes: the same ``RandomApply`` with ``p: 0.5``.
    """
    for stage in ctx.stages:
        per_image = ctx.per_image(stage.index)
        flags = [e.unchanged for e in per_image.values()]
        if stage.errors or stage.runs < MIN_DRAWS or not flags:
            continue
        if any(flag is None or not flag.all for flag in flags):
            continue
        images = "1 image" if len(flags) == 1 else f"{len(flags)} images"
        yield finding(
            "AUG509",
            stage,
            f"{ctx.label(stage)} returned its input unchanged on every image and sample "
            f"audited ({stage.runs} draws on {images})",
        )


def unseeded_random(ctx: CheckContext) -> Iterator[Finding]:
    """A stage gave two different outputs for the same input and seed.

    augaudit seeds torch's, ``random``'s and numpy's global generators before every stage
    call, and generators a stage holds as attributes (``random.Random``, numpy's
    ``Generator``/``RandomState``, ``torch.Generator``, MONAI's ``set_random_state``).
    A stage drawing from anything else cannot be replayed: its probes and its float64
    twin see other draws than the real run, so border fill and fidelity after it are
    unknown (not measured), and its own numbers change from run to run.

    Fails: a Python spec stage drawing from ``random.SystemRandom()`` (or from a
    generator built inside ``__call__`` from the clock).

    Passes: the same stage drawing from ``random`` or from a ``random.Random`` attribute.
    """
    for stage in ctx.stages:
        images = ctx.images_where(stage.index, lambda e: seen(e.unseeded))
        if images:
            yield finding(
                "AUG510",
                stage,
                f"{ctx.label(stage)} gave different outputs for the same input and seed on "
                f"{name_images(images)}: border fill and fidelity are unknown from it on, "
                "and its numbers change from run to run",
                images,
            )
