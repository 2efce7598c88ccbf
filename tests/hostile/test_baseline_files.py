"""Baselines from a contributor: validated completely, against the published JSON Schema.

``augaudit/model/baseline.schema.json`` is the format; ``gate.baseline_check`` enforces it
at every depth. Here hypothesis mutates real baselines and checks that the two accept
exactly the same documents, and that ``load_baseline`` never fails any other way than with
a one-line :class:`AugauditError` naming the file.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from augaudit.errors import AugauditError
from augaudit.gate.baseline import load_baseline
from augaudit.gate.baseline_check import problem

ROOT = Path(__file__).resolve().parents[2]
GOLDEN_LOCK = ROOT / "tests" / "golden" / "lock.json"
SCHEMA = json.loads(resources.files("augaudit.model").joinpath("baseline.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def real_baseline() -> dict[str, Any]:
    text = GOLDEN_LOCK.read_text()
    return json.loads(text[: text.rindex("\n[exit ")])


def test_the_schema_is_a_valid_schema_and_accepts_what_augaudit_writes() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    data = real_baseline()
    assert VALIDATOR.is_valid(data)
    assert problem(data) is None


# Values a hand edit or a hostile pull request could put anywhere.
ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    st.sampled_from(["pil", "rgb", "AUG301", "AUG30", 1, 2.0, [], {}]),
)


def _paths(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in a JSON document (the root excluded)."""
    out = []
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(
        node, list) else ()  # fmt: skip
    for key, child in children:
        out.append((*at, key))
        out.extend(_paths(child, (*at, key)))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        doc = doc[key]
    doc[path[-1]] = value


def _delete(doc: Any, path: tuple[Any, ...]) -> None:
    for key in path[:-1]:
        doc = doc[key]
    del doc[path[-1]]


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    doc = copy.deepcopy(real_baseline())
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        if draw(st.booleans()):
            _set(doc, path, draw(ODD_VALUES))
        else:
            _delete(doc, path)
    return doc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_the_validator_and_the_schema_accept_the_same_baselines(doc: dict[str, Any]) -> None:
    assert (problem(doc) is None) == VALIDATOR.is_valid(doc), problem(doc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(doc=mutated())
def test_loading_any_baseline_is_a_result_or_a_one_line_error(tmp_path: Path, doc: Any) -> None:
    path = tmp_path / "lock.json"
    path.write_text(json.dumps(doc))
    try:
        loaded = load_baseline(path)
    except AugauditError as exc:
        text = str(exc)
        assert text.startswith(str(path)) and "\n" not in text
        return
    assert VALIDATOR.is_valid(loaded)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"augaudit_baseline": NaN}', "not valid JSON"),
        (
            '{"augaudit_baseline": 1, "augaudit_version": "0.1.0", "pipelines": {"a.yaml": '
            '{"settings": {"seed": 0, "samples": 1, "input": "pil", "mode": "rgb", "images": []}, '
            '"stages": [{"index": 1, "name": "X", "metrics": {"psnr_vs_reference": Infinity}}], '
            '"findings": []}}}',
            "not valid JSON",
        ),
        (
            '{"augaudit_baseline": 1, "augaudit_version": "0.1.0", "pipelines": {"a.yaml": '
            '{"settings": {"seed": 0, "samples": 1, "input": "pil", "mode": "rgb", "images": []}, '
            '"stages": [{"index": 1, "name": "X", "metrics": {"psnr_vs_reference": 1e400}}], '
            '"findings": []}}}',
            "metrics.psnr_vs_reference must be a finite number",
        ),
        (
            '{"augaudit_baseline": 1, "augaudit_version": "0.1.0", "pipelines": {"a.yaml": '
            '{"settings": {"seed": 0, "samples": 1, "input": "pil", "mode": "rgb", "images": [3]}, '
            '"stages": [], "findings": []}}}',
            'pipelines["a.yaml"].settings.images',
        ),
        (
            '{"augaudit_baseline": 1, "augaudit_version": "0.1.0", "pipelines": {"a.yaml": '
            '{"settings": {"seed": 0, "samples": 1, "input": "pil", "mode": "rgb", "images": []}, '
            '"stages": [], "findings": [["AUG301", [2]]]}}}',
            "findings[0]: the stage",
        ),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"augaudit_baseline": true, "augaudit_version": "x", "pipelines": {}}', "format"),
    ],
)
def test_odd_baselines_are_refused_by_name(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "lock.json"
    path.write_text(text)
    with pytest.raises(AugauditError) as caught:
        load_baseline(path)
    assert says in str(caught.value) and str(caught.value).startswith(str(path))
