"""Typed errors: a user error (exit 2) carries where and a hint; anything else is a bug (exit 3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from augaudit.model import Report


class AugauditError(Exception):
    """A problem with the user's input: bad spec, no images, bad option.

    The CLI prints ``str(error)`` on one line and exits with code 2.
    """

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class SpecError(AugauditError):
    """The pipeline spec cannot be read, resolved or built."""


class UnsafeSpecError(SpecError):
    """A YAML spec names something outside the allow-listed namespaces."""


class InputError(AugauditError):
    """The images or options given cannot be used."""


class AuditInterrupted(KeyboardInterrupt):
    """Ctrl-C during an audit; ``report`` holds what finished, marked ``partial``."""

    def __init__(self, report: Report):
        super().__init__("interrupted")
        self.report = report
