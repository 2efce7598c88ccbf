"""Shadow transforms: stand-ins for torchvision classes that the static checks read alike.

A shadow class has the torchvision class's name, ``__module__`` and ``__qualname__``, and its
constructor signature as ``__signature__``, so ``type(t).__name__``,
``knowledge.is_torchvision_class`` and ``inspect.signature(type(t))`` read it as they read
the real class. An instance binds its arguments to that signature, fills in the defaults and
stores every parameter as an attribute of the same name, which is where torchvision keeps
what the checks read (``interpolation``, ``fill``, ``mean``, ``std``, ``dtype``, ``clip``,
``transforms``). Enums are held by value
(``"bilinear"``) and dtypes by name (``"float32"``): the checks read both forms alike.
"""

from __future__ import annotations

import inspect
from typing import Any

from augaudit.spec.catalog import ClassInfo, Opaque

# What the static checks read from transforms; a default the catalog could only record as a
# repr cannot stand in for one of these, so such a shadow says it cannot decide.
READ_ATTRIBUTES = frozenset({"interpolation", "fill", "mean", "std", "dtype", "clip", "transforms"})


class Undecided(Exception):
    """The static path cannot tell what building would do: build instead."""


class Shadow:
    """Base of every shadow class; never built directly."""

    __signature__: inspect.Signature
    _given: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        bound = type(self).__signature__.bind(*args, **kwargs)
        given = dict(bound.arguments)
        bound.apply_defaults()
        for name, value in bound.arguments.items():
            setattr(self, name, value)
        self._given = given

    def __repr__(self) -> str:
        # The arguments as given, not torchvision's own repr (which only building can produce).
        args = ", ".join(f"{name}={value!r}" for name, value in self._given.items())
        return f"{type(self).__name__}({args})"


_CLASSES: dict[tuple[str, str], type] = {}


def shadow_class(info: ClassInfo) -> type:
    """The shadow of one catalogued class (one class per class, so ``is`` compares them)."""
    key = (info.module, info.qualname)
    if key in _CLASSES:
        return _CLASSES[key]
    if info.signature is None:
        raise Undecided(f"{info.module}.{info.qualname} has no recorded signature")
    # Decided here, before the builder calls the class: it reports anything a constructor
    # raises as the user's error.
    for param in info.signature.parameters.values():
        if isinstance(param.default, Opaque) and param.name in READ_ATTRIBUTES:
            raise Undecided(f"{info.qualname}({param.name}={param.default!r})")
    namespace = {
        "__module__": info.module,
        "__qualname__": info.qualname,
        "__signature__": info.signature,
        "_compose": info.compose,
        "__doc__": f"Shadow of {info.module}.{info.qualname} (augaudit validate, no torch).",
    }
    cls = _CLASSES[key] = type(info.qualname.rsplit(".", 1)[-1], (Shadow,), namespace)
    return cls
