"""Read a YAML spec into plain data that remembers the line of every mapping key and list item.

Kept free of torch imports: this module only parses text.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from augaudit.errors import SpecError, UnsafeSpecError
from augaudit.model.codes import known_codes
from augaudit.spec.allowlist import shown
from augaudit.spec.files import FileTooLarge, read_limited

# An alias can point at a node that is already expanded elsewhere, so a tiny file can describe
# an exponentially large tree ("billion laughs"); expansion stops at these bounds.
MAX_NODES = 10_000
MAX_DEPTH = 50
# A spec is a few dozen lines; anything this big is a mistake or an attack on the composer.
MAX_BYTES = 1_000_000

_YAML_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_YAML_TAG + t for t in ("null", "bool", "int", "float", "str"))
_SEQ_TAG = _YAML_TAG + "seq"
_MAP_TAG = _YAML_TAG + "map"
_MERGE_TAG = _YAML_TAG + "merge"
_TIMESTAMP_TAG = _YAML_TAG + "timestamp"

_IGNORE_COMMENT = re.compile(r"(?:^|\s)#\s*augaudit:\s*ignore\[([^\]]*)\]")
TOO_LARGE = "spec too large or too deeply nested"


class YMap(dict[str, Any]):
    """A YAML mapping with the 1-based line of the mapping and of each key."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}


class YList(list[Any]):
    """A YAML sequence with the 1-based line of the sequence and of each item."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []


def line_of(value: Any, default: int) -> int:
    """The line of a YMap/YList, or ``default`` for scalars (which do not carry one)."""
    return value.line if isinstance(value, YMap | YList) else default


def read_yaml(path: Path, ref: str) -> tuple[Any, dict[int, tuple[str, ...]]]:
    """Parse the spec file; return its data and the ``# augaudit: ignore[...]`` codes per line."""
    try:
        raw = read_limited(path, MAX_BYTES)
    except FileTooLarge:
        raise SpecError(
            TOO_LARGE, where=ref, hint=f"a spec file must be under {MAX_BYTES} bytes"
        ) from None
    except FileNotFoundError:
        raise SpecError(
            f"spec file not found: {ref}", hint="check the path (relative to the current directory)"
        ) from None
    except OSError as exc:
        raise SpecError(
            f"cannot read spec file {ref}: {exc.strerror or type(exc).__name__}",
            hint="check that the path is a readable file",
        ) from None
    if len(raw) > MAX_BYTES:
        raise SpecError(TOO_LARGE, where=ref, hint=f"a spec file must be under {MAX_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(
            f"spec is not UTF-8 text (bad byte at offset {exc.start})",
            where=ref,
            hint="save the file as UTF-8",
        ) from None
    return parse_yaml(text, ref), comment_ignores(text, ref)


def parse_yaml(text: str, ref: str) -> Any:
    """Compose ``text`` with the safe loader and convert it to YMap/YList/scalars."""
    try:
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, ref) from None
    try:
        # Composing (not constructing) keeps every node's position and never runs a constructor
        # for an unknown tag; tags are checked in _Converter before any value is built.
        node = loader.get_single_node()
        if node is None:
            return None
        return _Converter(loader, ref).convert(node, 0)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, ref) from None
    except RecursionError:
        hint = f"keep nesting under {MAX_DEPTH} levels"
        raise SpecError(TOO_LARGE, where=ref, hint=hint) from None
    finally:
        loader.dispose()


def comment_ignores(text: str, ref: str) -> dict[int, tuple[str, ...]]:
    """Codes from ``# augaudit: ignore[A, B]`` comments, keyed by 1-based line."""
    found: dict[int, tuple[str, ...]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _IGNORE_COMMENT.search(line)
        if match:
            codes = [c.strip() for c in match.group(1).split(",") if c.strip()]
            if codes:
                found[number] = known_codes(codes, f"{ref}:{number}")
    return found


def _yaml_error(exc: yaml.YAMLError, ref: str) -> SpecError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"{ref}:{mark.line + 1}" if mark is not None else ref
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None)
    if problem is None:
        # ReaderError and friends carry no mark; their text names "<unicode string>", not ref.
        problem = str(exc).splitlines()[0]
    return SpecError(f"invalid YAML: {problem}", where=where, hint="check the YAML syntax there")


