"""The check catalogue: stable codes (public API), severities, hints and docs.

Importing this module is cheap (no torch), so ``augaudit rules`` and
``augaudit explain`` can list checks instantly.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from augaudit.model import Finding, Severity

if TYPE_CHECKING:
    from augaudit.checks.context import CheckContext

CheckFunction = Callable[["CheckContext"], Iterable[Finding]]


@dataclass(frozen=True)
class Check:
    code: str
    name: str
    severity: Severity
    summary: str
    hint: str
    doc: str
    run: CheckFunction
    static: bool = False  # True: decided from the spec alone, so `validate` runs it without images


REGISTRY: dict[str, Check] = {}


def register(
    code: str, name: str, severity: Severity, summary: str, hint: str, *, static: bool = False
):
    """Decorator: add a check function to the registry; its docstring is the doc."""

    def wrap(func: CheckFunction) -> CheckFunction:
        if code in REGISTRY:
            raise ValueError(f"duplicate check code {code}")
        doc = inspect.cleandoc(func.__doc__ or "")
        REGISTRY[code] = Check(code, name, severity, summary, hint, doc, func, static)
        return func

    return wrap


def selected(codes: Iterable[str], select: Iterable[str] = (), ignore: Iterable[str] = ()) -> bool:
    """True when every code matches a ``select`` prefix (or none given) and no ``ignore`` one."""
    sel, ign = tuple(select), tuple(ignore)
    return all(
        (not sel or code.startswith(sel)) and not (ign and code.startswith(ign)) for code in codes
    )


def code_prefixes(values: Iterable[str], option: str) -> tuple[str, ...]:
    """Check code prefixes as a user writes them: comma-separated, any case, each checked.

    Raises
    ------
    InputError
        A prefix matches no check code: ``--select AUG9`` or a typo would
        otherwise turn every check off, and a CI gate with them, silently.
    """
    from augaudit.errors import InputError

    known = [check.code for check in all_checks()]
    prefixes: list[str] = []
    for value in [values] if isinstance(values, str) else values:  # "AUG3" is one prefix
        for part in str(value).split(","):
            prefix = part.strip().upper()
            if not prefix:
                continue
            if not any(code.startswith(prefix) for code in known):
                raise InputError(
                    f"{option} {part.strip()!r} matches no check code",
                    hint="codes look like AUG301, a prefix like AUG3 takes a group; "
                    "`augaudit rules` lists them",
                )
            prefixes.append(prefix)
    return tuple(prefixes)


def all_checks() -> list[Check]:
    # Importing the rule modules fills the registry as a side effect.
    from augaudit.checks import (  # noqa: F401
        measured_rules,
        mode_rules,
        rules,
        run_rules,
        static_rules,
    )

    return [REGISTRY[code] for code in sorted(REGISTRY)]
