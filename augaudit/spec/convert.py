"""Turn YAML strings into the objects torchvision expects (dtypes, interpolation modes), and
describe constructor signatures for error hints."""

from __future__ import annotations

import functools
import inspect
from typing import Any

from augaudit.errors import SpecError
from augaudit.spec.allowlist import shown


@functools.cache
def _dtypes() -> dict[str, Any]:
    import torch

    # Every dtype torch exposes, with its aliases (float/double/half/long ...), by attribute name.
    return {
        name: value for name in dir(torch) if isinstance(value := getattr(torch, name), torch.dtype)
    }


def parse_dtype(text: str, where: str) -> Any:
    """``float32`` / ``torch.float32`` -> ``torch.float32``."""
    name = text.strip()
    name = name.removeprefix("torch.")
    dtypes = _dtypes()
    if name in dtypes:
        return dtypes[name]
    canonical = sorted({str(d).removeprefix("torch.") for d in dtypes.values()})
    raise SpecError(
        f"unknown dtype {shown(text)}",
        where=where,
        hint=f"valid dtypes: {', '.join(canonical)}",
    )


def parse_interpolation(text: str, where: str) -> Any:
    """``bilinear`` / ``NEAREST`` / ``InterpolationMode.BICUBIC`` / ``nearest-exact`` -> enum."""
    from torchvision.transforms import InterpolationMode

    key = text.strip().rsplit(".", 1)[-1].lower().replace("-", "_")
    for mode in InterpolationMode:
        if mode.name.lower() == key:
            return mode
    raise SpecError(
        f"unknown interpolation {shown(text)}",
        where=where,
        hint=f"valid interpolations: {', '.join(m.name.lower() for m in InterpolationMode)}",
    )


def signature_of(cls: type) -> inspect.Signature | None:
    try:
        return inspect.signature(cls)
    except (TypeError, ValueError):  # some C-implemented classes have none
        return None


def format_signature(name: str, sig: inspect.Signature | None) -> str:
    """``RandomRotation(degrees, interpolation=..., expand=False, center=None, fill=0)``."""
    if sig is None:
        return f"{name}(...)"
    parts: list[str] = []
    starred = False
    for param in sig.parameters.values():
        if param.kind is param.VAR_POSITIONAL:
            parts.append(f"*{param.name}")
            starred = True
        elif param.kind is param.VAR_KEYWORD:
            parts.append(f"**{param.name}")
        else:
            if param.kind is param.KEYWORD_ONLY and not starred:
                parts.append("*")
                starred = True
            parts.append(
                param.name
                if param.default is param.empty
                else f"{param.name}={_show_default(param.default)}"
            )
    return f"{name}({', '.join(parts)})"


def _show_default(value: Any) -> str:
    # Plain numbers and None are short and say what to write; anything else (enums, strings,
    # tuples) would only make the hint longer than it helps.
    if value is None or type(value) in (bool, int, float):
        return repr(value)
    return "..."
