"""augaudit: audit image augmentation pipelines stage by stage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from augaudit.engine import audit
    from augaudit.model import Report

__all__ = ["Report", "__version__", "audit"]


def __getattr__(name: str) -> Any:
    # Lazy: importing augaudit must not import torch (start-up budget 0.3 s).
    if name == "audit":
        from augaudit.engine import audit

        return audit
    if name == "Report":
        from augaudit.model import Report

        return Report
    raise AttributeError(name)
