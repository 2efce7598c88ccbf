"""How reports name files: never with a machine-specific absolute prefix. No heavy imports."""

from __future__ import annotations

from pathlib import Path


def display_path(path: Path) -> str:
    """Relative paths stay as typed; absolute ones under the working directory
    become relative to it (symlinks resolved on both sides); others keep only
    their last component (callers widen that when two would collide).
    """
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return path.name
