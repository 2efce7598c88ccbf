"""Start-up: `--help`, `--version`, `rules`, `explain` and `validate SPEC` import no heavy package.

Each command runs in a fresh interpreter through a small wrapper that runs ``python -m
augaudit`` and, at exit, writes which of torch, torchvision and pydantic ended up in
``sys.modules``. torch and torchvision cost seconds; pydantic, which typer 0.29 imports to
coerce parameters, costs 0.1-0.15 s of the 0.3 s budget. Wall times are not asserted here
(the benchmark in ``benchmarks/`` holds the target); the commands' output is compared with
what typer's own parsing produces.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from augaudit.cli import app, main

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "torchvision", "pydantic")
WRAPPER = f"""
import atexit, json, os, runpy, sys
report, sys.argv = sys.argv[1], ["augaudit", *sys.argv[2:]]
heavy = {HEAVY!r}

def write():  # per process: the CLI's watched child does the work
    with open(f"{{report}}.{{os.getpid()}}", "w") as handle:
        json.dump(sorted({{m.split(".")[0] for m in sys.modules}} & set(heavy)), handle)

atexit.register(write)
runpy.run_module("augaudit", run_name="__main__", alter_sys=True)
"""
BAD_NAME = "pipeline:\n  - RandomRotatoin: {degrees: 5}\n"


def imported(args: list[str], tmp_path: Path) -> tuple[int, list[str], str]:
    """Exit code, heavy packages imported, and stderr of ``augaudit ARGS`` run from the repo."""
    report = tmp_path / "imported.json"
    env = {k: v for k, v in os.environ.items() if k != "AUGAUDIT_FORMAT"}
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(report), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    found = sorted({name for done in tmp_path.glob(report.name + ".*")
                    for name in json.loads(done.read_text())})  # fmt: skip
    assert list(tmp_path.glob(report.name + ".*")), "no process wrote its imports"
    return proc.returncode, found, proc.stderr


@pytest.mark.subprocess
@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--help"], 0),
        (["--version"], 0),
        (["rules"], 0),
        (["explain", "AUG302"], 0),
        (["explain", "AUG2O2"], 2),
        (["validate", "configs/well_built.yaml"], 0),
        (["validate", "configs/bad.yaml"], 0),
    ],
)
def test_fast_commands_import_no_heavy_package(args: list[str], code: int, tmp_path: Path) -> None:
    returncode, heavy, stderr = imported(args, tmp_path)
    assert returncode == code, stderr
    assert heavy == []


@pytest.mark.subprocess
def test_a_bad_spec_is_refused_without_heavy_packages(tmp_path: Path) -> None:
    spec = tmp_path / "typo.yaml"
    spec.write_text(BAD_NAME, encoding="utf-8")
    returncode, heavy, stderr = imported(["validate", str(spec)], tmp_path)
    assert returncode == 2
    assert (
        "unknown transform 'RandomRotatoin'" in stderr and "did you mean RandomRotation?" in stderr
    )
    assert heavy == []


@pytest.mark.subprocess
def test_the_static_loader_imports_no_torch() -> None:
    # The part of `validate` this package's spec loader owns, on every shipped config.
    code = (
        "import sys, glob\n"
        "from augaudit.knowledge import stage_kind\n"
        "from augaudit.spec.static import load_static\n"
        "for ref in sorted(glob.glob('configs/*.yaml')):\n"
        "    pipeline = load_static(ref)\n"
        "    assert pipeline is not None, ref\n"
        "    [stage_kind(s.transform) for s in pipeline.stages]\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'torchvision'})\n"
        "assert heavy == [], heavy\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.slow
@pytest.mark.subprocess
def test_the_wrapper_sees_torch_when_the_transforms_are_built(tmp_path: Path) -> None:
    returncode, heavy, stderr = imported(
        ["validate", "--build", "configs/well_built.yaml"], tmp_path
    )
    assert returncode == 0, stderr
    assert {"torch", "torchvision"} <= set(heavy)


def _main(args: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    """Run ``augaudit ARGS`` through ``main`` (and so through its fast path) in-process."""
    monkeypatch.setattr(sys, "argv", ["augaudit", *args])
    try:
        main()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 0
    return 0


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["rules"], {}),
        (["explain", "aug302"], {}),
        (["explain", "AUG2O2"], {}),
        (["explain", ""], {}),
        (["validate", "configs/bad.yaml", "configs/well_built.yaml"], {}),
        (["validate", "configs/bad.yaml"], {"AUGAUDIT_FORMAT": "json"}),
        (["validate", "configs/bad.yaml"], {"AUGAUDIT_FORMAT": ""}),
        (["validate", "configs/bad.yaml"], {"AUGAUDIT_FORMAT": "yaml"}),
        (["validate", "typo.yaml"], {}),
        (["validate", "missing.yaml"], {}),
    ],
)
def test_the_fast_path_answers_as_typer_does(
    args: list[str],
    env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "configs").symlink_to(REPO / "configs")
    (tmp_path / "typo.yaml").write_text(BAD_NAME, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUGAUDIT_FORMAT", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code = _main(args, monkeypatch)
    fast = capsys.readouterr()
    typer_result = CliRunner().invoke(app, args, env=env)
    assert (code, fast.out, fast.err) == (
        typer_result.exit_code,
        typer_result.stdout,
        typer_result.stderr,
    )
