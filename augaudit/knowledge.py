"""What augaudit knows about torchvision's transform classes, in one place. No torch here.

Everything that depends on a class being one of torchvision's own goes through
:func:`is_torchvision_class`: a subclass defined elsewhere may change what the
torchvision class is known to do, so it is treated as unknown code.

The kind of a stage decides how a stage is measured: a photometric stage keeps every pixel
where it was (coverage passes through, "change vs input" is meaningful); a
geometric one moves pixels (coverage is probed); a conversion changes the type.
Classes augaudit does not know (a user's, timm's) are ``unknown`` and are
probed like geometric ones, which is always correct, only slower.
"""

from __future__ import annotations

import inspect
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


def is_torchvision_class(transform: Any, names: frozenset[str] | None = None) -> bool:
    """Whether ``transform`` is one of torchvision's own transform classes (of ``names``).

    The one rule for "torchvision's own": the class is defined in
    ``torchvision.transforms`` (v1 or v2; the recorded catalog's shadow classes carry
    the same module). Subclasses defined elsewhere do not count.
    """
    cls = type(transform)
    if not cls.__module__.startswith("torchvision.transforms."):
        return False
    return names is None or cls.__name__ in names


def api_of(transform: Any) -> str:
    """``v2`` for a class of ``torchvision.transforms.v2``, else ``v1``."""
    return "v2" if ".v2." in type(transform).__module__ + "." else "v1"


def members(transform: Any) -> list[Any]:
    """The transforms a torchvision container holds (empty for anything else)."""
    if is_torchvision_class(transform, CONTAINERS):
        inner = getattr(transform, "transforms", None)
        if isinstance(inner, (list, tuple)):
            return list(inner)
        if inner is not None and hasattr(inner, "__iter__"):
            return list(inner)
    return []


def stage_kind(transform: Any) -> StageKind:
    """Classify a transform; containers take the most disruptive kind of their members."""
    name = type(transform).__name__
    if not is_torchvision_class(transform):
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


# What each class is known to do (measuring shortcuts and static checks).

#: torchvision classes whose parameters have no units (factors, kernel sizes,
#: probabilities): on integers they compute what they compute on floats, then
#: round, so the float run is the same operation and the run at real
#: precision could only confirm it (tests/measure/test_speedups.py checks that it
#: does). Not here: RandomSolarize (a threshold in raw units), RandomPosterize
#: and JPEG (integers only), RandomEqualize (histogram bins of 8-bit values).
UNIT_FREE = frozenset(
    {
        "ColorJitter",
        "GaussianBlur",
        "Grayscale",
        "RandomGrayscale",
        "RandomInvert",
        "RandomAdjustSharpness",
        "RandomAutocontrast",
        "RandomChannelPermutation",
        "RandomPhotometricDistort",
    }
)


# torchvision classes whose every output pixel comes from source pixels: crops
# that stay inside the image, resizing and flips. When the source covers the
# whole input, it covers the whole output, and probes would only confirm it
# (tests/measure/test_speedups.py checks that they do). Exact classes only: a subclass
# may add padding.
FILL_FREE = frozenset({"RandomResizedCrop", "Resize", "RandomHorizontalFlip", "RandomVerticalFlip"})


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
# Ops whose output for a pixel depends on other pixels' values (a histogram) or that map
# values non-linearly: after fill or a geometric op in the same stage, the probes'
# difference no longer separates fill from content. Policies may draw one after a warp.
VALUE_DEPENDENT = frozenset(
    {
        "RandomEqualize",
        "RandomAutocontrast",
        "RandomSolarize",
        "RandomPosterize",
        "AutoAugment",
        "RandAugment",
        "TrivialAugmentWide",
        "AugMix",
    }
)
# Resampling transforms that blend fill into image pixels through a tensor grid even
# on PIL input (torchvision converts to a tensor and back).
ALWAYS_GRID = frozenset({"ElasticTransform"})


# Reading transform objects without running them: attributes read alike in v1 and v2.

