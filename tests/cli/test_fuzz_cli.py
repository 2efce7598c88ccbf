"""Fuzzing the command line: random option names and values for every command.

Every case must end with exit 0, 1 or 2 and, for 2, a message; never exit 3 (a bug) and never a
traceback. The cases run in-process (``augaudit.cli.main`` with ``sys.argv`` patched, inside
click's output isolation), because a subprocess per case costs seconds of torch import; a few
subprocess cases check that the real entry point behaves the same. The option names are read
from the typer app itself, so options added later are fuzzed too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from typer.testing import CliRunner

from augaudit.cli import app, main
from tests.helpers import spec_strategies

COUNTS: Counter[str] = Counter()
COMMANDS = ("run", "check", "validate", "explain", "rules", "diff", "baseline")
AUDITING = ("run", "check", "diff", "baseline")
SPEC = "pipeline:\n  - ToImage\n  - ToDtype: {dtype: float32, scale: true}\n"


KINDS = {bool: "flag", int: "integer", float: "float", Path: "path"}


def _options() -> dict[str, dict[str, str]]:
    """Each command's options, with the kind of value each takes (integer, path, text ...)."""
    # typer vendors its own click, so its classes are matched by what they say they are.
    group = typer.main.get_command(app)
    found: dict[str, dict[str, str]] = {}
    for name in COMMANDS:
        params = group.commands[name].params  # type: ignore[attr-defined]
        found[name] = {"--help": "flag", "-h": "flag"}
        for param in params:
            if param.param_type_name == "option":
                annotation = param.type_descriptor.annotation
                kind = KINDS.get(annotation, "text")
                found[name].update(dict.fromkeys(param.opts, kind))
    assert all(found[name].get("--seed") == "integer" for name in AUDITING), found
    return found


OPTIONS = _options()
TEXT = ["", "-", "abc", "é", "--", "a b", "\x1b[31m", "json", "text", "markdown", "github"]
TEXT += ["sarif", "junit", "pil", "uint8", "float", "rgb", "keep", "error", "warning", "never"]
TEXT += ["AUG", "AUG301", "torchvision", "os", "_private", "mypkg.mod", "a..b"]
NUMBERS = ["-1", "0", "1", "2", "1.5", "nan", "inf", "-inf", "1e3", "x", ""]
NUMBERS += ["99999999999999999999999", "-99999999999999999999999"]
OUTPUTS = ["out/report.out", "new/deeper/r.out", "img/a.png", "spec.yaml", "base.json"]
OUTPUTS += ["out", ".", "img", "/proc/version"]
READS = ["spec.yaml", "bad.yaml", "img", "img/a.png", "missing", ".", "base.json"]
READS += ["garbage.json", "cfg.toml", "bad.toml", "/proc/version", "/dev/null", "x.txt"]
OUTPUT_OPTIONS = {"--output", "-o", "--html", "--grid"}
# Numbers stay small where a valid value makes work: a huge --samples audits forever and
# --jobs N starts N processes that each import torch.
SMALL = ["-1", "0", "1", "2", "x", "1.5", ""]
BOUNDED = {"--samples", "--jobs", "-j"}
POSITIONAL = ["spec.yaml", "bad.yaml", "missing.yaml", "img", "img/a.png", "missing", "AUG202"]
POSITIONAL += ["aug999", "", "-", "x.txt", "spec.yml", "mod:attr", "a.py", "--"]
VALID = {
    "run": ["run", "spec.yaml", "img"],
    "check": ["check", "spec.yaml", "--images", "img"],
    "diff": ["diff", "spec.yaml", "spec.yml", "img"],
    "baseline": ["baseline", "spec.yaml", "--images", "img", "-o", "out/b.json"],
    "validate": ["validate", "spec.yaml"],
    "explain": ["explain", "AUG202"],
    "rules": ["rules"],
}


def _values(option: str, kind: str) -> list[str]:
    if option in BOUNDED:
        return SMALL
    if option in OUTPUT_OPTIONS:
        return OUTPUTS
    if kind in ("integer", "float"):
        return NUMBERS
    if kind == "path":
        return READS
    return TEXT + READS


def fuzz(examples: int) -> settings:
    slow = [HealthCheck.too_slow, HealthCheck.data_too_large]
    return settings(max_examples=examples, deadline=None, suppress_health_check=slow)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("fuzz_cli")
    (root / "img").mkdir()
    Image.new("RGB", (12, 10), (200, 30, 30)).save(root / "img" / "a.png")
    (root / "x.txt").write_text("not a spec\n")
    (root / "garbage.json").write_text("{not json")
    (root / "cfg.toml").write_text('images = ["img"]\npipelines = ["spec.yaml"]\nsamples = 1\n')
    (root / "bad.toml").write_text("samples = [\n")
    previous = Path.cwd()
    os.chdir(root)
    try:
        _reset(root)
        code, _, err = run_cli(["baseline", "spec.yaml", "--images", "img", "-o", "base.json"])
        assert code == 0, err
        yield root
    finally:
        os.chdir(previous)


def _reset(root: Path) -> None:
    # Outputs may overwrite inputs (-o spec.yaml is a legal request); restore them each case.
    (root / "spec.yaml").write_text(SPEC)
    (root / "spec.yml").write_text(SPEC)
    (root / "bad.yaml").write_text("pipeline:\n  - RandomRotatoin: 3\n")


def run_cli(args: list[str]) -> tuple[int, str, str]:
    """Run ``augaudit ARGS`` in-process; return (exit code, stdout, stderr)."""
    runner = CliRunner()
    with runner.isolation() as streams:
        out, err = streams[0], streams[1]
        saved = sys.argv
        sys.argv = ["augaudit", *args]
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.argv = saved
        return (
            code,
            out.getvalue().decode(errors="replace"),
            err.getvalue().decode(errors="replace"),
        )


