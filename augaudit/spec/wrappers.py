"""The inner pipeline of a user's wrapper object: a candidate for a stage-by-stage audit.

Training code wraps its Compose in a class (``ClassificationPresetTrain``, a
``TrainTransform``, an ``nn.Module``) whose ``__call__``/``forward`` delegates to it.
Seen from outside, that is one opaque stage. This module only *finds* the inner
pipeline held in the wrapper's attributes; the audit uses it only once calling the
wrapper has been proved equal to calling the inner pipeline, on the audited images
with the same seed (``augaudit.measure.delegation``).
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from augaudit.knowledge import is_torchvision_class

MAX_SEARCH_DEPTH = 3  # attribute levels searched below the wrapper


@dataclass(frozen=True)
class Delegate:
    """What a wrapper stage would be audited as: ``target`` (a callable pipeline, or a
    list of transforms applied in turn) at attribute ``path``, flattened into ``members``
    as (name path, transform) pairs."""

    path: str
    target: Any
    members: tuple[tuple[str, Any], ...]

    def __call__(self, x: Any) -> Any:
        if isinstance(self.target, list | tuple):
            for transform in self.target:
                x = transform(x)
            return x
        return self.target(x)


def find_delegate(obj: Any, label: str) -> Delegate | None:
    """The one inner pipeline of ``obj``, a user's wrapper, or None (not a wrapper, none
    found, or several: a multi-view wrapper calls more than one)."""
    if not _is_wrapper(obj):
        return None
    found = list(_pipelines(obj, label, 0, {id(obj)}))
    if len(found) != 1:
        return None
    path, target = found[0]
    return Delegate(path, target, tuple(_flat(target, path)))


def _is_wrapper(obj: Any) -> bool:
    if isinstance(obj, type) or inspect.isroutine(obj) or inspect.ismodule(obj):
        return False
    if is_torchvision_class(obj) or _sequence(obj) is not None:
        return False
    return callable(obj) and hasattr(obj, "__dict__")


def _pipelines(obj: Any, path: str, depth: int, seen: set[int]) -> Iterator[tuple[str, Any]]:
    for name, value in _attributes(obj):
        if id(value) in seen:
            continue
        seen.add(id(value))
        here = f"{path}.{name}"
        if _is_pipeline(value):
            yield here, value
        elif depth < MAX_SEARCH_DEPTH and _is_wrapper(value):
            yield from _pipelines(value, here, depth + 1, seen)


def _attributes(obj: Any) -> list[tuple[str, Any]]:
    """Public instance attributes, and an ``nn.Module``'s registered children."""
    values = [(k, v) for k, v in vars(obj).items() if not k.startswith("_")]
    children = vars(obj).get("_modules")
    if isinstance(children, dict):
        values += [(k, v) for k, v in children.items() if v is not None]
    return values


def _is_pipeline(value: Any) -> bool:
    """A container of transforms, or one of torchvision's transforms on its own."""
    members = _sequence(value)
    if members is not None:
        return bool(members) and all(callable(m) and not isinstance(m, type) for m in members)
    # Callable: torchvision.transforms also defines enums (InterpolationMode) and functions.
    return callable(value) and not isinstance(value, type) and is_torchvision_class(value)


def _sequence(value: Any) -> list[Any] | None:
    """The members of a list, tuple, Compose or nn.Sequential; None for anything else."""
    if isinstance(value, list | tuple):
        return list(value)
    inner = getattr(value, "transforms", None)
    if type(value).__name__ == "Compose" and isinstance(inner, list | tuple):
        return list(inner)
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.nn.Sequential):
        return list(value)
    return None


def _flat(target: Any, path: str) -> Iterator[tuple[str, Any]]:
    members = _sequence(target)
    if members is None:
        yield path, target
        return
    where = f"{path}.transforms" if type(target).__name__ == "Compose" else path
    for index, member in enumerate(members):
        yield from _flat(member, f"{where}[{index}]")