# PIL's resampling filter codes, which torchvision also accepts as ``interpolation``.
_PIL_FILTERS = {0: "nearest", 1: "lanczos", 2: "bilinear", 3: "bicubic", 4: "box", 5: "hamming"}
NEAREST = frozenset({"nearest", "nearest-exact", "nearest_exact"})
# Conversions that fix the data's type for the stages after them.
TO_TENSOR = frozenset({"ToImage", "ToTensor", "PILToTensor", "ToImageTensor", "ToPureTensor"})
TO_PIL = frozenset({"ToPILImage", "ToImagePIL"})
_MISSING = object()


def name(transform: Any) -> str:
    return type(transform).__name__


def interpolation(transform: Any) -> str | None:
    """The transform's interpolation as a lower-case name, or None if it has none."""
    value = getattr(transform, "interpolation", None)
    return None if value is None else interpolation_name(value)


def interpolation_name(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return _PIL_FILTERS.get(value, str(value))
    return str(getattr(value, "value", value)).lower()


def is_default(transform: Any, parameter: str, value: Any) -> bool:
    """Whether ``value`` is what the transform's class uses when ``parameter`` is not given."""
    try:
        default = inspect.signature(type(transform)).parameters[parameter].default
    except (KeyError, TypeError, ValueError):
        return False
    if default is inspect.Parameter.empty:
        return False
    if parameter == "interpolation":
        return interpolation_name(default) == interpolation_name(value)
    return bool(default == value)


def is_zero_fill(fill: Any) -> bool:
    """A fill of 0 (a number, a sequence of zeros, or a v2 per-type dict of them)."""
    if fill is None:
        return False
    if isinstance(fill, dict):
        values = [v for v in fill.values() if v is not None]
        return bool(values) and all(is_zero_fill(v) for v in values)
    if isinstance(fill, (list, tuple)):
        return bool(fill) and all(is_zero_fill(v) for v in fill)
    try:
        return float(fill) == 0.0
    except (TypeError, ValueError):
        return False


def attribute(transform: Any, *names: str) -> Any:
    """The first of ``names`` the transform has, else a sentinel that is never a value."""
    for attr in names:
        value = getattr(transform, attr, _MISSING)
        if value is not _MISSING:
            return value
    return _MISSING


def dtype_name(transform: Any) -> str | None:
    """``uint8``, ``float32``... of a ToDtype/ConvertImageDtype (images' dtype for a dict)."""
    dtype = getattr(transform, "dtype", None)
    if isinstance(dtype, dict):
        for key, value in dtype.items():
            if "Image" in getattr(key, "__name__", str(key)) or key == "others":
                dtype = value
                break
        else:
            return None
    return None if dtype is None else str(dtype).removeprefix("torch.")


_DEPRECATED = {
    "ToTensor": "v2.ToImage() followed by v2.ToDtype(torch.float32, scale=True)",
    "ConvertImageDtype": "v2.ToDtype(dtype, scale=True)",
}


def deprecated_replacement(transform: Any) -> str | None:
    """The replacement of a deprecated torchvision transform, or None."""
    kind = name(transform)
    # torchvision 0.29 deprecates v2's ToTensor (it warns) and v2's ConvertImageDtype (its
    # docstring); v1's are current.
    if kind in _DEPRECATED and is_torchvision_class(transform) and api_of(transform) == "v2":
        return _DEPRECATED[kind]
    return None


# Augmentation policies of any library (timm's RandAugment, AutoAugment, AugMixAugment hold
# Equalize, Solarize, Posterize and AutoContrast among their ops), known by class name.
POLICY_NAMES = frozenset(
    {"AutoAugment", "RandAugment", "TrivialAugmentWide", "AugMix", "AugMixAugment"}
)


def holds_value_dependent_op(transform: Any) -> bool:
    """Whether a stage is, or holds, an op of ``VALUE_DEPENDENT`` (torchvision's) or a
    policy of ``POLICY_NAMES`` (any library's)."""
    return any(
        is_torchvision_class(t, VALUE_DEPENDENT) or type(t).__name__ in POLICY_NAMES
        for t in walk(transform)
    )
