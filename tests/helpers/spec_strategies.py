"""Hypothesis strategies for spec documents: real names and keys mixed with wrong types, huge
numbers and deep nesting (the YAML spec fuzzers and the CLI fuzzer share them)."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

TRANSFORMS = (
    "RandomCrop",
    "Resize",
    "RandomRotation",
    "Normalize",
    "ToDtype",
    "ToImage",
    "ColorJitter",
    "RandomApply",
    "RandomChoice",
    "Compose",
    "Pad",
    "GaussianBlur",
    "Lambda",
    "RandomErasing",
    "InterpolationMode",
    "v1.ToTensor",
    "v1.RandomAffine",
    "v2.RandomHorizontalFlip",
    "Transform",
    "functional",
    "Nope",
    "os.system",
    "torchvision.transforms.v2.RandomCrop.__init__",
)
KEYS = (
    "pipeline",
    "api",
    "input",
    "_target_",
    "_args_",
    "_partial_",
    "_convert_",
    "_recursive_",
    "transforms",
    "ignore",
    "p",
    "size",
    "degrees",
    "dtype",
    "scale",
    "interpolation",
    "fill",
    "padding",
    "mean",
    "std",
    "lambd",
    *TRANSFORMS,
)
HUGE = st.sampled_from(
    [10**30, -(10**30), 2**63, 2**64 + 1, 1e308, -1e308, math.inf, -math.inf, math.nan, 0, -1]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-5, 300)
    | HUGE
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(KEYS)
    | st.sampled_from(
        ["v1", "v2", "pil", "uint8", "float", "float32", "torch.uint8", "bilinear", "AUG301"]
    )
    | st.text(max_size=12)
)


def _tree(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=25,
    )


ANY_DATA = _tree(SCALARS)
ARGS = _tree(SCALARS)
ENTRY = st.sampled_from(TRANSFORMS) | st.dictionaries(
    st.sampled_from(TRANSFORMS), st.none() | SCALARS | ARGS, min_size=1, max_size=1
)
HYDRA_TARGET = st.sampled_from(
    [f"torchvision.transforms.v2.{n}" for n in TRANSFORMS if "." not in n]
    + ["torchvision.transforms.Resize", "torchvision.transforms.v2.functional.resize", "x", ""]
)


def hydra(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    nested: st.SearchStrategy[Any] = ARGS if depth == 0 else st.lists(hydra(depth - 1), max_size=3)
    return st.fixed_dictionaries(
        {"_target_": HYDRA_TARGET},
        optional={
            "_args_": st.lists(SCALARS, max_size=3) | SCALARS,
            "transforms": nested,
            "p": SCALARS,
            "size": SCALARS | ARGS,
            "_partial_": st.booleans(),
            "_bogus_": SCALARS,
        },
    )
