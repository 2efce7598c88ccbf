"""Geometry checks (3xx): border fill, nearest resampling, zero fill blended into edges.

Each check function's docstring is its documentation (``augaudit explain``).
"""

from __future__ import annotations

from collections.abc import Iterator

from augaudit.aggregate.evidence import hi_above
from augaudit.checks.common import finding, pct, stage_at, where
from augaudit.checks.context import CheckContext
from augaudit.checks.introspect import flat, receives_tensor
from augaudit.knowledge import (
    ALWAYS_GRID,
    GEOMETRIC,
    NEAREST,
    RESAMPLING,
    interpolation,
    is_default,
    is_torchvision_class,
    is_zero_fill,
    name,
)
from augaudit.model import Finding


def border_fill(ctx: CheckContext) -> Iterator[Finding]:
    """Too much of the final image is fill (rotation corners, padding, erased areas).

    Fill is tracked from the source pixels, not guessed from colour, so a
    photo's own black areas never count.

    Fails::

        pipeline:
          - RandomRotation: {degrees: [45, 45]}

    Passes::

        pipeline:
          - RandomRotation: {degrees: 5, interpolation: bilinear}
          - CenterCrop: 200
    """
    measured = [s for s in ctx.stages if s.metrics.get("border_fill_fraction") is not None]
    if not measured or measured[-1].index != len(ctx.stages):
        return
    final = measured[-1]
    stat = final.metrics["border_fill_fraction"]
    assert stat is not None
    mean_max, worst_max = ctx.thresholds["border-fill-mean"], ctx.thresholds["border-fill-max"]
    if stat.mean <= mean_max and stat.max <= worst_max:
        return
    previous, source, largest = 0.0, None, 0.0
    for stage in measured:
        s = stage.metrics["border_fill_fraction"]
        assert s is not None
        if s.mean - previous > largest:
            source, largest = stage, s.mean - previous
        previous = s.mean
    added = f"; most added by {ctx.label(source)}" if source else ""
    images = ctx.images_where(
        final.index,
        lambda e: (
            hi_above(e.border_fill_fraction, worst_max)
            or hi_above(e.border_fill_fraction, mean_max)
        ),
    )
    yield finding(
        "AUG301",
        final,
        f"border fill of the final output is {pct(stat.mean)} on average and {pct(stat.max)} "
        f"at worst (limits {pct(mean_max)} / {pct(worst_max)}){added}",
        images,
    )


def nearest_resampling(ctx: CheckContext) -> Iterator[Finding]:
    """A rotation, affine, perspective or resize picks the nearest source pixel.

    Every moved pixel snaps to one source pixel, so edges turn jagged and thin
    lines break: a 7 degree rotation gives 30.5 dB with NEAREST against 43.2 dB
    with BILINEAR, compared with a supersampled rotation. It is the default of
    ``RandomRotation``, ``RandomAffine`` and ``RandomPerspective`` (v1 and v2).

    Fails::

        pipeline:
          - RandomRotation: {degrees: 10}

    Passes::

        pipeline:
          - RandomRotation: {degrees: 10, interpolation: bilinear}
    """
    for index, transform in flat(ctx):
        if not is_torchvision_class(transform, GEOMETRIC):
            continue
        mode = interpolation(transform)
        if mode not in NEAREST:
            continue
        default = " (its default)" if is_default(transform, "interpolation", mode) else ""
        yield finding(
            "AUG302",
            stage_at(ctx, index),
            f"{where(ctx, index, transform)} resamples with NEAREST{default}: moved pixels "
            "snap to one source pixel (about 30 dB instead of 43 dB for bilinear at 7 degrees)",
        )


def zero_fill_blend(ctx: CheckContext) -> Iterator[Finding]:
    """``fill=0`` with bilinear resampling of tensors darkens the image's border twice.

    torchvision resamples with zero padding (edge pixels already blend with
    black) and then blends the fill in by the coverage mask again, so edge
    pixels end up scaled by the square of their coverage (pytorch/vision
    #6517, #8083). ``fill=0`` is the default of v2's random geometric
    transforms. PIL images are resampled by PIL and are not affected, except
    by ``ElasticTransform``, which always runs on a tensor grid.

    Fails::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
          - RandomRotation: {degrees: 10, interpolation: bilinear}

    Passes::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
          - RandomRotation: {degrees: 10, interpolation: bilinear, fill: null}
    """
    for index, transform in flat(ctx):
        if not is_torchvision_class(transform, RESAMPLING):
            continue
        mode = interpolation(transform)
        if mode is None or mode in NEAREST or not is_zero_fill(getattr(transform, "fill", None)):
            continue
        if name(transform) not in ALWAYS_GRID and not receives_tensor(ctx, index):
            continue
        yield finding(
            "AUG303",
            stage_at(ctx, index),
            f"{where(ctx, index, transform)} resamples tensors {mode} with fill=0: edge "
            "pixels blend with black twice and come out darker than with fill=None",
        )