def assert_clean(args: list[str], code: int, out: str, err: str) -> None:
    assert code in (0, 1, 2), (args, code, err[-2000:])
    if code == 2:
        assert err.strip(), (args, "exit 2 without a message")
    if "--debug" not in args:
        assert "Traceback" not in err + out, (args, err[-2000:])


@st.composite
def command_lines(draw: st.DrawFn, commands: tuple[str, ...]) -> list[str]:
    """A valid command line of one of ``commands``, then mutated: options added with values
    of their kind (or of none), unknown options, positionals replaced or added."""
    command = draw(st.sampled_from(commands))
    args = list(VALID[command])
    if draw(st.booleans()):
        args = [command, *draw(st.lists(st.sampled_from(POSITIONAL), max_size=3))]
    options = OPTIONS[command]
    for _ in range(draw(st.integers(0, 4))):
        option = draw(
            st.sampled_from(sorted(options)) | st.text(min_size=1, max_size=8).map("--".__add__)
        )
        kind = options.get(option, "text")
        args.append(option)
        if kind == "flag" or draw(st.integers(0, 9)) == 0:
            continue  # a flag, or an option left without its value
        args.append(draw(st.sampled_from(_values(option, kind))))
    return args


@pytest.mark.slow
@fuzz(150)
@given(args=command_lines(("validate", "explain", "rules")))
def test_fast_commands(workdir: Path, args: list[str]) -> None:
    COUNTS["validate/explain/rules"] += 1
    _reset(workdir)
    assert_clean(args, *run_cli(args))


@pytest.mark.slow
@fuzz(120)
@given(args=command_lines(AUDITING))
def test_auditing_commands(workdir: Path, args: list[str]) -> None:
    COUNTS["run/check/diff/baseline"] += 1
    _reset(workdir)
    assert_clean(args, *run_cli(args))


@fuzz(50)
@given(
    args=st.lists(
        st.sampled_from(["--version", "-h", "--help", "bogus", "", "--", "-x", *COMMANDS])
        | st.text(max_size=10),
        max_size=4,
    )
)
def test_top_level(workdir: Path, args: list[str]) -> None:
    COUNTS["top level"] += 1
    assert_clean(args, *run_cli(args))


@fuzz(100)
@given(
    doc=st.one_of(
        st.lists(spec_strategies.ENTRY, min_size=1, max_size=4).map(lambda e: {"pipeline": e}),
        spec_strategies.hydra(2),
        spec_strategies.ANY_DATA,
    ),
    command=st.sampled_from(
        [["validate"], ["validate", "--build"], ["run", "--samples", "1", "--format", "json"]]
    ),
)
def test_random_spec_contents(workdir: Path, doc: object, command: list[str]) -> None:
    # The spec fuzzers' documents, through the whole command: the static loader, the
    # static checks, building, and for run the audit of one image.
    COUNTS["spec contents"] += 1
    (workdir / "fuzzed.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    args = [command[0], "fuzzed.yaml", *(["img"] if command[0] == "run" else []), *command[1:]]
    assert_clean(args, *run_cli(args))


@pytest.mark.subprocess
@pytest.mark.parametrize(
    "args",
    [
        ["run", "spec.yaml", "img", "--samples", "abc"],
        ["validate", "bad.yaml"],
        ["explain", "AUG9"],
        ["check", "--config", "bad.toml"],
    ],
)
def test_real_entry_point(workdir: Path, args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "augaudit", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2 and result.stderr.strip(), result
    assert "Traceback" not in result.stderr
    # The in-process runner agrees with the real entry point.
    assert run_cli(args)[0] == 2


# Regressions: bugs this fuzzer found in the CLI (fixed in 999a6fd, they exited 3 or gave a
# false AUG501); the fuzzer's value lists above keep covering them too.


@pytest.mark.parametrize(
    "args",
    [
        ["run", "spec.yaml", "img", "--samples", "1", "-o", "img"],
        ["baseline", "spec.yaml", "--images", "img", "-o", "img"],
        ["run", "spec.yaml", "img", "--samples", "1", "--html", "img"],
    ],
)
def test_output_to_a_directory_is_a_user_error(workdir: Path, args: list[str]) -> None:
    _reset(workdir)
    code, _out, err = run_cli(args)
    assert code == 2 and "img" in err, err


def test_output_to_an_unwritable_place_is_a_user_error(workdir: Path) -> None:
    _reset(workdir)
    code, _out, err = run_cli(["run", "spec.yaml", "img", "--samples", "1", "-o", "/proc/version"])
    assert code == 2, err


def test_binary_config_file_is_a_user_error(workdir: Path) -> None:
    code, _out, err = run_cli(["validate", "spec.yaml", "--config", "img/a.png"])
    assert code == 2 and "img/a.png" in err, err


@pytest.mark.parametrize("timeout", ["inf", "1e308"])
def test_infinite_stage_timeout_is_not_a_stage_error(workdir: Path, timeout: str) -> None:
    _reset(workdir)
    code, out, _err = run_cli(
        ["run", "spec.yaml", "img", "--samples", "1", "--stage-timeout", timeout]
    )
    # Either no timeout at all (exit 0) or a refused value (exit 2); never a false AUG501.
    assert code in (0, 2) and "AUG501" not in out, (code, out[-500:])


@pytest.mark.after_module  # reads the counts the fuzzers above recorded
def test_fuzz_case_counts() -> None:
    if not COUNTS:
        pytest.skip("counts the fuzz tests of this file; none ran")
    print("\ncli fuzz cases:", dict(COUNTS), "total", sum(COUNTS.values()))
    assert all(count >= 20 for count in COUNTS.values()) and len(COUNTS) == 4, COUNTS
