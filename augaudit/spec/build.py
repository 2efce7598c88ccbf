"""Build transform objects from parsed YAML entries, and flatten top-level Compose entries."""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from augaudit.errors import SpecError
from augaudit.spec.allowlist import check_path
from augaudit.spec.convert import format_signature, parse_dtype, parse_interpolation, signature_of
from augaudit.spec.entries import TARGET_KEY, Api, Entry, nested_entries, parse_entry
from augaudit.spec.model import StageSpec
from augaudit.spec.resolve import one_line, resolve_class
from augaudit.spec.yaml_source import YList, YMap

_UNEXPECTED = re.compile(r"unexpected keyword argument '([^']+)'")


@dataclass(frozen=True)
class Builder:
    ref: str
    api: Api
    allowed: tuple[str, ...]
    comment_codes: Mapping[int, tuple[str, ...]]

    def stages(self, entries: Sequence[Entry]) -> list[StageSpec]:
        """Check every name first, then build one stage per entry (Compose entries flattened)."""
        # All names are refused or accepted before the first import, so a spec mixing good
        # and forbidden names never gets as far as building the good ones.
        for entry in entries:
            for named in (entry, *nested_entries(entry, self.api, self.ref)):
                check_path(named.path, self.allowed, self._where(named.line))
        out: list[StageSpec] = []
        for entry in entries:
            self._top(entry, (), out)
        if not out:
            raise SpecError(
                "pipeline is empty",
                where=self._where(entries[0].line),
                hint="list at least one transform",
            )
        return out

    def _where(self, line: int) -> str:
        return f"{self.ref}:{line}"

    # Hooks the torch-free static builder (spec/static.py) replaces: where classes come from.
    def resolve(self, entry: Entry) -> type:
        return resolve_class(entry.path, self.allowed, self._where(entry.line))

    def is_compose(self, cls: type) -> bool:
        return _is_torchvision_compose(cls)

    def dtype(self, text: str, line: int) -> Any:
        return parse_dtype(text, self._where(line))

    def interpolation(self, text: str, line: int) -> Any:
        return parse_interpolation(text, self._where(line))

    def _top(self, entry: Entry, inherited: tuple[str, ...], out: list[StageSpec]) -> None:
        cls = self.resolve(entry)
        codes = [*inherited, *entry.ignore, *self.comment_codes.get(entry.line, ())]
        if self.is_compose(cls):
            members = self._compose_members(cls, entry)
            for item, item_line in zip(members, members.item_lines, strict=True):
                member = parse_entry(item, item_line, self.api, self.ref)
                self._top(member, tuple(dict.fromkeys(codes)), out)
            return
        transform = self._construct(cls, entry, codes)
        name = entry.label or cls.__name__
        out.append(StageSpec(name, transform, entry.line, tuple(dict.fromkeys(codes))))

    def build(self, entry: Entry, codes: list[str]) -> Any:
        """Build a nested transform; its ignore codes go to the enclosing top-level stage."""
        cls = self.resolve(entry)
        codes.extend([*entry.ignore, *self.comment_codes.get(entry.line, ())])
        return self._construct(cls, entry, codes)

    def _compose_members(self, cls: type, entry: Entry) -> YList:
        bound, lines = self._bind(cls, entry)
        members = bound.arguments.get("transforms") if bound else entry.kwargs.get("transforms")
        if not isinstance(members, YList):
            raise SpecError(
                "Compose needs a 'transforms' list",
                where=self._where(lines.get("transforms", entry.line)),
                hint="write 'Compose: {transforms: [...]}'",
            )
        return members

    def _bind(
        self, cls: type, entry: Entry
    ) -> tuple[inspect.BoundArguments | None, dict[str, Any]]:
        sig = signature_of(cls)
        if sig is None:
            return None, dict(entry.kwarg_lines)
        name = entry.label or cls.__name__
        try:
            _check_keywords(entry, sig)
            bound = sig.bind(*entry.args, **entry.kwargs)
        except TypeError as exc:
            raise SpecError(
                f"bad arguments for {name}: {_explain(exc, sig)}",
                where=self._where(entry.line),
                hint=format_signature(name, sig),
            ) from None
        # Binding the line numbers the same way tells which line each parameter came from.
        lines = sig.bind(*entry.arg_lines, **entry.kwarg_lines).arguments
        return bound, dict(lines)

    def _construct(self, cls: type, entry: Entry, codes: list[str]) -> Any:
        bound, lines = self._bind(cls, entry)
        name = entry.label or cls.__name__
        if bound is None:
            pairs = zip(entry.args, entry.arg_lines, strict=True)
            args = [self._plain(a, ln, codes) for a, ln in pairs]
            kwargs = {
                k: self._convert(k, v, entry.kwarg_lines.get(k, entry.line), codes)
                for k, v in entry.kwargs.items()
            }
        else:
            sig = bound.signature
            for param_name, value in list(bound.arguments.items()):
                kind = sig.parameters[param_name].kind
                line = lines[param_name]
                if kind is inspect.Parameter.VAR_POSITIONAL:
                    converted: Any = tuple(
                        self._convert(param_name, v, ln, codes)
                        for v, ln in zip(value, line, strict=True)
                    )
                elif kind is inspect.Parameter.VAR_KEYWORD:
                    converted = {k: self._convert(k, v, line[k], codes) for k, v in value.items()}
                else:
                    converted = self._convert(param_name, value, line, codes)
                bound.arguments[param_name] = converted
            args, kwargs = list(bound.args), dict(bound.kwargs)
        try:
            return cls(*args, **kwargs)
        except Exception as exc:  # the user's arguments, not our bug: report, do not crash
            raise SpecError(
                f"cannot build {name}: {type(exc).__name__}: {one_line(str(exc))}",
                where=self._where(entry.line),
                hint=format_signature(name, signature_of(cls)),
            ) from None

    def _convert(self, param: str, value: Any, line: int, codes: list[str]) -> Any:
        if param == "transforms":
            return self._transform_list(value, line, codes)
        if param == "dtype" and isinstance(value, str):
            return self.dtype(value, line)
        if param == "interpolation" and isinstance(value, str):
            return self.interpolation(value, line)
        return self._plain(value, line, codes)

    def _transform_list(self, value: Any, line: int, codes: list[str]) -> list[Any]:
        if not isinstance(value, YList):
            raise SpecError(
                "'transforms' must be a list of transforms",
                where=self._where(line),
                hint="write 'transforms: [Name, {Name: {arg: value}}]'",
            )
        return [
            self.build(parse_entry(item, item_line, self.api, self.ref), codes)
            for item, item_line in zip(value, value.item_lines, strict=True)
        ]

    def _plain(self, value: Any, line: int, codes: list[str]) -> Any:
        # Tuples, as the spec format promises: what Python code passes for sizes, means and
        # ranges, and immutable, so no transform holds a list that mirrors spec data.
        if isinstance(value, YMap):
            if TARGET_KEY in value:
                return self.build(parse_entry(value, line, self.api, self.ref), codes)
            return {k: self._plain(v, value.key_lines[k], codes) for k, v in value.items()}
        if isinstance(value, YList):
            return tuple(
                self._plain(v, ln, codes) for v, ln in zip(value, value.item_lines, strict=True)
            )
        return value


def _is_torchvision_compose(cls: type) -> bool:
    # Only torchvision's own Compose is known to do nothing but chain its members, so only it
    # can be replaced by its members without changing what the pipeline does.
    from torchvision.transforms import Compose as V1Compose
    from torchvision.transforms.v2 import Compose as V2Compose

    return cls is V1Compose or cls is V2Compose


def _check_keywords(entry: Entry, sig: inspect.Signature) -> None:
    # bind() reports a missing argument before a misspelt one ("degree" for "degrees"),
    # and the misspelling is the more useful message.
    params = sig.parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    for key in entry.kwargs:
        param = params.get(key)
        if param is None or param.kind is param.POSITIONAL_ONLY:
            raise TypeError(f"got an unexpected keyword argument '{key}'")


def _explain(exc: TypeError, sig: inspect.Signature) -> str:
    message = one_line(str(exc))
    match = _UNEXPECTED.search(message)
    if match:
        close = difflib.get_close_matches(match.group(1), list(sig.parameters), n=1)
        if close:
            message += f" (did you mean '{close[0]}'?)"
    return message