class _Converter:
    def __init__(self, loader: yaml.SafeLoader, ref: str) -> None:
        self.loader = loader
        self.ref = ref
        self.visited = 0

    def where(self, node: yaml.Node) -> str:
        return f"{self.ref}:{node.start_mark.line + 1}"

    def convert(self, node: yaml.Node, depth: int) -> Any:
        self.visited += 1
        if self.visited > MAX_NODES or depth > MAX_DEPTH:
            raise SpecError(
                TOO_LARGE,
                where=self.where(node),
                hint=f"a spec may hold at most {MAX_NODES} values and {MAX_DEPTH} nesting levels",
            )
        self._check_tag(node)
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _TIMESTAMP_TAG:
                return node.value  # a date is just text to a transform
            try:
                return self.loader.construct_object(node)
            except Exception:
                # e.g. "!!int abc" (ValueError) or "!!int" with no text (IndexError inside
                # PyYAML): the tag is one of the safe scalar tags, but the text does not fit it.
                raise SpecError(
                    f"{node.value!r} is not a valid {node.tag.replace(_YAML_TAG, '!!', 1)} value",
                    where=self.where(node),
                    hint="remove the explicit tag or fix the value",
                ) from None
        if isinstance(node, yaml.SequenceNode):
            seq = YList(node.start_mark.line + 1)
            for item in node.value:
                seq.append(self.convert(item, depth + 1))
                seq.item_lines.append(item.start_mark.line + 1)
            return seq
        assert isinstance(node, yaml.MappingNode)
        return self._mapping(node, depth)

    def _mapping(self, node: yaml.MappingNode, depth: int) -> YMap:
        result = YMap(node.start_mark.line + 1)
        merged: list[YMap] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.extend(self._merge_sources(value_node, depth))
                continue
            key = self.convert(key_node, depth + 1)
            if not isinstance(key, str):
                raise SpecError(
                    f"mapping key {shown(repr(key))[1:-1]} is not a string",
                    where=self.where(key_node),
                    hint="quote the key",
                )
            if key in result:
                raise SpecError(
                    f"duplicate key {shown(key)}",
                    where=self.where(key_node),
                    hint="YAML would silently keep only the last one; remove one of them",
                )
            result[key] = self.convert(value_node, depth + 1)
            result.key_lines[key] = key_node.start_mark.line + 1
        # Explicit keys win over merged ones, and earlier merge sources over later ones (YAML spec).
        for source in merged:
            for key, value in source.items():
                if key not in result:
                    result[key] = value
                    result.key_lines[key] = source.key_lines[key]
        return result

    def _merge_sources(self, node: yaml.Node, depth: int) -> list[YMap]:
        value = self.convert(node, depth + 1)
        sources = value if isinstance(value, YList) else [value]
        if not all(isinstance(s, YMap) for s in sources):
            raise SpecError(
                "'<<' must merge a mapping or a list of mappings",
                where=self.where(node),
                hint="write '<<: *anchor' where the anchor names a mapping",
            )
        return list(sources)

    def _check_tag(self, node: yaml.Node) -> None:
        tag = node.tag
        allowed = (
            tag in _SCALAR_TAGS or tag in (_MERGE_TAG, _TIMESTAMP_TAG)
            if isinstance(node, yaml.ScalarNode)
            else tag == (_SEQ_TAG if isinstance(node, yaml.SequenceNode) else _MAP_TAG)
        )
        if allowed:
            return
        short = tag.replace(_YAML_TAG, "!!", 1)
        if "python/" in tag:
            raise UnsafeSpecError(
                f"YAML tag {short} is not allowed",
                where=self.where(node),
                hint="specs are read with the safe loader only; name transforms as plain entries "
                "(trusted modules of your own can be allowed with --allow-module MODULE)",
            )
        raise SpecError(
            f"unsupported YAML tag {short}",
            where=self.where(node),
            hint="use plain YAML values (strings, numbers, lists, mappings)",
        )
