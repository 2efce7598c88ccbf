"""End-to-end tests of the ``augaudit`` command line, run in a subprocess as a user would:
help and version, exit codes, user errors, ``--output``, ``--debug``, the seed examples.

The audits are named *scenarios* (``tests/helpers/cli_scenarios.py``), each run once however
many tests read it; the ``runs`` fixture starts this module's scenarios together when the
first test that reads one asks. The fast tests (``--help``, ``--version``, import checks) come
first so they run before the pool loads the CPU; the in-process tests (exit codes 3 and 130)
come last. Tests of other packages read the same scenarios from their own folders (the JSON
report, seeding, image sources, spec safety, a stage raising).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from augaudit import __version__
from tests.helpers import REPO
from tests.helpers.cli_scenarios import (
    SEED_EXAMPLES,
    TIMEOUT,
    Runs,
    Scenario,
    no_traceback,
    one_error_line,
    pipeline_entries,
    run_cli,
    strict_json,
    uses,
)

# --- help, version and start-up (no torch, run before the pool starts) -------------------------


@pytest.mark.subprocess
def test_help_lists_the_run_command() -> None:
    result = run_cli(Scenario(("--help",)))
    assert result.returncode == 0, result
    assert "Usage" in result.stdout and "run" in result.stdout


@pytest.mark.subprocess
def test_run_help_lists_the_options() -> None:
    result = run_cli(Scenario(("run", "--help")))
    assert result.returncode == 0, result
    for option in ("--samples", "--seed", "--format", "--output", "--fail-on", "--debug"):
        assert option in result.stdout


@pytest.mark.subprocess
def test_version() -> None:
    result = run_cli(Scenario(("--version",)))
    assert result.returncode == 0, result
    assert result.stdout == f"augaudit {__version__}\n"


@pytest.mark.subprocess
def test_importing_the_cli_does_not_import_torch() -> None:
    code = (
        "import sys, augaudit, augaudit.cli; augaudit.__version__; "
        "heavy = sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('torch', 'torchvision') or m == 'augaudit.api'); "
        "assert not heavy, heavy"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.subprocess
@pytest.mark.parametrize("args", [("--help",), ("--version",), ("run", "--help")])
def test_help_and_version_never_import_torch(args: tuple[str, ...]) -> None:
    result = run_cli(Scenario(args), prefix=("-X", "importtime"))
    assert result.returncode == 0, result
    imported = [
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    ]
    assert "augaudit.cli" in imported  # the -X importtime report was read
    heavy = [m for m in imported if m.split(".")[0] in ("torch", "torchvision")]
    assert heavy == []


@pytest.mark.subprocess
def test_help_is_fast() -> None:
    # A loose bound against regressions such as a top-level torch import (which costs seconds);
    # the 0.3 s start-up target is held by the benchmark, not by this test.
    script = shutil.which("augaudit")
    if script is None:
        pytest.skip("the augaudit console script is not on PATH")
    times = []
    for _ in range(3):
        start = time.perf_counter()
        proc = subprocess.run([script, "--help"], capture_output=True, timeout=TIMEOUT)
        times.append(time.perf_counter() - start)
        assert proc.returncode == 0
    assert min(times) < 0.5, times


# --- exit codes --------------------------------------------------------------------------------


@uses("well_built")
def test_well_built_pipeline_exits_0_without_findings(runs: Runs) -> None:
    result = runs["well_built"]
    assert result.returncode == 0, result
    doc = result.json()
    assert doc["findings"] == []
    assert doc["summary"] == {"errors": 0, "warnings": 0, "infos": 0, "exit_code": 0}
    assert [st["name"] for st in doc["stages"]] == [
        "ToImage",
        "ToDtype",
        "RandomHorizontalFlip",
        "Normalize",
    ]
    assert all(st["errors"] == [] for st in doc["stages"])
    assert result.stderr == ""


@uses("bad")
def test_bad_config_exits_1(runs: Runs) -> None:
    result = runs["bad"]
    assert result.returncode == 1, result
    doc = result.json()
    assert doc["summary"]["errors"] >= 1 and doc["summary"]["exit_code"] == 1
    codes = {f["code"] for f in doc["findings"]}
    # The checks bad.yaml documents that do not depend on a random draw firing.
    assert {"AUG101", "AUG202", "AUG203", "AUG301"} <= codes


@uses("bad_abs_never")
def test_fail_on_never_exits_0_despite_errors(runs: Runs) -> None:
    result = runs["bad_abs_never"]
    assert result.returncode == 0, result
    summary = result.json()["summary"]
    assert summary["errors"] >= 1 and summary["exit_code"] == 0


@uses("warning_default")
def test_a_warning_alone_passes_by_default(runs: Runs) -> None:
    result = runs["warning_default"]
    assert result.returncode == 0, result
    assert re.search(r"^AUG301 warning \[stage 1\]", result.stdout, re.M)
    assert "0 errors, 1 warnings" in result.stdout
    assert "exit 0)" in result.stdout


@uses("warning_fail_on_warning")
def test_fail_on_warning_fails_on_a_warning(runs: Runs) -> None:
    result = runs["warning_fail_on_warning"]
    assert result.returncode == 1, result
    doc = result.json()
    assert [(f["code"], f["severity"]) for f in doc["findings"]] == [("AUG301", "warning")]
    assert doc["summary"] == {"errors": 0, "warnings": 1, "infos": 0, "exit_code": 1}


@uses("unknown")
def test_unknown_transform_exits_2_with_location_and_suggestion(runs: Runs) -> None:
    result = runs["unknown"]
    assert result.returncode == 2, result
    assert result.stdout == ""
    line = one_error_line(result)
    assert "unknown.yaml:3" in line
    assert "did you mean RandomHorizontalFlip?" in line
    no_traceback(result)


@uses(
    "missing_folder",
    "empty_folder",
    "bad_format",
    "samples_zero",
    "html_images_negative",
    "grid_jpg",
)
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("missing_folder", ("no_such_folder", "no such file or folder")),
        ("empty_folder", ("no image files found in empty",)),
        ("bad_format", ("--format", "'xml'")),
        ("samples_zero", ("--samples must be at least 1",)),
        ("html_images_negative", ("--html-images must be at least 1, got -1",)),
        ("grid_jpg", ("--grid writes a PNG contact sheet, not sheet.jpg", "end the name in .png")),
    ],
)
def test_user_errors_exit_2(runs: Runs, name: str, expected: tuple[str, ...]) -> None:
    result = runs[name]
    assert result.returncode == 2, result
    assert result.stdout == ""
    line = one_error_line(result)
    for text in expected:
        assert text in line
    no_traceback(result)


# --- the shipped seed examples -----------------------------------------------------------------


@uses(*(f"seed:{name}" for name in SEED_EXAMPLES))
@pytest.mark.parametrize("name", SEED_EXAMPLES)
def test_seed_examples_print_a_table_and_findings(runs: Runs, name: str) -> None:
    result = runs[f"seed:{name}"]
    assert result.returncode in (0, 1), result
    no_traceback(result)
    out = result.stdout
    assert out.startswith(f"augaudit {__version__}: configs/{name}  (2 of 2 images")
    names, _ = pipeline_entries(REPO / "configs" / name)
    rows = [int(n) for n in re.findall(r"^[│|]\s*(\d+)\s*[│|]", out, re.M)]
    assert rows == list(range(1, len(names) + 1))
    assert re.search(r"^AUG\d{3} (error|warning|info) \[(stage \d+|pipeline)\] ", out, re.M)
    verdict = "FAIL" if result.returncode else "ok"
    assert re.search(
        rf"^{verdict}: \d+ errors, \d+ warnings, \d+ infos.*\(fail-on error, exit "
        rf"{result.returncode}\)$",
        out,
        re.M,
    )


def test_seed_examples_exist() -> None:
    assert len(SEED_EXAMPLES) >= 3


# --- --output ----------------------------------------------------------------------------------


@uses("output", "well_built")
def test_output_writes_the_report_file_and_a_summary_line(runs: Runs, ws: Path) -> None:
    result = runs["output"]
    assert result.returncode == 0, result
    assert result.stdout == ""
    summary = f"augaudit: wrote {Path('out/report.json')}: 0 errors, 0 warnings (exit 0)"
    assert result.stderr.strip().splitlines() == [summary], result
    report = ws / "out" / "report.json"
    text = report.read_text(encoding="utf-8")
    strict_json(text)
    assert text == runs["well_built"].stdout  # the same report as printed without --output
    assert sorted(os.listdir(ws / "out")) == ["report.json"]  # no temporary file left


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
@uses("output")
def test_output_file_mode_follows_the_umask(runs: Runs, ws: Path) -> None:
    assert runs["output"].returncode == 0
    mode = stat.S_IMODE((ws / "out" / "report.json").stat().st_mode)
    assert mode == 0o644, oct(mode)  # the run's umask is 022


# --- a failing stage under --debug ---------------------------------------------------------------


@uses("raises_debug")
def test_debug_shows_the_traceback_of_a_failing_stage(runs: Runs) -> None:
    result = runs["raises_debug"]
    assert result.returncode == 1, result
    assert "Traceback (most recent call last)" in result.stderr
    assert "pipeline.py" in result.stderr
    assert "ValueError: too wide: 96 px" in result.stderr
    assert "AUG501 error [stage 1]" in result.stdout


# --- regressions of bugs found by these tests ---------------------------------------------------


@uses("cp1252")
def test_text_report_on_a_non_utf8_stdout(runs: Runs) -> None:
    result = runs["cp1252"]
    no_traceback(result)
    assert result.returncode == 0, result
    assert "AUG301 warning" in result.stdout


# --- in-process: internal errors and interrupts ------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
def test_internal_error_exits_3(monkeypatch: pytest.MonkeyPatch, debug: bool) -> None:
    from typer.testing import CliRunner

    import augaudit.api
    from augaudit.cli import app

    def broken_audit(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(augaudit.api, "audit", broken_audit)
    args = ["run", "spec.yaml", "imgs", *(["--debug"] if debug else [])]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 3, result.output
    assert "augaudit: error: internal error (a bug" in result.stderr
    assert "RuntimeError: simulated bug" in result.stderr
    assert ("Traceback" in result.stderr) is debug


def test_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import augaudit.api
    from augaudit.cli import app

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(augaudit.api, "audit", interrupted)
    result = CliRunner().invoke(app, ["run", "spec.yaml", "imgs"])
    assert result.exit_code == 130, result.output
    assert result.stderr.strip() == "augaudit: error: interrupted"


@pytest.mark.subprocess
@pytest.mark.skipif(os.name != "posix", reason="symbolic links, FIFOs and /dev/stdout")
def test_output_goes_through_links_and_into_devices(tmp_path: Path) -> None:
    """``-o`` renames a temporary file over a regular file only: a symbolic link stays a link
    (its target gets the report) and /dev/stdout or a FIFO is written to, never replaced."""
    import threading

    from augaudit.cli.common import write_atomic

    (tmp_path / "target.json").write_text("old")
    (tmp_path / "link.json").symlink_to("target.json")
    write_atomic(tmp_path / "link.json", "new report")
    assert (tmp_path / "link.json").is_symlink()
    assert (tmp_path / "target.json").read_text() == "new report"

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_atomic(fifo, "through the pipe")
    reader.join(timeout=10)
    assert received == [b"through the pipe"] and stat.S_ISFIFO(fifo.stat().st_mode)

    code = "from pathlib import Path; from augaudit.cli.common import write_atomic; "
    code += "write_atomic(Path('/dev/stdout'), 'to stdout')"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert (result.returncode, result.stdout) == (0, "to stdout"), result.stderr
    # `augaudit ... -o /dev/stdout >> log`: /dev/stdout is then the log, a regular file. It is
    # appended to, never truncated or replaced (which lost the log's earlier lines).
    log = tmp_path / "history.log"
    log.write_text("earlier line\n")
    with log.open("ab") as appended:
        result = subprocess.run(
            [sys.executable, "-c", code], stdout=appended, stderr=subprocess.PIPE, timeout=60
        )
    assert result.returncode == 0, result.stderr
    assert log.read_text() == "earlier line\nto stdout"
    # A regular file that merely lives under /dev (tmpfs /dev/shm) is replaced as any file is.
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        report = shm / f"augaudit-test-{os.getpid()}.json"
        try:
            write_atomic(report, "first")
            write_atomic(report, "second")
            assert report.read_text() == "second"
        finally:
            report.unlink(missing_ok=True)
