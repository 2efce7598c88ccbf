"""Load a pipeline spec (YAML file, Python file or import path) into a ``Pipeline`` of stages.

Importing this package does not import torch; building the transforms does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from augaudit.errors import AugauditError, SpecError
from augaudit.spec.allowlist import allowed_namespaces
from augaudit.spec.build import Builder
from augaudit.spec.entries import Api, parse_document
from augaudit.spec.model import Pipeline, StageSpec
from augaudit.spec.python_source import load_import_path, load_python_file, stages_from_object
from augaudit.spec.yaml_source import read_yaml

__all__ = ["Pipeline", "StageSpec", "load_spec", "spec_file"]

_PY_FILE = re.compile(r"^(?P<file>.+\.py)(?::(?P<name>[A-Za-z_][\w.]*))?$")
_IMPORT_PATH = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")


def spec_file(ref: str) -> str | None:
    """The file a spec names (``train.py:name`` -> ``train.py``); None for an import path or a
    reference that is no spec."""
    if ref.lower().endswith((".yaml", ".yml")):
        return ref
    match = _PY_FILE.match(ref)
    return match["file"] if match else None


def load_spec(ref: str, *, allow_modules: Sequence[str] = ()) -> Pipeline:
    """Load the spec ``ref`` as typed by the user (messages quote it unchanged).

    ``allow_modules`` extends the namespaces a YAML spec may name (module or submodules);
    Python specs are the user's own code and are run as they are.

    Raises ``SpecError`` (``UnsafeSpecError`` for refused names) with file:line and a hint.
    """
    try:
        return _load(ref, allow_modules)
    except AugauditError as exc:
        # The CLI prints errors on one line; a name or key holding a newline must not break that.
        exc.message = " ".join(exc.message.split())
        exc.where, exc.hint = _flat(exc.where), _flat(exc.hint)
        exc.args = (exc.message,)
        raise


def _flat(text: str | None) -> str | None:
    return None if text is None else " ".join(text.split())


def _load(ref: str, allow_modules: Sequence[str]) -> Pipeline:
    allowed = allowed_namespaces(allow_modules)
    if ref.lower().endswith((".yaml", ".yml")):
        return _load_yaml(ref, allowed)
    match = _PY_FILE.match(ref)
    if match:
        obj = load_python_file(match["file"], match["name"])
        return _from_object(ref, obj)
    if _IMPORT_PATH.match(ref):
        return _from_object(ref, load_import_path(ref))
    raise SpecError(
        f"cannot tell what kind of spec '{ref}' is",
        hint="give a .yaml/.yml file, a .py file (optionally file.py:name) "
        "or an import path package.module:attribute",
    )


def _load_yaml(ref: str, allowed: tuple[str, ...]) -> Pipeline:
    data, comment_codes = read_yaml(Path(ref), ref)
    document = parse_document(data, ref)
    builder = Builder(ref, document.api or "v2", allowed, comment_codes)
    stages = builder.stages(document.entries)
    return Pipeline(
        source=ref,
        stages=tuple(stages),
        api=document.api or infer_api(stages),
        input=document.input,
    )


def _from_object(ref: str, obj: object) -> Pipeline:
    stages = stages_from_object(obj, ref)
    return Pipeline(source=ref, stages=tuple(stages), api=infer_api(stages))


def infer_api(stages: Sequence[StageSpec]) -> Api:
    # Without an explicit `api:`, the pipeline is v1 only when its torchvision stages all are;
    # v2 is the default because v2 transforms also accept what v1 ones do.
    kinds = set()
    for stage in stages:
        module = type(stage.transform).__module__
        if module.startswith("torchvision.transforms.v2"):
            kinds.add("v2")
        elif module.startswith("torchvision.transforms"):
            kinds.add("v1")
    return "v1" if kinds == {"v1"} else "v2"
