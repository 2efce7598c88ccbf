"""A YAML spec cannot call ``os.system`` through the real CLI: refused with exit 2 and one
line naming the file, and nothing runs (CLI scenarios, ``tests/helpers/cli_scenarios.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.cli_scenarios import Runs, no_traceback, one_error_line, uses


@uses("unsafe_short", "unsafe_hydra")
@pytest.mark.parametrize("form", ["short", "hydra"])
def test_yaml_cannot_call_os_system(runs: Runs, ws: Path, form: str) -> None:
    result = runs[f"unsafe_{form}"]
    assert result.returncode == 2, result
    line = one_error_line(result)
    assert f"unsafe_{form}.yaml:2" in line
    assert "'os.system' is outside the allowed namespaces" in line
    assert "torchvision.transforms.v2" in line and "--allow-module" in line
    assert not (ws / f"pwned_{form}").exists()
    no_traceback(result)
