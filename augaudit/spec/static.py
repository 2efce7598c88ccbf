"""Load a YAML spec without importing torch: names and arguments checked against the catalog.

The spec is read and parsed as ``load_spec`` reads it, and the builder's own traversal runs
(allow-list pre-check, Compose flattening, binding arguments to signatures, converting dtypes
and interpolations), so errors come out in the same order and with the same text. Only the
classes differ: shadows (:mod:`augaudit.spec.shadow`) built from the recorded catalog stand in
for torchvision's. Whatever the catalog cannot answer (a module allowed with ``allow-modules``,
another torchvision version, a submodule path) makes :func:`load_static` return None, and the
caller builds the real transforms. Argument values a constructor would refuse (negative
degrees) are only found by building: ``augaudit validate --build``.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from augaudit.errors import SpecError
from augaudit.spec import infer_api
from augaudit.spec.allowlist import allowed_namespaces, check_path, is_allowed
from augaudit.spec.build import Builder
from augaudit.spec.catalog import Catalog, ModuleInfo, load_catalog
from augaudit.spec.entries import V1, V2, Entry, parse_document
from augaudit.spec.model import Pipeline
from augaudit.spec.shadow import Undecided, shadow_class
from augaudit.spec.yaml_source import read_yaml


def installed_torchvision() -> str | None:
    """The installed torchvision's version, without importing it.

    Read from the name of its ``torchvision-VERSION.dist-info`` folder in the first
    ``sys.path`` entry that has one, as ``importlib.metadata`` finds it; importing
    ``importlib.metadata`` (and the email parser it reads metadata with) would cost
    15 ms of the 0.3 s budget. Anything unusual is left to ``importlib.metadata``.
    """
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        found = [n for n in names if n.startswith("torchvision-") and n.endswith(".dist-info")]
        if len(found) == 1:
            return found[0].removeprefix("torchvision-").removesuffix(".dist-info")
        if found:
            break
    import importlib.metadata

    try:
        return importlib.metadata.version("torchvision")
    except importlib.metadata.PackageNotFoundError:
        return None


def load_static(ref: str, *, allow_modules: Sequence[str] = ()) -> Pipeline | None:
    """The YAML spec ``ref`` with shadow transforms, or None when only building can tell.

    Raises the ``SpecError`` that ``load_spec`` would raise for a bad file, name or argument
    list.
    """
    if not ref.lower().endswith((".yaml", ".yml")):
        return None
    catalog = load_catalog()
    if catalog is None or installed_torchvision() != catalog.torchvision:
        return None
    allowed = allowed_namespaces(allow_modules)
    data, comment_codes = read_yaml(Path(ref), ref)
    document = parse_document(data, ref)
    builder = StaticBuilder(ref, document.api or "v2", allowed, comment_codes, catalog)
    try:
        stages = builder.stages(document.entries)
    except Undecided:
        return None
    return Pipeline(
        source=ref,
        stages=tuple(stages),
        api=document.api or infer_api(stages),
        input=document.input,
    )


@dataclass(frozen=True)
class StaticBuilder(Builder):
    """The builder, resolving names in the catalog and constructing shadows."""

    catalog: Catalog

    def is_compose(self, cls: type) -> bool:
        return bool(getattr(cls, "_compose", False))

    def dtype(self, text: str, line: int) -> Any:
        return self.catalog.parse_dtype(text, self._where(line))

    def interpolation(self, text: str, line: int) -> Any:
        return self.catalog.parse_interpolation(text, self._where(line))

    def resolve(self, entry: Entry) -> type:
        """The shadow class ``entry`` names, with ``resolve_class``'s errors (Undecided: build)."""
        where = self._where(entry.line)
        check_path(entry.path, self.allowed, where)
        module_name, _, name = entry.path.rpartition(".")
        module = self.catalog.modules.get(module_name)
        if module is None:
            raise Undecided(f"{module_name} is not in the catalog")
        info = module.classes.get(name)
        if info is None:
            if name in module.other_names:
                raise Undecided(f"{entry.path} is not a class")
            raise SpecError(
                f"unknown transform '{name}' in {module_name}",
                where=where,
                hint=self._suggest(name, module),
            )
        if not is_allowed(info.module, self.allowed):
            raise Undecided(f"{entry.path} is defined in {info.module}")
        return shadow_class(info)

    def _suggest(self, name: str, module: ModuleInfo) -> str:
        # As resolve._suggest: the same name in the other API first, then a close match.
        other = {V2: (V1, "v1"), V1: (V2, "v2")}.get(module.name)
        if other is not None and name in self.catalog.modules[other[0]].classes:
            return f"{name} is in {other[0]}; write {other[1]}.{name}"
        close = difflib.get_close_matches(name, list(module.classes), n=1)
        if close:
            return f"did you mean {close[0]}?"
        return f"names are case-sensitive class names from {module.name}"
