"""Configuration and the gate commands, through the real CLI app (in-process for speed)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from augaudit.cli import app
from augaudit.gate.config import Config, ConfigError, find_config, load_config

ROTATE_45 = "api: v2\npipeline:\n  - RandomRotation: {degrees: [45, 45]}\n"
RUNNER = CliRunner()


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with one image and a spec that trips AUG301 (a warning)."""
    (tmp_path / "imgs").mkdir()
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(
        tmp_path / "imgs" / "a.png"
    )
    (tmp_path / "rotate.yaml").write_text(ROTATE_45)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


def invoke(*args: str):
    return RUNNER.invoke(app, list(args), catch_exceptions=False)


def codes(result) -> set[str]:
    data = json.loads(result.stdout)
    reports = data.get("pipelines", [data])
    return {f["code"] for r in reports for f in r["findings"]}


def test_no_config_is_an_empty_config(project):
    assert find_config() is None
    assert load_config() == Config()


def test_pyproject_table_found_walking_up(project):
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.augaudit]\nsamples = 3\npipelines = ["rotate.yaml"]\n'
    )
    sub = project / "deep" / "er"
    sub.mkdir(parents=True)
    os.chdir(sub)
    config = load_config()
    assert config.path == project / "pyproject.toml"
    assert config.samples == 3
    assert config.pipelines == ((project / "rotate.yaml").as_posix(),)  # relative to the file


def test_augaudit_toml_wins_and_pyproject_without_table_is_passed_over(project):
    (project / "pyproject.toml").write_text("[tool.augaudit]\nsamples = 3\n")
    (project / "augaudit.toml").write_text("samples = 2\n")
    assert load_config().samples == 2
    inner = project / "pkg"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "inner"\n')
    os.chdir(inner)
    assert load_config().samples == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sample = 2\n", "unknown key 'sample'"),
        ("samples = 'two'\n", "'samples' must be an integer"),
        ("[thresholds]\nborder-fill-man = 0.1\n", "unknown threshold 'border-fill-man'"),
        ("samples = [\n", "not valid TOML"),
    ],
)
def test_config_errors_name_the_file_and_key(project, text, message):
    (project / "augaudit.toml").write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config()
    assert message in str(info.value)
    assert str(info.value).startswith("augaudit.toml")
    result = RUNNER.invoke(app, ["run", "rotate.yaml", "imgs"])
    assert result.exit_code == 2
    assert message in result.output
    assert "did you mean 'samples'" in result.output or "sample =" not in text


def test_thresholds_from_config_change_the_verdict(project):
    base = invoke("run", "rotate.yaml", "imgs", "--samples", "1", "--format", "json")
    assert "AUG301" in codes(base)
    (project / "augaudit.toml").write_text(
        "[thresholds]\nborder-fill-mean = 0.5\nborder-fill-max = 0.5\n"
    )
    relaxed = invoke("run", "rotate.yaml", "imgs", "--samples", "1", "--format", "json")
    assert "AUG301" not in codes(relaxed)


def test_fail_on_from_config_and_flag_override(project):
    (project / "augaudit.toml").write_text('fail-on = "warning"\n')
    assert invoke("run", "rotate.yaml", "imgs", "--samples", "1").exit_code == 1
    assert (
        invoke("run", "rotate.yaml", "imgs", "--samples", "1", "--fail-on", "error").exit_code == 0
    )


def test_select_ignore_and_extend_ignore_by_prefix(project):
    args = ("run", "rotate.yaml", "imgs", "--samples", "1", "--format", "json")
    assert "AUG301" in codes(invoke(*args))
    assert "AUG301" not in codes(invoke(*args, "--ignore", "AUG3"))
    assert "AUG301" not in codes(invoke(*args, "--select", "AUG2"))
    (project / "augaudit.toml").write_text('extend-ignore = ["AUG30"]\n')
    assert "AUG301" not in codes(invoke(*args))
    ran = json.loads(invoke(*args, "--select", "AUG5").stdout)["summary"]
    assert ran["warnings"] == 0


def test_prefixes_are_case_insensitive_and_comma_separated(project):
    args = ("run", "rotate.yaml", "imgs", "--samples", "1", "--format", "json")
    assert "AUG301" in codes(invoke(*args, "--select", "aug3"))
    assert "AUG301" in codes(invoke(*args, "--select", "AUG2,AUG3"))
    assert "AUG301" not in codes(invoke(*args, "--ignore", "aug1, aug30"))


