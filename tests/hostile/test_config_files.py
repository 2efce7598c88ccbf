"""Configuration from a contributor: every key and value checked, one line when wrong."""

from __future__ import annotations

import datetime
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from augaudit.gate.config import _KEYS, ConfigError, _parse, threshold_names

KEYS = sorted(_KEYS)
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(),  # NaN and infinities included: TOML has them
    st.text(max_size=6),
    st.datetimes(min_value=datetime.datetime(2000, 1, 1)),
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
THRESHOLDS = st.dictionaries(st.sampled_from([*threshold_names(), "typo"]), VALUES, max_size=4)
TABLES = st.dictionaries(
    st.sampled_from([*KEYS, "unknown-key"]),
    st.one_of(VALUES, THRESHOLDS),
    max_size=5,
)


@settings(max_examples=400, deadline=None)
@given(TABLES)
def test_any_table_is_a_config_or_a_one_line_config_error(table: dict[str, Any]) -> None:
    try:
        config = _parse(table, Path("/p/pyproject.toml"), "pyproject.toml")
    except ConfigError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("pyproject.toml")
        return
    for name, value in config.thresholds.items():
        assert math.isfinite(value), name
    assert all(isinstance(p, str) for p in (*config.pipelines, *config.images))


@pytest.mark.subprocess
@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("thresholds = {border-fill-mean = nan}", "between 0 and 1, got nan"),
        ("thresholds = {final-psnr-min = inf}", "between 0 and 200, got inf"),
        ("thresholds = {border-fill-max = 1.5}", "between 0 and 1, got 1.5"),
        ('images = ["imgs", 3]', "'images' must be a list of image files or folders"),
        ("samples = true", "'samples' must be an integer"),
        ("max-megapixels = nan", "'max-megapixels' must be a number of megapixels >= 0"),
        ("stage-timeout = -1", "'stage-timeout' must be a number of seconds >= 0"),
    ],
)
def test_bad_values_are_exit_2_naming_the_file_and_key(
    tmp_path: Path, line: str, says: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.augaudit]\n{line}\n")
    done = subprocess.run(
        [sys.executable, "-m", "augaudit", "check", "x.yaml", "--images", "imgs"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    (error,) = [x for x in done.stderr.splitlines() if x.startswith("augaudit: error:")]
    assert "pyproject.toml" in error and says in error and "Traceback" not in done.stderr
