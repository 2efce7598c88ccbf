"""Configuration: ``augaudit.toml`` or ``[tool.augaudit]`` in ``pyproject.toml``.

Found by walking up from the working directory; in one folder ``augaudit.toml``
wins, and a ``pyproject.toml`` without ``[tool.augaudit]`` is passed over (as
ruff does). Paths in the file are relative to the file's folder. Command-line
flags override what the file says. An unknown key or a wrong type is an error
naming the file and key.
"""

from __future__ import annotations

import difflib
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from augaudit.errors import AugauditError
from augaudit.model.thresholds import LIMITS
from augaudit.sources.paths import display_path
from augaudit.spec.files import read_limited

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


MAX_CONFIG_BYTES = 1_000_000


class ConfigError(AugauditError):
    """The configuration file is unreadable or holds an unknown key or a wrong value."""


# key -> (expected type(s), description for errors)
_KEYS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "pipelines": (list, "a list of spec paths or globs"),
    "images": (list, "a list of image files or folders"),
    "samples": (int, "an integer >= 1"),
    "seed": (int, "an integer"),
    "input": (str, "pil, uint8 or float"),
    "mode": (str, "rgb or keep"),
    "fail-on": (str, "error, warning or never"),
    "select": (list, "a list of check code prefixes"),
    "ignore": (list, "a list of check code prefixes"),
    "extend-ignore": (list, "a list of check code prefixes"),
    "thresholds": (dict, "a table of threshold names to numbers"),
    "allow-modules": (list, "a list of module names YAML specs may name"),
    "baseline": (str, "a baseline file path"),
    "max-megapixels": ((int, float), "a number of megapixels >= 0 (0: no limit)"),
    "stage-timeout": ((int, float), "a number of seconds >= 0 (0: no limit)"),
}


@dataclass(frozen=True)
class Config:
    """Settings from a configuration file; ``None`` means "not set there"."""

    path: Path | None = None
    pipelines: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    samples: int | None = None
    seed: int | None = None
    input: str | None = None
    mode: str | None = None
    fail_on: str | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    extend_ignore: tuple[str, ...] = ()
    thresholds: dict[str, float] = field(default_factory=dict)
    allow_modules: tuple[str, ...] = ()
    baseline: str | None = None
    max_megapixels: float | None = None
    stage_timeout: float | None = None


def find_config(start: Path | None = None) -> Path | None:
    """The nearest ``augaudit.toml`` or ``pyproject.toml`` with ``[tool.augaudit]``."""
    try:
        here = (start or Path.cwd()).resolve()
    except FileNotFoundError:
        raise AugauditError(
            "the working directory no longer exists", hint="cd to an existing folder"
        ) from None
    for folder in (here, *here.parents):
        own = folder / "augaudit.toml"
        if own.is_file():
            return own
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "augaudit" in _read(pyproject).get("tool", {}):
            return pyproject
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(read_limited(path, MAX_CONFIG_BYTES).decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", where=display_path(path)) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            "not valid TOML: the file is not UTF-8 text",
            where=display_path(path),
            hint="--config takes an augaudit.toml or pyproject.toml",
        ) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", where=display_path(path)) from exc


def load_config(path: Path | None = None) -> Config:
    """Read the configuration at ``path``, or the nearest one; an empty Config if none."""
    path = path if path is not None else find_config()
    if path is None:
        return Config()
    if not path.is_file():
        raise ConfigError("no such configuration file", where=str(path))
    data = _read(path)
    table = data if path.name != "pyproject.toml" else data.get("tool", {}).get("augaudit", {})
    where = display_path(path) + ("" if path.name != "pyproject.toml" else " [tool.augaudit]")
    return _parse(table, path, where)


def _parse(table: dict[str, Any], path: Path, where: str) -> Config:
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _KEYS:
            close = difflib.get_close_matches(key, list(_KEYS), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "valid keys: " + ", ".join(_KEYS)
            raise ConfigError(f"unknown key '{key}'", where=where, hint=hint)
        expected, description = _KEYS[key]
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is int):
            raise ConfigError(f"'{key}' must be {description}, got {value!r}", where=where)
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            raise ConfigError(f"'{key}' must be {description} (strings)", where=where)
        if isinstance(value, float) and not (math.isfinite(value) and value >= 0):
            raise ConfigError(f"'{key}' must be {description}, got {value!r}", where=where)
        if isinstance(value, int) and expected == (int, float) and value < 0:
            raise ConfigError(f"'{key}' must be {description}, got {value!r}", where=where)
        values[key.replace("-", "_")] = value
    base = path.parent
    relative = lambda items: tuple(_relative(base, item) for item in items)  # noqa: E731
    return Config(
        path=path,
        pipelines=relative(values.get("pipelines", ())),
        images=relative(values.get("images", ())),
        samples=values.get("samples"),
        seed=values.get("seed"),
        input=values.get("input"),
        mode=values.get("mode"),
        fail_on=values.get("fail_on"),
        select=tuple(values["select"]) if "select" in values else None,
        ignore=tuple(values["ignore"]) if "ignore" in values else None,
        extend_ignore=tuple(values.get("extend_ignore", ())),
        thresholds=_thresholds(values.get("thresholds", {}), where),
        allow_modules=tuple(values.get("allow_modules", ())),
        baseline=_relative(base, values["baseline"]) if "baseline" in values else None,
        max_megapixels=values.get("max_megapixels"),
        stage_timeout=values.get("stage_timeout"),
    )


def _relative(base: Path, item: str) -> str:
    """A config path, relative to the working directory when it can be."""
    path = Path(item)
    if path.is_absolute():
        return item
    full = (base / path).resolve()
    try:
        return full.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return full.as_posix()


# Tolerances of `check --baseline`, set in the same [thresholds] table.
BASELINE_TOLERANCES: dict[str, float] = {
    "baseline-fill-increase": 0.02,
    "baseline-psnr-drop": 1.0,
    "baseline-ssim-drop": 0.005,
}


def threshold_names() -> tuple[str, ...]:
    from augaudit.model.thresholds import DEFAULT_THRESHOLDS

    return tuple(sorted({*DEFAULT_THRESHOLDS, *BASELINE_TOLERANCES}))


def _thresholds(table: dict[str, Any], where: str) -> dict[str, float]:
    known = threshold_names()
    out: dict[str, float] = {}
    for name, value in table.items():
        if name not in known:
            close = difflib.get_close_matches(name, list(known), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "valid: " + ", ".join(known)
            raise ConfigError(f"unknown threshold '{name}'", where=where, hint=hint)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"threshold '{name}' must be a number, got {value!r}", where=where)
        low, high = LIMITS[name]
        if not low <= value <= high:  # NaN and infinities fail too
            raise ConfigError(
                f"threshold '{name}' must be between {low:g} and {high:g}, got {value!r}",
                where=where,
            )
        out[name] = float(value)
    return out
