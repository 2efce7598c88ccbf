"""Record the installed torchvision's transform classes into augaudit/spec/torchvision_catalog.json.

Run after upgrading torchvision (tests/spec/test_catalog.py fails until you do):

    python tools/make_catalog.py

``augaudit validate`` reads the file to check YAML specs without importing torch; it falls back
to building the transforms when the installed torchvision differs from the recorded one.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import json
import pkgutil
from pathlib import Path
from typing import Any

from augaudit.knowledge import CONTAINERS
from augaudit.spec.allowlist import BUILTIN_NAMESPACES
from augaudit.spec.catalog import CATALOG_FILE, FORMAT, encode_default

OUTPUT = Path(__file__).resolve().parent.parent / "augaudit" / "spec" / CATALOG_FILE


def _parameters(cls: type) -> list[dict[str, Any]] | None:
    try:
        sig = inspect.signature(cls)
    except (TypeError, ValueError):  # as spec.convert.signature_of: no signature to check
        return None
    params = []
    for param in sig.parameters.values():
        entry: dict[str, Any] = {
            "name": param.name,
            "kind": param.kind.name,
            "required": param.default is param.empty
            and param.kind not in (param.VAR_POSITIONAL, param.VAR_KEYWORD),
        }
        if param.default is not param.empty:
            entry["default"] = encode_default(param.default)
        params.append(entry)
    return params


def _module(name: str, composes: tuple[type, ...]) -> dict[str, Any]:
    module = importlib.import_module(name)
    classes: dict[str, Any] = {}
    other: set[str] = set()
    for attr in dir(module):
        if attr.startswith("_"):
            continue
        value = getattr(module, attr)
        if not isinstance(value, type):
            other.add(attr)
            continue
        classes[attr] = {
            "module": value.__module__,
            "qualname": value.__qualname__,
            "container": attr in CONTAINERS,
            "compose": value in composes,
            "parameters": _parameters(value),
        }
    # Submodules resolve too (as modules, refused as transforms), loaded yet or not.
    other.update(m.name for m in pkgutil.iter_modules(module.__path__))
    return {"classes": classes, "other_names": sorted(n for n in other if not n.startswith("_"))}


def build_catalog() -> dict[str, Any]:
    """The catalog of the installed torchvision, as the JSON data the package ships."""
    import torch
    import torchvision.transforms as v1
    import torchvision.transforms.v2 as v2
    from torchvision.transforms import InterpolationMode

    dtypes = {
        name: str(value).removeprefix("torch.")
        for name in dir(torch)
        if isinstance(value := getattr(torch, name), torch.dtype)
    }
    return {
        "format": FORMAT,
        "torchvision": importlib.metadata.version("torchvision"),
        "modules": {name: _module(name, (v1.Compose, v2.Compose)) for name in BUILTIN_NAMESPACES},
        "dtypes": dict(sorted(dtypes.items())),
        "interpolations": [[mode.name.lower(), mode.value] for mode in InterpolationMode],
    }


def render(catalog: dict[str, Any]) -> str:
    return json.dumps(catalog, indent=1, sort_keys=True) + "\n"


def main() -> None:
    catalog = build_catalog()
    OUTPUT.write_text(render(catalog), encoding="utf-8")
    installed = catalog["torchvision"]
    print(f"wrote {OUTPUT} (torchvision {installed})")


if __name__ == "__main__":
    main()