@pytest.mark.parametrize(
    ("flags", "config", "named"),
    [
        (("--select", "XYZ"), "", "--select 'XYZ'"),
        (("--select", "AUG3,AUG9"), "", "--select 'AUG9'"),
        (("--ignore", "AUG30x"), "", "--ignore 'AUG30x'"),
        ((), 'select = ["AUG33"]\n', "select (in the config file) 'AUG33'"),
        ((), 'extend-ignore = ["nope"]\n', "extend-ignore (in the config file) 'nope'"),
    ],
)
def test_a_prefix_matching_no_check_is_an_error_not_an_empty_gate(project, flags, config, named):
    """A typo in --select used to select nothing: no findings, exit 0, the gate off."""
    (project / "augaudit.toml").write_text(config)
    for command in (("run", "rotate.yaml", "imgs", "--samples", "1"), ("validate", "rotate.yaml")):
        result = RUNNER.invoke(app, [*command, *flags])
        assert result.exit_code == 2, result.output
        (line,) = result.output.strip().splitlines()
        assert f"error: {named} matches no check code" in line and "augaudit rules" in line


def test_the_library_checks_prefixes_too(project):
    from augaudit.api import audit
    from augaudit.errors import InputError

    with pytest.raises(InputError, match="select 'AUG0' matches no check code"):
        audit("rotate.yaml", ["imgs"], samples=1, select=["AUG0"])
    # A single string is one prefix, not a sequence of one-letter ones.
    report = audit("rotate.yaml", ["imgs"], samples=1, select="aug3")  # type: ignore[arg-type]
    assert {f.code for f in report.findings} == {"AUG301", "AUG302"}


def test_per_stage_ignores_take_any_case_and_refuse_unknown_codes(project):
    (project / "quiet.yaml").write_text(
        "api: v2\npipeline:\n  - RandomRotation: {degrees: [45, 45]}  # augaudit: ignore[aug301]\n"
    )
    result = invoke("run", "quiet.yaml", "imgs", "--samples", "1", "--format", "json")
    assert "AUG301" not in codes(result)
    for name, text, line in (
        ("typo.yaml", "  - RandomRotation: {degrees: 45}  # augaudit: ignore[AUG3O1]\n", 3),
        ("key.yaml", "  - RandomRotation: {degrees: 45}\n    ignore: [nope]\n", 4),
    ):
        (project / name).write_text("api: v2\npipeline:\n" + text)
        result = RUNNER.invoke(app, ["validate", name])
        assert result.exit_code == 2, result.output
        (message,) = result.output.strip().splitlines()
        assert f"{name}:{line}: ignore " in message and "matches no check code" in message


def test_per_stage_ignore_comment_in_the_spec(project):
    (project / "quiet.yaml").write_text(
        "api: v2\npipeline:\n  - RandomRotation: {degrees: [45, 45]}  # augaudit: ignore[AUG301]\n"
    )
    result = invoke("run", "quiet.yaml", "imgs", "--samples", "1", "--format", "json")
    assert "AUG301" not in codes(result)


def test_check_uses_configured_pipelines_and_images(project):
    (project / "flip.yaml").write_text("pipeline:\n  - RandomHorizontalFlip\n")
    (project / "augaudit.toml").write_text(
        'pipelines = ["*.yaml"]\nimages = ["imgs"]\nsamples = 1\n'
    )
    result = invoke("check", "--format", "json")
    data = json.loads(result.stdout)
    assert [p["spec"] for p in data["pipelines"]] == ["flip.yaml", "rotate.yaml"]
    per_spec = {p["spec"]: {f["code"] for f in p["findings"]} for p in data["pipelines"]}
    assert per_spec["flip.yaml"] == set()
    assert "AUG301" in per_spec["rotate.yaml"]
    assert data["summary"]["errors"] == 0
    assert result.exit_code == 0
    assert invoke("check", "--fail-on", "warning").exit_code == 1
    only = invoke("check", "flip.yaml", "--format", "json")  # what pre-commit passes
    assert json.loads(only.stdout)["spec"] == "flip.yaml"


