"""augaudit: audit image augmentation pipelines stage by stage.

The library returns data and never prints: :func:`audit` and :func:`validate` return a
frozen :class:`Report`; a user's problem raises an :class:`AugauditError`.
Importing augaudit is cheap (no torch): the entry points load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from augaudit._version import __version__
from augaudit.errors import (
    AuditInterrupted,
    AugauditError,
    InputError,
    SpecError,
    UnsafeSpecError,
)

if TYPE_CHECKING:
    from augaudit.api import audit, validate
    from augaudit.model import Finding, Report, StageReport, Stat

__all__ = [
    "AuditInterrupted",
    "AugauditError",
    "Finding",
    "InputError",
    "Report",
    "SpecError",
    "StageReport",
    "Stat",
    "UnsafeSpecError",
    "__version__",
    "audit",
    "validate",
]
_LAZY = {
    "audit": "augaudit.api",
    "validate": "augaudit.api",
    "Report": "augaudit.model",
    "StageReport": "augaudit.model",
    "Finding": "augaudit.model",
    "Stat": "augaudit.model",
}


def __getattr__(name: str) -> Any:
    # Lazy: the entry points pull in Pillow and numpy; `augaudit --help` needs neither.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)
