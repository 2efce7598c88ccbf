"""Turn YAML data into transform entries (what to build, with which raw arguments, where).

No imports of torch or of any named module happen here, so every name in a spec can be
checked against the allow-list before anything is imported.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from augaudit.errors import SpecError
from augaudit.model.codes import known_codes
from augaudit.spec.allowlist import shown
from augaudit.spec.model import INPUT_KINDS, InputKind
from augaudit.spec.yaml_source import YList, YMap, line_of

V1 = "torchvision.transforms"
V2 = "torchvision.transforms.v2"
NAMESPACES = {"v1": V1, "v2": V2}
TOP_KEYS = ("api", "input", "pipeline")
IGNORE_KEY = "ignore"
TARGET_KEY = "_target_"
_HYDRA_IGNORED = ("_convert_", "_recursive_")
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")

Api = Literal["v1", "v2"]


@dataclass(frozen=True)
class Entry:
    """One transform as written: the dotted path to resolve and its raw arguments."""

    path: str
    label: str | None  # the stage name when the user wrote a v1./v2. prefix, else class name
    line: int
    args: list[Any] = field(default_factory=list)
    arg_lines: list[int] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    kwarg_lines: dict[str, int] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    api: Api | None  # None when the spec does not say
    input: InputKind | None
    entries: tuple[Entry, ...]


def parse_document(data: Any, ref: str) -> Document:
    """Check the top-level shape of a YAML spec and parse its entries."""
    if data is None:
        raise SpecError("spec is empty", where=f"{ref}:1", hint="add a 'pipeline:' list")
    if isinstance(data, YList):
        return Document(None, None, _entries(data, data.line, "v2", ref))
    if not isinstance(data, YMap):
        raise SpecError(
            "spec must be a list of transforms or a mapping with 'pipeline:'",
            where=f"{ref}:1",
            hint="start with 'pipeline:' followed by '- TransformName: {...}' lines",
        )
    if TARGET_KEY in data:
        return Document(None, None, (parse_entry(data, data.line, "v2", ref),))
    for key in data:
        if key not in TOP_KEYS:
            close = difflib.get_close_matches(key, TOP_KEYS, n=1)
            raise SpecError(
                f"unknown top-level key {shown(key)}",
                where=f"{ref}:{data.key_lines[key]}",
                hint=f"did you mean {close[0]}?" if close else f"allowed: {', '.join(TOP_KEYS)}",
            )
    api = _choice(data, "api", ("v1", "v2"), ref)
    kind = _choice(data, "input", INPUT_KINDS, ref)
    if "pipeline" not in data:
        raise SpecError(
            "spec has no 'pipeline:' key",
            where=f"{ref}:{data.line}",
            hint="add 'pipeline:' followed by a list of transforms",
        )
    pipeline = data["pipeline"]
    line = data.key_lines["pipeline"]
    if not isinstance(pipeline, YList):
        if pipeline is None:
            raise SpecError("pipeline is empty", where=f"{ref}:{line}", hint="list transforms")
        raise SpecError(
            f"'pipeline' must be a list, not {_kind(pipeline)}",
            where=f"{ref}:{line}",
            hint="write each transform on its own '- ' line",
        )
    entries = _entries(pipeline, line, cast(Api, api or "v2"), ref)
    return Document(cast("Api | None", api), cast("InputKind | None", kind), entries)


def parse_entry(value: Any, line: int, api: Api, ref: str) -> Entry:
    """Parse one entry: ``Name``, ``{Name: args}`` or ``{_target_: path, ...}``."""
    line = line_of(value, line)
    where = f"{ref}:{line}"
    if isinstance(value, str):
        path, label = short_path(value, api)
        return Entry(path, label, line)
    if not isinstance(value, YMap):
        raise SpecError(
            f"a transform entry must be a name or a mapping, not {_kind(value)}",
            where=where,
            hint="write '- Name' or '- Name: {arg: value}'",
        )
    ignore = parse_ignore(value.get(IGNORE_KEY), f"{ref}:{value.key_lines.get(IGNORE_KEY, line)}")
    if TARGET_KEY in value:
        return _hydra_entry(value, line, ignore, ref)
    names = [k for k in value if k != IGNORE_KEY]
    if len(names) != 1:
        message = (
            f"entry names {len(names)} transforms: {', '.join(repr(n) for n in names)}"
            if names
            else "entry has no transform name"
        )
        raise SpecError(
            message,
            where=where,
            hint="one transform per '- ' item; indent its arguments under its name",
        )
    name = names[0]
    path, label = short_path(name, api)
    raw = value[name]
    key_line = value.key_lines[name]
    if raw is None:
        return Entry(path, label, line, ignore=ignore)
    if isinstance(raw, YList):
        return Entry(path, label, line, args=raw, arg_lines=raw.item_lines, ignore=ignore)
    if isinstance(raw, YMap):
        return Entry(path, label, line, kwargs=raw, kwarg_lines=raw.key_lines, ignore=ignore)
    return Entry(path, label, line, args=[raw], arg_lines=[key_line], ignore=ignore)


def short_path(name: str, api: Api) -> tuple[str, str | None]:
    """Map a name as written to a dotted path, and the label to keep (prefix written or None)."""
    head, _, rest = name.partition(".")
    if rest and head in NAMESPACES:
        return f"{NAMESPACES[head]}.{rest}", name
    if not rest:
        return f"{NAMESPACES[api]}.{name}", None
    return name, None


def parse_ignore(value: Any, where: str) -> tuple[str, ...]:
    """``ignore:`` accepts one code or a list of codes."""
    if value is None:
        return ()
    codes = value if isinstance(value, YList) else [value]
    for code in codes:
        if not isinstance(code, str) or not _CODE.match(code.strip()):
            raise SpecError(
                f"bad ignore code {_short(code)}",
                where=where,
                hint="write e.g. 'ignore: [AUG301, AUG302]'",
            )
    return known_codes([c.strip() for c in codes], where)


def nested_entries(entry: Entry, api: Api, ref: str) -> Iterator[Entry]:
    """Entries written inside ``entry``'s arguments, recursively (for the allow-list pre-check).

    Positional ``transforms`` lists are only recognised once the signature is known, so the
    builder checks every name again right before resolving it.
    """
    for key, value in entry.kwargs.items():
        line = entry.kwarg_lines.get(key, entry.line)
        if key == "transforms" and isinstance(value, YList):
            for item, item_line in zip(value, value.item_lines, strict=True):
                yield from _with_nested(parse_entry(item, item_line, api, ref), api, ref)
        else:
            yield from _targets_in(value, line, api, ref)
    for value, line in zip(entry.args, entry.arg_lines, strict=True):
        yield from _targets_in(value, line, api, ref)


def _with_nested(entry: Entry, api: Api, ref: str) -> Iterator[Entry]:
    yield entry
    yield from nested_entries(entry, api, ref)


def _targets_in(value: Any, line: int, api: Api, ref: str) -> Iterator[Entry]:
    if isinstance(value, YMap):
        if TARGET_KEY in value:
            yield from _with_nested(parse_entry(value, line, api, ref), api, ref)
        else:
            for key, item in value.items():
                yield from _targets_in(item, value.key_lines[key], api, ref)
    elif isinstance(value, YList):
        for item, item_line in zip(value, value.item_lines, strict=True):
            yield from _targets_in(item, item_line, api, ref)


def _hydra_entry(value: YMap, line: int, ignore: tuple[str, ...], ref: str) -> Entry:
    target = value[TARGET_KEY]
    target_line = value.key_lines[TARGET_KEY]
    if not isinstance(target, str) or "." not in target:
        raise SpecError(
            f"_target_ must be a dotted class path, not {_short(target)}",
            where=f"{ref}:{target_line}",
            hint="e.g. _target_: torchvision.transforms.v2.RandomCrop",
        )
    if value.get("_partial_") not in (None, False):
        raise SpecError(
            "_partial_ is not supported: a stage must be a built transform",
            where=f"{ref}:{value.key_lines['_partial_']}",
            hint="remove '_partial_: true' and give all arguments",
        )
    args: list[Any] = []
    arg_lines: list[int] = []
    if "_args_" in value:
        raw_args = value["_args_"]
        if not isinstance(raw_args, YList):
            raise SpecError(
                "_args_ must be a list of positional arguments",
                where=f"{ref}:{value.key_lines['_args_']}",
                hint="write '_args_: [value, ...]'",
            )
        args, arg_lines = raw_args, raw_args.item_lines
    kwargs = YMap(value.line)
    for key, item in value.items():
        if key in (TARGET_KEY, "_args_", "_partial_", IGNORE_KEY, *_HYDRA_IGNORED):
            continue
        if key.startswith("_") and key.endswith("_"):
            raise SpecError(
                f"unsupported Hydra key {shown(key)}",
                where=f"{ref}:{value.key_lines[key]}",
                hint="supported: _target_, _args_ (_convert_ and _recursive_ are ignored)",
            )
        kwargs[key] = item
        kwargs.key_lines[key] = value.key_lines[key]
    return Entry(target, None, line, args, arg_lines, kwargs, kwargs.key_lines, ignore)


def _entries(items: YList, line: int, api: Api, ref: str) -> tuple[Entry, ...]:
    if not items:
        raise SpecError("pipeline is empty", where=f"{ref}:{line}", hint="list transforms")
    return tuple(
        parse_entry(item, item_line, api, ref)
        for item, item_line in zip(items, items.item_lines, strict=True)
    )


def _choice(data: YMap, key: str, allowed: tuple[str, ...], ref: str) -> str | None:
    if key not in data:
        return None
    value = data[key]
    if value not in allowed:
        raise SpecError(
            f"'{key}' must be one of {', '.join(allowed)}, not {_short(value)}",
            where=f"{ref}:{data.key_lines[key]}",
            hint=f"write '{key}: {allowed[-1] if key == 'api' else allowed[0]}'",
        )
    return str(value)


def _kind(value: Any) -> str:
    if isinstance(value, YMap):
        return "a mapping"
    if isinstance(value, YList):
        return "a list"
    return f"{type(value).__name__} {_short(value)}"


def _short(value: Any) -> str:
    """A value for a one-line message: strings quoted and escaped, anything long cut."""
    return shown(value) if isinstance(value, str) else shown(repr(value))[1:-1]
