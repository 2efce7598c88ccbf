"""Checks decided from the spec alone (``static=True``): they also run in ``validate``.

They read the transform objects (``ctx.transforms``, containers opened) and
the stages' names and lines, never a metric. Each docstring is the check's
documentation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from augaudit.checks.common import finding
from augaudit.checks.context import CheckContext
from augaudit.checks.introspect import (
    NEAREST,
    TO_PIL,
    attribute,
    dtype_name,
    flat,
    interpolation,
    is_default,
    is_zero_fill,
    name,
    receives_tensor,
)
from augaudit.checks.registry import register
from augaudit.classify import GEOMETRIC, RESAMPLING, is_torchvision
from augaudit.model import Finding, StageReport

# Stages that clamp to [0, 1] or read pixel values as [0, 1] (or need 8 bits).
ASSUMES_UNIT = frozenset(
    {
        "ColorJitter",
        "RandomPhotometricDistort",
        "RandomSolarize",
        "RandomPosterize",
        "RandomAdjustSharpness",
        "RandomAutocontrast",
        "RandomEqualize",
        "RandomInvert",
        "AutoAugment",
        "RandAugment",
        "TrivialAugmentWide",
        "AugMix",
    }
)
# Resampling transforms that blend fill into image pixels through a tensor grid even
# on PIL input (torchvision converts to a tensor and back).
ALWAYS_GRID = frozenset({"ElasticTransform"})


def _stage(ctx: CheckContext, index: int) -> StageReport:
    return ctx.stages[index - 1]


def _where(ctx: CheckContext, index: int, transform: Any) -> str:
    """``stage 3 (RandomRotation)``, or ``stage 3 (RandomApply: RandomRotation)`` inside."""
    stage = _stage(ctx, index)
    inner = name(transform)
    return ctx.label(stage) if inner == stage.name else f"stage {index} ({stage.name}: {inner})"


@register(
    "AUG302",
    "nearest-resampling",
    "warning",
    "a geometric transform resamples image data with NEAREST (RandomRotation, RandomAffine and "
    "RandomPerspective do by default)",
    "pass interpolation=InterpolationMode.BILINEAR (YAML: interpolation: bilinear); NEAREST is "
    "for label masks, not images",
    static=True,
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
        if name(transform) not in GEOMETRIC or not is_torchvision(transform):
            continue
        mode = interpolation(transform)
        if mode not in NEAREST:
            continue
        default = " (its default)" if is_default(transform, "interpolation", mode) else ""
        yield finding(
            "AUG302",
            _stage(ctx, index),
            f"{_where(ctx, index, transform)} resamples with NEAREST{default}: moved pixels "
            "snap to one source pixel (about 30 dB instead of 43 dB for bilinear at 7 degrees)",
        )


@register(
    "AUG303",
    "zero-fill-blend",
    "info",
    "a bilinear rotation/affine/perspective on tensors with fill=0 darkens the edge pixels twice",
    "use fill=None (edge pixels blend with black once, as plain resampling does) or a mean "
    "fill such as fill=[0.485, 0.456, 0.406] on [0,1] floats (edges fade to the mean, not black)",
    static=True,
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
        if name(transform) not in RESAMPLING or not is_torchvision(transform):
            continue
        mode = interpolation(transform)
        if mode is None or mode in NEAREST or not is_zero_fill(getattr(transform, "fill", None)):
            continue
        if name(transform) not in ALWAYS_GRID and not receives_tensor(ctx, index):
            continue
        yield finding(
            "AUG303",
            _stage(ctx, index),
            f"{_where(ctx, index, transform)} resamples tensors {mode} with fill=0: edge "
            "pixels blend with black twice and come out darker than with fill=None",
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


@register(
    "AUG502",
    "normalize-order",
    "warning",
    "Normalize comes before a stage that assumes [0,1] pixels (ColorJitter, Solarize, "
    "AutoAugment...) or before a conversion to PIL/8 bits",
    "move Normalize to the end of the pipeline (after every colour and conversion stage); "
    "RandomErasing after Normalize is fine",
    static=True,
)
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
                    _stage(ctx, index),
                    f"{_where(ctx, index, transform)} {reason} but comes after Normalize at "
                    f"{ctx.label(_stage(ctx, normalized_at))}: normalized values span about "
                    "[-2, 2.6]",
                )
        if normalized_at is None and _is_normalize(transform):
            normalized_at = index


_DEPRECATED = {
    "ToTensor": "v2.ToImage() followed by v2.ToDtype(torch.float32, scale=True)",
    "ConvertImageDtype": "v2.ToDtype(dtype, scale=True)",
}


def _deprecated(transform: Any) -> str | None:
    """The replacement of a deprecated torchvision transform, or None."""
    module = type(transform).__module__
    kind = name(transform)
    if kind == "ToTensor" and module.startswith("torchvision.transforms.v2"):
        return _DEPRECATED[kind]
    if kind == "ConvertImageDtype" and module.startswith("torchvision.transforms"):
        return _DEPRECATED[kind]
    return None


@register(
    "AUG503",
    "deprecated-api",
    "info",
    "a deprecated transform: v2.ToTensor, or ConvertImageDtype (v1 or v2)",
    "use v2.ToImage() + v2.ToDtype(torch.float32, scale=True) (YAML: ToImage, then ToDtype: "
    "{dtype: float32, scale: true})",
    static=True,
)
def deprecated_api(ctx: CheckContext) -> Iterator[Finding]:
    """A transform torchvision deprecates, with its replacement.

    ``v2.ToTensor`` warns and will be removed; ``ConvertImageDtype`` (v1 and
    v2) is superseded by ``v2.ToDtype(dtype, scale=True)``. v1's
    ``ToTensor`` is not deprecated and is not reported.

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
        replacement = _deprecated(transform)
        if replacement is not None:
            api = "v2" if ".v2." in type(transform).__module__ + "." else "v1"
            yield finding(
                "AUG503",
                _stage(ctx, index),
                f"{_where(ctx, index, transform)} is deprecated ({api}.{name(transform)}): "
                f"use {replacement}",
            )
