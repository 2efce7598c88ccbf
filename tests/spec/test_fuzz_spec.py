"""Fuzzing the YAML spec loader (short form and Hydra form) with hypothesis.

Whatever the file holds, ``load_spec`` returns a ``Pipeline`` or raises an ``AugauditError``
whose message is one line; any other exception is a bug. The generators mix real names and
keys (so that deep paths, building and binding are reached) with wrong types, huge numbers,
deep nesting, anchors, aliases, merge keys and tags. Each test counts the cases it ran
(``COUNTS``, printed by the last test; run with ``-s`` to see them).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from augaudit.errors import AugauditError, SpecError
from augaudit.spec import Pipeline, load_spec
from augaudit.spec.yaml_source import MAX_BYTES, TOO_LARGE
from tests.helpers.spec_strategies import ANY_DATA, ENTRY, hydra

COUNTS: Counter[str] = Counter()
FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture(scope="module")
def spec_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz_spec")


def check_load(folder: Path, text: str, name: str = "spec.yaml") -> Pipeline | AugauditError:
    """Load ``text`` as a spec: a Pipeline, or the AugauditError it raised (anything else fails)."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    try:
        return load_spec(str(path))
    except AugauditError as exc:
        message = str(exc)
        assert message and "\n" not in message and "Traceback" not in message, message
        return exc


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, default_flow_style=False, allow_unicode=True)


@FUZZ
@given(data=ANY_DATA)
def test_random_structures(spec_dir: Path, data: Any) -> None:
    COUNTS["random structures"] += 1
    check_load(spec_dir, _dump(data))


@FUZZ
@given(
    entries=st.lists(ENTRY, min_size=0, max_size=5),
    api=st.none() | st.sampled_from(["v1", "v2", 2, "v3"]),
    kind=st.none() | st.sampled_from(["pil", "float", "tensor"]),
)
def test_short_form_pipelines(spec_dir: Path, entries: list[Any], api: Any, kind: Any) -> None:
    COUNTS["short form"] += 1
    doc: dict[str, Any] = {"pipeline": entries}
    if api is not None:
        doc["api"] = api
    if kind is not None:
        doc["input"] = kind
    check_load(spec_dir, _dump(doc))


@FUZZ
@given(doc=hydra(2) | st.lists(hydra(1), max_size=3))
def test_hydra_form(spec_dir: Path, doc: Any) -> None:
    COUNTS["hydra form"] += 1
    check_load(spec_dir, _dump(doc))


YAML_TOKENS = st.sampled_from(
    [
        "pipeline:",
        "\n",
        "\n  ",
        "\n    ",
        "- ",
        "  - ",
        ": ",
        "_target_: ",
        "torchvision.transforms.v2.RandomCrop",
        "RandomCrop",
        "Resize",
        "v1.ToTensor",
        "transforms:",
        "size: ",
        "{",
        "}",
        "[",
        "]",
        ", ",
        "&a ",
        "&b ",
        "*a",
        "*b",
        "<<: ",
        "? ",
        "!!int ",
        "!!float ",
        "!!str ",
        "!!bool ",
        "!!binary ",
        "!!set ",
        "!!omap ",
        "!!timestamp ",
        "!custom ",
        "!!python/object/apply:os.system ",
        "%TAG !p! tag:yaml.org,2002:python/\n---\n",
        "!p!name:os.system ",
        "---\n",
        "...\n",
        "'",
        '"',
        "|\n  ",
        "# augaudit: ignore[AUG301]",
        "1e999",
        "-.inf",
        ".nan",
        "0x1F",
        "1:30:00",
        "2001-12-14",
        "9" * 5000,
        "~",
        "yes",
        "\t",
        "\x00",
        "\ufeff",
        "é",
    ]
)


@FUZZ
@given(tokens=st.lists(YAML_TOKENS, max_size=40))
def test_token_soup(spec_dir: Path, tokens: list[str]) -> None:
    COUNTS["token soup"] += 1
    check_load(spec_dir, "".join(tokens))


@FUZZ
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes(spec_dir: Path, raw: bytes) -> None:
    COUNTS["bytes"] += 1
    path = spec_dir / "bytes.yaml"
    path.write_bytes(raw)
    try:
        load_spec(str(path))
    except AugauditError as exc:
        assert "\n" not in str(exc)


# Explicit cases: each names the attack or the regression it covers.


