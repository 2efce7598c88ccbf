"""augaudit: audit image augmentation pipelines stage by stage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from augaudit._version import __version__

if TYPE_CHECKING:
    from augaudit.api import audit
    from augaudit.model import Report

__all__ = ["Report", "__version__", "audit"]


def __getattr__(name: str) -> Any:
    # Lazy: importing augaudit must not import torch (start-up budget 0.3 s).
    if name == "audit":
        from augaudit.api import audit

        return audit
    if name == "Report":
        from augaudit.model import Report

        return Report
    raise AttributeError(name)
