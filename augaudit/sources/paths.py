"""How reports name files: never with a machine-specific absolute prefix. No heavy imports."""

from __future__ import annotations

from pathlib import Path


def display_path(path: Path) -> str:
    """Relative paths stay as typed; absolute ones under the working directory
    become relative to it (symlinks resolved on both sides); others keep only
    their last component (callers widen that when two would collide).

    A name that is not UTF-8 shows its odd bytes escaped (``caf\\xe9.jpg``): reports
    are UTF-8 text.
    """
    return printable(_display(path))


def _display(path: Path) -> str:
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return path.name


def printable(name: str) -> str:
    """A file name as valid Unicode: undecodable bytes (surrogate escapes) become ``\\xNN``."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
