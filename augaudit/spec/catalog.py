"""A recorded catalog of torchvision's transform classes, read without importing torchvision.

``torchvision_catalog.json`` is written by ``tools/make_catalog.py`` from the installed
torchvision: for every public class of ``torchvision.transforms`` and ``torchvision.transforms.v2``
its module, its constructor parameters and defaults, plus the dtype and interpolation names the
builder accepts. ``augaudit validate`` checks YAML specs against it instead of importing torch.
Defaults are stored as JSON; values JSON cannot hold are tagged objects (see ``encode_default``).
"""

from __future__ import annotations

import enum
import functools
import inspect
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from augaudit.errors import SpecError

CATALOG_FILE = "torchvision_catalog.json"
FORMAT = 1
_P = inspect.Parameter
_KINDS = {
    k.name: k
    for k in (
        _P.POSITIONAL_ONLY,
        _P.POSITIONAL_OR_KEYWORD,
        _P.VAR_POSITIONAL,
        _P.KEYWORD_ONLY,
        _P.VAR_KEYWORD,
    )
}


class Opaque:
    """A default the catalog could only record as its repr (never a plain number or None)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def encode_default(value: Any) -> Any:
    """A parameter default as JSON: plain values as they are, the rest as tagged objects."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, enum.Enum):
        # The builder turns YAML strings into enums and the checks read enums by value, so a
        # shadow holds the value where the real class holds the enum.
        return {"enum": f"{type(value).__qualname__}.{value.name}", "value": value.value}
    if type(value).__name__ == "dtype" and type(value).__module__ == "torch":
        return {"dtype": str(value).removeprefix("torch.")}
    if isinstance(value, tuple | list):
        items = [encode_default(v) for v in value]
        return {"tuple": items} if isinstance(value, tuple) else items
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: encode_default(v) for k, v in value.items()}}
    return {"repr": repr(value)}


def decode_default(value: Any) -> Any:
    """The inverse of ``encode_default``, with enums as their values and dtypes as names."""
    if isinstance(value, list):
        return [decode_default(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "float" in value:
        return float(value["float"])
    if "enum" in value:
        return value["value"]
    if "dtype" in value:
        return value["dtype"]
    if "tuple" in value:
        return tuple(decode_default(v) for v in value["tuple"])
    if "dict" in value:
        return {k: decode_default(v) for k, v in value["dict"].items()}
    return Opaque(value["repr"])


@dataclass(frozen=True)
class ClassInfo:
    """One public class of a catalogued module, as recorded."""

    name: str
    module: str
    qualname: str
    container: bool
    compose: bool  # torchvision's own Compose: the builder flattens it into stages
    signature: inspect.Signature | None  # None: the class has no signature to check against


@dataclass(frozen=True)
class ModuleInfo:
    name: str
    classes: dict[str, ClassInfo]
    other_names: frozenset[str]  # functions, constants and submodules: not classes, not unknown


@dataclass(frozen=True)
class Catalog:
    torchvision: str
    modules: dict[str, ModuleInfo]
    dtypes: dict[str, str]  # every name torch has for a dtype -> its canonical name
    interpolations: tuple[tuple[str, str], ...]  # (lower-case enum name, value), enum order

    def parse_dtype(self, text: str, where: str) -> str:
        """The canonical dtype name, with ``convert.parse_dtype``'s error for unknown ones."""
        name = text.strip().removeprefix("torch.")
        if name in self.dtypes:
            return self.dtypes[name]
        canonical = sorted(set(self.dtypes.values()))
        raise SpecError(
            f"unknown dtype {text!r}", where=where, hint=f"valid dtypes: {', '.join(canonical)}"
        )

    def parse_interpolation(self, text: str, where: str) -> str:
        """The mode's value, with ``convert.parse_interpolation``'s error for unknown ones."""
        key = text.strip().rsplit(".", 1)[-1].lower().replace("-", "_")
        for name, value in self.interpolations:
            if name == key:
                return value
        names = ", ".join(name for name, _ in self.interpolations)
        raise SpecError(
            f"unknown interpolation {text!r}",
            where=where,
            hint=f"valid interpolations: {names}",
        )


def _signature(params: list[dict[str, Any]] | None) -> inspect.Signature | None:
    if params is None:
        return None
    return inspect.Signature(
        [
            inspect.Parameter(
                p["name"],
                _KINDS[p["kind"]],
                default=decode_default(p["default"]) if "default" in p else inspect.Parameter.empty,
            )
            for p in params
        ]
    )


def from_json(data: dict[str, Any]) -> Catalog:
    modules = {}
    for module_name, module in data["modules"].items():
        classes = {
            name: ClassInfo(
                name=name,
                module=info["module"],
                qualname=info["qualname"],
                container=info["container"],
                compose=info["compose"],
                signature=_signature(info["parameters"]),
            )
            for name, info in module["classes"].items()
        }
        modules[module_name] = ModuleInfo(module_name, classes, frozenset(module["other_names"]))
    return Catalog(
        torchvision=data["torchvision"],
        modules=modules,
        dtypes=dict(data["dtypes"]),
        interpolations=tuple((name, value) for name, value in data["interpolations"]),
    )


@functools.cache
def load_catalog() -> Catalog | None:
    """The shipped catalog, or None when it is missing or of another format."""
    # Next to this module (package data); importlib.resources would cost 13 ms to import.
    try:
        text = Path(__file__).with_name(CATALOG_FILE).read_text("utf-8")
    except OSError:
        return None
    data = json.loads(text)
    if data.get("format") != FORMAT:
        return None
    return from_json(data)
