"""What kind of stage a transform is, from what torchvision documents about its classes.

The kind decides how a stage is measured: a photometric stage keeps every pixel
where it was (coverage passes through, "change vs input" is meaningful); a
geometric one moves pixels (coverage is probed); a conversion changes the type.
Classes augaudit does not know (a user's, timm's) are ``unknown`` and are
probed like geometric ones, which is always correct, only slower.
"""

from __future__ import annotations

from typing import Any, Literal

StageKind = Literal["photometric", "conversion", "geometric", "unknown"]

PHOTOMETRIC = frozenset(
    {
        "ColorJitter",
        "Grayscale",
        "RandomGrayscale",
        "GaussianBlur",
        "GaussianNoise",
        "RandomInvert",
        "RandomPosterize",
        "RandomSolarize",
        "RandomAdjustSharpness",
        "RandomAutocontrast",
        "RandomEqualize",
        "RandomChannelPermutation",
        "RandomPhotometricDistort",
        "Normalize",
        "JPEG",
        "RGB",
        "Identity",
    }
)
CONVERSION = frozenset(
    {
        "ToTensor",
        "PILToTensor",
        "ToImage",
        "ToPILImage",
        "ToDtype",
        "ConvertImageDtype",
        "ToPureTensor",
        "ToImageTensor",
        "ToImagePIL",
    }
)
GEOMETRIC = frozenset(
    {
        "Resize",
        "RandomResize",
        "RandomShortestSize",
        "ScaleJitter",
        "RandomResizedCrop",
        "CenterCrop",
        "RandomCrop",
        "Pad",
        "RandomZoomOut",
        "RandomIoUCrop",
        "RandomRotation",
        "RandomAffine",
        "RandomPerspective",
        "ElasticTransform",
        "RandomHorizontalFlip",
        "RandomVerticalFlip",
    }
)
CONTAINERS = frozenset({"Compose", "RandomApply", "RandomChoice", "RandomOrder"})
# Stages whose resampling interpolation matters (AUG302 and the PIL twin route).
RESAMPLING = frozenset({"RandomRotation", "RandomAffine", "RandomPerspective", "ElasticTransform"})


def is_torchvision(transform: Any) -> bool:
    return type(transform).__module__.startswith("torchvision.")


def is_torchvision_class(transform: Any, names: frozenset[str]) -> bool:
    """Whether ``transform`` is one of torchvision's own transform classes ``names``.

    Subclasses defined elsewhere do not count: they may change what the
    torchvision class is known to do.
    """
    cls = type(transform)
    return cls.__name__ in names and cls.__module__.startswith("torchvision.transforms.")


def members(transform: Any) -> list[Any]:
    """The transforms a torchvision container holds (empty for anything else)."""
    if type(transform).__name__ in CONTAINERS and is_torchvision(transform):
        inner = getattr(transform, "transforms", None)
        if isinstance(inner, (list, tuple)):
            return list(inner)
        if inner is not None and hasattr(inner, "__iter__"):
            return list(inner)
    return []


def stage_kind(transform: Any) -> StageKind:
    """Classify a transform; containers take the most disruptive kind of their members."""
    name = type(transform).__name__
    if not is_torchvision(transform):
        return "unknown"
    if name in CONTAINERS:
        kinds = {stage_kind(m) for m in members(transform)}
        order: tuple[StageKind, ...] = ("unknown", "geometric", "conversion")
        for kind in order:
            if kind in kinds:
                return kind
        return "photometric"
    if name in PHOTOMETRIC:
        return "photometric"
    if name in CONVERSION:
        return "conversion"
    if name in GEOMETRIC:
        return "geometric"
    return "unknown"


def walk(transform: Any) -> list[Any]:
    """The transform and, recursively, every member of its containers."""
    out = [transform]
    for m in members(transform):
        out.extend(walk(m))
    return out


def normalize_params(transform: Any) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """(mean, std) of a top-level Normalize stage, else None."""
    if type(transform).__name__ != "Normalize":
        return None
    mean, std = getattr(transform, "mean", None), getattr(transform, "std", None)
    if mean is None or std is None:
        return None
    as_tuple = lambda v: tuple(float(x) for x in (v if hasattr(v, "__iter__") else [v]))  # noqa: E731
    return as_tuple(mean), as_tuple(std)