def test_check_without_images_or_pipelines_is_a_user_error(project):
    result = RUNNER.invoke(app, ["check", "rotate.yaml"])
    assert result.exit_code == 2
    assert "no images" in result.output
    result = RUNNER.invoke(app, ["check", "--images", "imgs"])
    assert result.exit_code == 2
    assert "no pipelines" in result.output


def test_validate_runs_without_images(project):
    result = invoke("validate", "rotate.yaml", "--format", "json")
    data = json.loads(result.stdout)
    assert data["images"] == []
    assert [s["name"] for s in data["stages"]] == ["RandomRotation"]
    assert result.exit_code == 0
    header = invoke("validate", "rotate.yaml").stdout.splitlines()[0]
    assert header.endswith("(validated without images: static checks only, input pil)")
    (project / "typo.yaml").write_text("pipeline:\n  - RandomRotatoin: {degrees: 5}\n")
    bad = RUNNER.invoke(app, ["validate", "typo.yaml"])
    assert bad.exit_code == 2
    assert "typo.yaml:2" in bad.output and "did you mean RandomRotation" in bad.output


def test_rules_and_explain(project):
    listing = invoke("rules")
    lines = [line for line in listing.stdout.splitlines() if line.startswith("AUG")]
    assert {line.split()[0] for line in lines} >= {"AUG101", "AUG202", "AUG301", "AUG501"}
    doc = invoke("explain", "aug202")
    assert "AUG202 wrap-around (error)" in doc.stdout
    assert "Fails" in doc.stdout and "Passes" in doc.stdout
    unknown = RUNNER.invoke(app, ["explain", "AUG2O2"])
    assert unknown.exit_code == 2
    assert "did you mean AUG202?" in unknown.output


FLIP = (
    "pipeline:\n  - ToImage\n  - ToDtype: {dtype: float32, scale: true}\n  - RandomHorizontalFlip\n"
)


def test_baseline_gate_fails_on_an_added_rotation_and_passes_once_regenerated(project):
    (project / "augaudit.toml").write_text('images = ["imgs"]\nsamples = 1\n')
    spec = project / "train.yaml"
    spec.write_text(FLIP)
    made = invoke("baseline", "train.yaml", "-o", "augaudit.lock.json")
    assert made.exit_code == 0
    assert invoke("check", "train.yaml", "--baseline", "augaudit.lock.json").exit_code == 0

    spec.write_text(
        FLIP.replace("  - RandomHorizontalFlip", "  - RandomRotation: 30\n  - RandomHorizontalFlip")
    )
    gated = invoke("check", "train.yaml", "--baseline", "augaudit.lock.json")
    assert gated.exit_code == 1
    line = next(x for x in gated.output.splitlines() if "border fill mean" in x)
    assert "0.000 ->" in line and "REGRESSION" in line  # old against new
    assert "RandomRotation" in line

    invoke("baseline", "train.yaml", "-o", "augaudit.lock.json")
    assert invoke("check", "train.yaml", "--baseline", "augaudit.lock.json").exit_code == 0
    other = RUNNER.invoke(
        app, ["check", "train.yaml", "--baseline", "augaudit.lock.json", "--samples", "2"]
    )
    assert other.exit_code == 2 and "not comparable" in other.output


def test_diff_shows_two_specs_side_by_side(project):
    (project / "a.yaml").write_text(FLIP)
    (project / "b.yaml").write_text(FLIP + "  - RandomRotation: 30\n")
    result = invoke("diff", "a.yaml", "b.yaml", "imgs", "--samples", "1")
    assert result.exit_code == 0
    added = next(x for x in result.output.splitlines() if "RandomRotation" in x)
    assert added.startswith("+")


def test_text_format_under_github_actions_also_annotates_on_stderr(project, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = invoke("run", "rotate.yaml", "imgs", "--samples", "1")
    annotations = [x for x in result.stderr.splitlines() if x.startswith("::")]
    assert any(
        x.startswith("::warning file=rotate.yaml,line=3,title=AUG301::") for x in annotations
    )
    assert "AUG301" in result.stdout  # the table and findings still go to stdout
    monkeypatch.delenv("GITHUB_ACTIONS")
    assert not [
        x
        for x in invoke("run", "rotate.yaml", "imgs", "--samples", "1").stderr.splitlines()
        if x.startswith("::")
    ]