def _billion_laughs(levels: int, width: int) -> str:
    lines = ["a0: &a0 [lol]"]
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append(f"pipeline: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_without_expanding(spec_dir: Path) -> None:
    # 9 levels of 9 aliases describe 9**8 = 43 million "lol"s in under 400 bytes.
    result = check_load(spec_dir, _billion_laughs(9, 9))
    assert isinstance(result, SpecError) and TOO_LARGE in str(result)


def test_self_referencing_anchor_is_refused(spec_dir: Path) -> None:
    # PyYAML registers an anchor before composing its children, so this node contains itself.
    result = check_load(spec_dir, "pipeline: &a [*a]\n")
    assert isinstance(result, SpecError) and TOO_LARGE in str(result)


@pytest.mark.parametrize("depth", [60, 2_000, 100_000])
def test_deep_nesting_is_refused(spec_dir: Path, depth: int) -> None:
    for text in ("[" * depth + "]" * depth, "{a: " * depth + "1" + "}" * depth):
        result = check_load(spec_dir, f"pipeline: {text}\n")
        assert isinstance(result, SpecError), text[:20]


def test_oversized_file_is_refused_before_parsing(spec_dir: Path) -> None:
    result = check_load(spec_dir, "# padding\n" * (MAX_BYTES // 10 + 1))
    assert isinstance(result, SpecError) and TOO_LARGE in str(result)


@pytest.mark.parametrize(
    "value", ["1e999", "-1e999", ".nan", "99999999999999999999999999", "9" * 5000, "0x7fffffff"]
)
def test_huge_numbers_as_arguments(spec_dir: Path, value: str) -> None:
    for entry in (f"Resize: {value}", f"RandomCrop: {{size: {value}}}", f"Pad: [{value}]"):
        check_load(spec_dir, f"pipeline:\n  - {entry}\n")


def test_int_beyond_pythons_digit_limit_is_a_spec_error(spec_dir: Path) -> None:
    digits = sys.get_int_max_str_digits() + 1
    result = check_load(spec_dir, f"pipeline:\n  - Resize: {'9' * digits}\n")
    assert isinstance(result, SpecError) and "spec.yaml:2" in str(result)


def test_merge_keys_and_aliases_build(spec_dir: Path) -> None:
    text = (
        "base: &crop {size: 8}\n"
        "pipeline:\n"
        "  - RandomCrop: {<<: *crop, padding: 2}\n"
        "  - CenterCrop: *crop\n"
    )
    # 'base' is not a top-level key, so the anchors go in a list form instead.
    result = check_load(spec_dir, text)
    assert isinstance(result, SpecError) and "unknown top-level key 'base'" in str(result)
    text = "- RandomCrop: &crop {size: 8}\n- RandomCrop: {<<: *crop, padding: 2}\n"
    pipeline = check_load(spec_dir, text)
    assert isinstance(pipeline, Pipeline)
    assert [s.transform.size for s in pipeline.stages] == [(8, 8), (8, 8)]
    assert pipeline.stages[1].transform.padding == [2, 2, 2, 2]  # torchvision's own expansion


def test_regression_block_scalar_name_keeps_the_message_on_one_line(spec_dir: Path) -> None:
    # Found by test_token_soup: "- |" makes the transform name "...v2.|\n", and the message
    # quoted it raw, breaking the CLI's one-line error.
    result = check_load(spec_dir, "- |\n  |\n  ")
    assert isinstance(result, SpecError) and r"'torchvision.transforms.v2.|\n'" in str(result)


def test_regression_newline_in_a_key_is_escaped(spec_dir: Path) -> None:
    result = check_load(spec_dir, '"pipe\\nline": []\n')
    assert isinstance(result, SpecError) and r"unknown top-level key 'pipe\nline'" in str(result)


@pytest.mark.parametrize("tag", ["!!int", "!!float", "!!bool", "!!null", "!!timestamp"])
def test_regression_explicit_tag_without_a_value(spec_dir: Path, tag: str) -> None:
    # Found by test_token_soup: "!!int " alone made PyYAML's int constructor raise IndexError.
    result = check_load(spec_dir, f"{tag} ")
    assert isinstance(result, SpecError), result


@pytest.mark.after_module  # reads the counts the fuzzers above recorded
def test_fuzz_case_counts() -> None:
    if not COUNTS:
        pytest.skip("counts the fuzz tests of this file; none ran")
    print("\nspec fuzz cases:", dict(COUNTS), "total", sum(COUNTS.values()))
    # The fuzzers above really ran (hypothesis may stop early when a space is exhausted).
    ran = [name for name, count in COUNTS.items() if count >= 20]
    assert len(ran) == 5, COUNTS
