"""Load a pipeline object from the user's own Python code and split it into stages.

Unlike YAML, this runs code: the user points at their own file or module on the command line.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import os
import runpy
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from augaudit.errors import SpecError
from augaudit.spec.model import StageSpec
from augaudit.spec.wrappers import find_delegate

DEFAULT_NAMES = ("pipeline", "transform")
MAX_DEPTH = 50
# Not "__main__": a training script guarded by `if __name__ == "__main__"` must not start.
RUN_NAME = "__augaudit_spec__"


def load_python_file(file_ref: str, name: str | None) -> Any:
    """Run ``file_ref`` and return its ``name`` (else ``pipeline``, else ``transform``)."""
    path = Path(file_ref)
    if not path.exists():
        raise SpecError(
            f"spec file not found: {file_ref}",
            hint="check the path (relative to the current directory)",
        )
    if not path.is_file():  # a FIFO would hang the import, a device never ends
        raise SpecError(
            f"cannot read spec file {file_ref}: not a regular file",
            hint="check that the path is a readable file",
        )
    # Like `python file.py`: the file's own folder is importable while it runs.
    with _on_sys_path(str(path.parent.resolve()), first=True):
        try:
            namespace = runpy.run_path(str(path), run_name=RUN_NAME)
        except SyntaxError as exc:
            same_file = exc.filename is not None and _same(exc.filename, path)
            where = f"{file_ref}:{exc.lineno}" if same_file and exc.lineno else file_ref
            raise SpecError(
                f"syntax error: {exc.msg}", where=where, hint="fix the Python file"
            ) from None
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # SystemExit from sys.exit(), GeneratorExit, ...
            raise SpecError(
                f"running the spec raised {_describe(exc)}",
                where=_where_in(exc, path, file_ref),
                hint="the spec file must run without errors when executed on its own",
            ) from None
    return _pick(namespace, name, file_ref)


def load_import_path(ref: str) -> Any:
    """Import ``package.module`` from ``package.module:attribute`` and return the attribute."""
    module_name, _, attribute = ref.partition(":")
    # As with `python -m`, a package in the current folder is importable; appended, so it
    # cannot shadow installed modules.
    with _on_sys_path(os.getcwd(), first=False):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            missing = exc.name or module_name
            if module_name == missing or module_name.startswith(missing + "."):
                raise SpecError(
                    f"cannot import module '{module_name}'",
                    where=ref,
                    hint="check the name and that it is installed or on PYTHONPATH",
                ) from None
            raise SpecError(
                f"importing {module_name} raised {_describe(exc)}",
                where=ref,
                hint=f"install '{missing}' or fix the import in {module_name}",
            ) from None
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            raise SpecError(
                f"importing {module_name} raised {_describe(exc)}",
                where=ref,
                hint="the module must import without errors",
            ) from None
    return _pick(vars(module), attribute, ref)


def stages_from_object(obj: Any, where: str) -> list[StageSpec]:
    """Compose / nn.Sequential / list -> one stage per member (recursively); else one stage.

    A stage that wraps an inner pipeline carries it as its ``delegate``."""
    out: list[StageSpec] = []
    _flatten(obj, out, where, 0)
    if not out:
        raise SpecError("pipeline is empty", where=where, hint="add at least one transform")
    return [replace(s, delegate=find_delegate(s.transform, s.name)) for s in out]


def _flatten(obj: Any, out: list[StageSpec], where: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise SpecError(
            "spec too large or too deeply nested",
            where=where,
            hint=f"Compose/Sequential nesting must stay under {MAX_DEPTH} levels",
        )
    members = _members(obj)
    if members is not None:
        for member in members:
            _flatten(member, out, where, depth + 1)
        return
    if isinstance(obj, type):
        raise SpecError(
            f"{obj.__name__} is a class, not a transform",
            where=where,
            hint=f"create an instance: {obj.__name__}(...)",
        )
    if not callable(obj):
        raise SpecError(
            f"a pipeline stage must be callable, not {type(obj).__name__}",
            where=where,
            hint="use a Compose, a list of transforms or a single transform",
        )
    out.append(StageSpec(_stage_name(obj), obj))


def _members(obj: Any) -> list[Any] | None:
    if isinstance(obj, list | tuple):
        return list(obj)
    if type(obj).__name__ == "Compose" and _is_sequence(getattr(obj, "transforms", None)):
        return list(obj.transforms)
    torch = sys.modules.get("torch")  # no torch loaded means obj cannot be a torch module
    if torch is not None and isinstance(obj, torch.nn.Sequential):
        return list(obj)
    return None


def _is_sequence(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return True
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.nn.ModuleList)


def _stage_name(obj: Any) -> str:
    # A plain function's type is just "function"; its own name says what it does.
    if inspect.isfunction(obj) or inspect.isbuiltin(obj) or inspect.ismethod(obj):
        return str(getattr(obj, "__qualname__", None) or obj.__name__)
    return type(obj).__name__


def _pick(namespace: dict[str, Any], name: str | None, where: str) -> Any:
    if name:
        head, *rest = name.split(".")
        if head not in namespace:
            close = difflib.get_close_matches(head, [k for k in namespace if not k.startswith("_")])
            raise SpecError(
                f"'{head}' is not defined in the spec",
                where=where,
                hint=f"did you mean {close[0]}?" if close else "check the name after ':'",
            )
        obj = namespace[head]
        for attribute in rest:
            if not hasattr(obj, attribute):
                raise SpecError(
                    f"'{name}' has no attribute '{attribute}'",
                    where=where,
                    hint="check the name after ':'",
                )
            obj = getattr(obj, attribute)
        return obj
    for default in DEFAULT_NAMES:
        if default in namespace:
            return namespace[default]
    raise SpecError(
        "the spec defines neither 'pipeline' nor 'transform'",
        where=where,
        hint="name the object to audit after a colon, e.g. pipeline.py:train_transforms",
    )


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _where_in(exc: BaseException, path: Path, file_ref: str) -> str:
    # The innermost frame in the spec file itself; frames elsewhere would show other paths.
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if _same(frame.filename, path):
            line = frame.lineno
    return f"{file_ref}:{line}" if line else file_ref


def _same(filename: str, path: Path) -> bool:
    try:
        return Path(filename).resolve() == path.resolve()
    except OSError:
        return False


@contextmanager
def _on_sys_path(folder: str, *, first: bool) -> Iterator[None]:
    if folder in sys.path:
        yield
        return
    if first:
        sys.path.insert(0, folder)
    else:
        sys.path.append(folder)
    try:
        yield
    finally:
        if folder in sys.path:
            sys.path.remove(folder)
