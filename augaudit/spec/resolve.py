"""Resolve a dotted name from a YAML spec to a transform class, importing only allowed modules."""

from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Sequence
from types import ModuleType

from augaudit.errors import SpecError, UnsafeSpecError
from augaudit.spec.allowlist import ALLOW_HINT, check_path, is_allowed
from augaudit.spec.entries import V1, V2

_MISSING = object()


def resolve_class(path: str, allowed: Sequence[str], where: str) -> type:
    """The class named by ``path``; refuses anything outside ``allowed`` before importing it."""
    prefix = check_path(path, allowed, where)
    module = _import(prefix, where)
    rest = path[len(prefix) + 1 :].split(".")
    for index, segment in enumerate(rest):
        last = index == len(rest) - 1
        qualified = f"{module.__name__}.{segment}"
        obj = getattr(module, segment, _MISSING)
        if obj is _MISSING:
            # Not an attribute (yet): it may be a submodule that is not imported. It is inside
            # an allowed module, so importing it is within what the allow-list permits.
            obj = _import_submodule(qualified, module, segment, where)
        if inspect.ismodule(obj):
            if obj.__name__ != qualified:
                # e.g. "torchvision.transforms.torch": a module re-exported under another name
                # would let a spec walk out of the allowed namespace.
                raise UnsafeSpecError(
                    f"'{path}' reaches module {obj.__name__} through {module.__name__}",
                    where=where,
                    hint=ALLOW_HINT,
                )
            if last:
                raise SpecError(
                    f"'{path}' is a module, not a transform class",
                    where=where,
                    hint=f"name a class inside it, e.g. {path}.ClassName",
                )
            module = obj
            continue
        if not last or not isinstance(obj, type):
            what = "a class attribute path" if not last else f"a {type(obj).__name__}"
            raise SpecError(
                f"'{path}' is {what}, not a transform class",
                where=where,
                hint="YAML specs can only name transform classes, which are then instantiated",
            )
        if not is_allowed(obj.__module__, allowed):
            # A class imported into an allowed module from elsewhere (e.g. "from subprocess
            # import Popen") is not part of that namespace.
            raise UnsafeSpecError(
                f"'{path}' is {obj.__module__}.{obj.__qualname__}, "
                f"outside the allowed namespaces ({', '.join(allowed)})",
                where=where,
                hint=ALLOW_HINT,
            )
        return obj
    raise AssertionError("unreachable: check_path leaves at least one attribute")


def _import(name: str, where: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            raise SpecError(
                f"cannot import module '{name}'",
                where=where,
                hint="check the module name and that it is installed or on PYTHONPATH",
            ) from None
        raise _import_failed(name, exc, where) from None
    except Exception as exc:
        raise _import_failed(name, exc, where) from None


def _import_submodule(qualified: str, parent: ModuleType, segment: str, where: str) -> object:
    try:
        return importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name != qualified:
            raise _import_failed(qualified, exc, where) from None
    except Exception as exc:
        raise _import_failed(qualified, exc, where) from None
    raise SpecError(
        f"unknown transform '{segment}' in {parent.__name__}",
        where=where,
        hint=_suggest(segment, parent),
    )


def _import_failed(name: str, exc: BaseException, where: str) -> SpecError:
    return SpecError(
        f"importing {name} failed: {type(exc).__name__}: {one_line(str(exc))}",
        where=where,
        hint="fix the module so that it imports cleanly",
    )


def public_classes(module: ModuleType) -> list[str]:
    names = []
    for name in dir(module):
        if not name.startswith("_") and isinstance(getattr(module, name, None), type):
            names.append(name)
    return names


def _suggest(segment: str, module: ModuleType) -> str:
    other = {V2: (V1, "v1"), V1: (V2, "v2")}.get(module.__name__)
    if other is not None:
        # An exact name in the other torchvision API beats a near miss in this one. Both
        # namespaces are allow-listed, so importing the other one is permitted.
        other_module = importlib.import_module(other[0])
        if isinstance(getattr(other_module, segment, None), type):
            return f"{segment} is in {other[0]}; write {other[1]}.{segment}"
    close = difflib.get_close_matches(segment, public_classes(module), n=1)
    if close:
        return f"did you mean {close[0]}?"
    return f"names are case-sensitive class names from {module.__name__}"


def one_line(text: str, limit: int = 300) -> str:
    """Collapse a (possibly multi-line) message so the CLI can print it on one line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
