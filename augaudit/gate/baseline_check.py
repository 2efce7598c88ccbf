"""Validation of a baseline file against its format (``model/baseline.schema.json``).

Every value is checked at every depth, and the first problem is named by its key path
(``pipelines["configs/a.yaml"].stages[2].metrics.psnr_vs_reference``), so a hand-edited or
hostile baseline is a one-line error, never a crash or a silent pass. The tests check that
this validator and the published JSON Schema accept exactly the same documents.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

FORMAT = 1
_CODE = re.compile(r"AUG[0-9]{3}")
INPUTS = ("pil", "uint8", "float")
MODES = ("rgb", "keep")


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def parse(text: str) -> Any:
    """JSON, refusing NaN and Infinity (Python's json reads them by default)."""
    return json.loads(text, parse_constant=_refuse_constant)


def problem(data: Any) -> str | None:
    """The first thing wrong with a baseline document, or None."""
    if not isinstance(data, dict):
        return "the file holds no JSON object"
    if not (_int(data.get("augaudit_baseline")) and data["augaudit_baseline"] == FORMAT):
        return f"augaudit_baseline must be {FORMAT}"
    if not isinstance(data.get("augaudit_version"), str):
        return "augaudit_version must be a string"
    pipelines = data.get("pipelines")
    if not isinstance(pipelines, dict):
        return "pipelines must be an object"
    for spec, entry in pipelines.items():
        where = f"pipelines[{json.dumps(spec)}]"
        found = _pipeline(entry, where)
        if found:
            return found
    return None


def _int(value: Any, low: int | None = None) -> bool:
    """An integer as JSON Schema counts them (2.0 is one; true is not)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return False
    return low is None or value >= low


def _pipeline(entry: Any, where: str) -> str | None:
    if not isinstance(entry, dict):
        return f"{where} must be an object"
    for key in ("settings", "stages", "findings"):
        if key not in entry:
            return f"{where}.{key} is missing"
    return (
        _settings(entry["settings"], f"{where}.settings")
        or _stages(entry["stages"], f"{where}.stages")
        or _findings(entry["findings"], f"{where}.findings")
    )


def _settings(settings: Any, where: str) -> str | None:
    if not isinstance(settings, dict):
        return f"{where} must be an object"
    checks = (
        ("seed", lambda v: _int(v), "an integer"),
        ("samples", lambda v: _int(v, 1), "an integer of at least 1"),
        ("input", lambda v: v in INPUTS, f"one of {', '.join(INPUTS)}"),
        ("mode", lambda v: v in MODES, f"one of {', '.join(MODES)}"),
        ("images", lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
         "a list of paths"),
    )  # fmt: skip
    for key, valid, what in checks:
        if key not in settings:
            return f"{where}.{key} is missing"
        if not _hashable_in(settings[key], valid):
            return f"{where}.{key} must be {what}"
    return None


def _hashable_in(value: Any, valid: Any) -> bool:
    try:
        return bool(valid(value))
    except TypeError:  # an unhashable value tested for membership
        return False


def _stages(stages: Any, where: str) -> str | None:
    if not isinstance(stages, list):
        return f"{where} must be a list"
    for n, stage in enumerate(stages):
        at = f"{where}[{n}]"
        if not isinstance(stage, dict):
            return f"{at} must be an object"
        if not _int(stage.get("index"), 1):
            return f"{at}.index must be a stage number (1 or more)"
        if not isinstance(stage.get("name"), str):
            return f"{at}.name must be a string"
        metrics = stage.get("metrics")
        if not isinstance(metrics, dict):
            return f"{at}.metrics must be an object"
        for key, value in metrics.items():
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not number or not math.isfinite(value):
                return f"{at}.metrics.{key} must be a finite number"
    return None


def _findings(findings: Any, where: str) -> str | None:
    if not isinstance(findings, list):
        return f"{where} must be a list"
    for n, pair in enumerate(findings):
        at = f"{where}[{n}]"
        if not (isinstance(pair, list) and len(pair) == 2):
            return f"{at} must be a [code, stage] pair"
        code, stage = pair
        if not (isinstance(code, str) and _CODE.fullmatch(code)):
            return f"{at}: the code must look like AUG301"
        if stage is not None and not _int(stage, 1):
            return f"{at}: the stage must be a stage number or null"
    return None
