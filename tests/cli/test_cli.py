"""End-to-end tests of the ``augaudit`` command line, run in a subprocess as a user would.

Every ``augaudit run`` imports torch, which takes seconds. To keep the file fast, each distinct
command line is a named *scenario*; the scenarios the selected tests use (declared with
``@uses``) are started together on a small thread pool when the first of those tests runs, and
each test waits only for the results it reads. Several tests may read one scenario. The fast
tests (``--help``, ``--version``, import checks) come first so they run before the pool loads
the CPU; the in-process tests (exit codes 3 and 130) come last.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest
import yaml
from PIL import Image

from augaudit import __version__

REPO = Path(__file__).resolve().parent.parent
SEED_EXAMPLES = sorted(p.name for p in (REPO / "configs").glob("seed_example*.yaml"))
# Two small shipped samples (a synthetic chart and a photo), for the seed-example runs.
SAMPLES = ("sample_images/checkerboard.png", "sample_images/chelsea.jpg")
WORKERS = max(2, min(4, os.cpu_count() or 2))
TIMEOUT = 600
UMASK = 0o022 if os.name == "posix" else -1  # for the --output run; -1 keeps the inherited one

METRIC_KEYS = {
    "out_of_range_fraction",
    "saturated_fraction",
    "nonfinite_fraction",
    "wrapped_fraction",
    "border_fill_fraction",
    "psnr_vs_reference",
    "ssim_vs_reference",
    "psnr_vs_input",
    "ssim_vs_input",
}
SEVERITIES = ("error", "warning", "info")
UNREADABLE = ("broken.png", "fake.png", "truncated.png")

WELL_BUILT = """\
api: v2
input: pil
pipeline:
  - ToImage
  - ToDtype: {dtype: float32, scale: true}
  - RandomHorizontalFlip
  - Normalize: {mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}
"""
# A fixed 45 degree rotation: about 17% of the output is fill, an AUG301 warning and nothing else.
WARNING_ONLY = """\
pipeline:
  - RandomRotation: {degrees: [45, 45], interpolation: bilinear}
"""
UNKNOWN = """\
pipeline:
  - ToImage
  - RandomHorizontalFlp
"""
# Random stages whose draws show in the metrics: the rotation angle in the border fill, the
# jitter in the change against the input.
RANDOM = """\
pipeline:
  - ToImage
  - ToDtype: {dtype: float32, scale: true}
  - RandomRotation: {degrees: 60}
  - ColorJitter: {brightness: 0.4, contrast: 0.4}
"""
RAISES_ON_WIDE = """\
from torchvision.transforms import v2


class FailsOnWide:
    def __call__(self, img):
        if img.size[0] > 80:
            raise ValueError(f"too wide: {img.size[0]} px")
        return img


pipeline = [FailsOnWide(), v2.RandomHorizontalFlip()]
"""

F = TypeVar("F", bound=Callable[..., Any])


# --- running the CLI ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    args: tuple[str, ...]
    cwd: Path = REPO
    env: dict[str, str] = field(default_factory=dict)
    umask: int = -1  # -1: inherit


@dataclass(frozen=True)
class Result:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return strict_json(self.stdout)

    def __repr__(self) -> str:  # shown by pytest when an assertion on the result fails
        return f"augaudit {' '.join(self.args)} -> {self.returncode}\nstderr:\n{self.stderr}"


def run_cli(scenario: Scenario, *, prefix: tuple[str, ...] = ()) -> Result:
    env = {k: v for k, v in os.environ.items() if k != "AUGAUDIT_FORMAT"}
    # Several audits run at once: one torch thread each avoids oversubscribing the CPUs
    # (busy-waiting OpenMP threads made parallel runs about 25% slower).
    env["OMP_NUM_THREADS"] = "1"
    env.update(scenario.env)
    proc = subprocess.run(
        [sys.executable, *prefix, "-m", "augaudit", *scenario.args],
        cwd=scenario.cwd,
        env=env,
        capture_output=True,
        encoding="utf-8",
        errors="replace",
        timeout=TIMEOUT,
        umask=scenario.umask,
    )
    return Result(scenario.args, proc.returncode, proc.stdout, proc.stderr)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def strict_json(text: str) -> Any:
    """``json.loads`` that fails on NaN, Infinity and -Infinity."""
    return json.loads(text, parse_constant=_refuse_constant)


def uses(*names: str) -> Callable[[F], F]:
    """Declare the scenarios a test reads, so the pool can start them early."""

    def mark(test: F) -> F:
        test.augaudit_scenarios = names  # type: ignore[attr-defined]
        return test

    return mark


class Runs:
    """Scenario results by name; a scenario runs once, however many tests read it."""

    def __init__(self, table: dict[str, Scenario], pool: ThreadPoolExecutor):
        self.table = table
        self._pool = pool
        self._futures: dict[str, Future[Result]] = {}

    def start(self, name: str) -> None:
        if name not in self._futures:
            self._futures[name] = self._pool.submit(run_cli, self.table[name])

    def __getitem__(self, name: str) -> Result:
        self.start(name)
        return self._futures[name].result()


# --- workspace ---------------------------------------------------------------------------------


def write_image(path: Path, width: int, height: int, seed: int) -> None:
    """An RGB image with gradients, a checker and a noise block: structure in every channel."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    pixels = np.stack(
        [x * 255 // (width - 1), y * 255 // (height - 1), ((x // 8 + y // 8) % 2) * 200 + 30],
        axis=-1,
    )
    h3, w3 = height // 3, width // 3
    pixels[h3 : 2 * h3, w3 : 2 * w3] = rng.integers(0, 256, size=(h3, w3, 3))
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels.astype(np.uint8)).save(path)


def write_unreadable(folder: Path, names: tuple[str, ...], good_png: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        if name == "broken.png":
            (folder / name).write_bytes(b"")
        elif name == "fake.png":
            (folder / name).write_text("this is not an image\n")
        else:  # a PNG cut in half
            data = good_png.read_bytes()
            (folder / name).write_bytes(data[: len(data) // 2])


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with synthetic images and specs, used as the working directory of most runs."""
    root = tmp_path_factory.mktemp("augaudit_cli")

    def pwned(form: str) -> str:  # the file the unsafe specs would create if they ran
        return (root / f"pwned_{form}").as_posix()

    write_image(root / "imgs" / "a.png", 64, 64, seed=1)  # 64 px wide
    write_image(root / "imgs" / "b.png", 96, 80, seed=2)  # 96 px wide
    specs = {
        "well_built.yaml": WELL_BUILT,
        "warning_only.yaml": WARNING_ONLY,
        "unknown.yaml": UNKNOWN,
        "random.yaml": RANDOM,
        "pipeline.py": RAISES_ON_WIDE,
        "unsafe_short.yaml": f'pipeline:\n  - os.system: ["touch {pwned("short")}"]\n',
        "unsafe_hydra.yaml": (
            f'pipeline:\n  - _target_: os.system\n    _args_: ["touch {pwned("hydra")}"]\n'
        ),
    }
    for name, text in specs.items():
        (root / name).write_text(text)
    # Copied so that runs with cwd=root name it by a relative path, as they do the images.
    shutil.copy(REPO / "configs" / "bad.yaml", root / "bad.yaml")
    (root / "empty").mkdir()
    (root / "empty" / "notes.txt").write_text("no images in here\n")
    (root / "out").mkdir()
    mixed = root / "mixed"
    mixed.mkdir()
    for name in ("a.png", "b.png"):
        shutil.copy(root / "imgs" / name, mixed / name)
    write_unreadable(mixed, UNREADABLE, root / "imgs" / "b.png")
    write_unreadable(root / "unreadable", ("broken.png", "fake.png"), root / "imgs" / "b.png")
    # Same folder name "d" in both, so the image keeps its name (and its seeds) in both runs;
    # the added image sorts before it, so it also changes the image's position.
    write_image(root / "alone" / "d" / "m.png", 64, 64, seed=3)
    write_image(root / "added" / "d" / "a.png", 96, 80, seed=4)
    shutil.copy(root / "alone" / "d" / "m.png", root / "added" / "d" / "m.png")
    # Two absolute folders that both end in "imgs" and both hold an "a.png".
    write_image(root / "p" / "imgs" / "a.png", 64, 64, seed=5)
    write_image(root / "q" / "imgs" / "a.png", 96, 80, seed=6)
    return root


def scenarios(root: Path) -> dict[str, Scenario]:
    def at_root(*args: str, **kwargs: Any) -> Scenario:
        return Scenario(("run", *args), cwd=root, **kwargs)

    one = ("--samples", "1")
    js = ("--format", "json")
    table = {
        "well_built": at_root("well_built.yaml", "imgs", *one, *js),
        "bad": at_root("bad.yaml", "imgs", *one, *js),
        "bad_again": at_root("bad.yaml", "imgs", *one, *js),
        "bad_seed1": at_root("bad.yaml", "imgs", *one, *js, "--seed", "1"),
        "bad_abs_never": at_root("bad.yaml", str(root / "imgs"), *one, *js, "--fail-on", "never"),
        "warning_default": at_root("warning_only.yaml", "imgs", *one),
        "warning_fail_on_warning": at_root(
            "warning_only.yaml", "imgs", *one, *js, "--fail-on", "warning"
        ),
        "unknown": at_root("unknown.yaml", "imgs", *one),
        "missing_folder": at_root("well_built.yaml", "no_such_folder", *one),
        "empty_folder": at_root("well_built.yaml", "empty", *one),
        "bad_format": at_root("well_built.yaml", "imgs", "--format", "xml"),
        "samples_zero": at_root("well_built.yaml", "imgs", "--samples", "0"),
        "html_images_negative": at_root(
            "well_built.yaml", "imgs", "--html", "r.html", "--html-images", "-1"
        ),
        "grid_jpg": at_root("well_built.yaml", "imgs", "--grid", "sheet.jpg"),
        "all_unreadable": at_root("well_built.yaml", "unreadable", *one, *js),
        "alone": Scenario(("run", "../random.yaml", "d", *one, *js), cwd=root / "alone"),
        "added": Scenario(("run", "../random.yaml", "d", *one, *js), cwd=root / "added"),
        "unsafe_short": at_root("unsafe_short.yaml", "imgs", *one),
        "unsafe_hydra": at_root("unsafe_hydra.yaml", "imgs", *one),
        "output": at_root(
            "well_built.yaml", "imgs", *one, *js, "--output", "out/report.json", umask=UMASK
        ),
        "raises": at_root("pipeline.py", "imgs", *one, *js),
        "raises_debug": at_root("pipeline.py", "imgs", *one, "--debug"),
        "mixed": at_root("well_built.yaml", "mixed", *one, *js),
        "cp1252": at_root("warning_only.yaml", "imgs", *one, env={"PYTHONIOENCODING": "cp1252"}),
        "abs_paths": at_root(
            str(root / "warning_only.yaml"),
            str(root / "p" / "imgs"),
            str(root / "q" / "imgs"),
            *one,
            *js,
        ),
    }
    for name in SEED_EXAMPLES:
        table[f"seed:{name}"] = Scenario(("run", f"configs/{name}", *SAMPLES, *one))
    return table


@pytest.fixture(scope="module")
def runs(ws: Path, request: pytest.FixtureRequest) -> Iterator[Runs]:
    wanted: dict[str, None] = {}
    for item in request.session.items:
        for name in getattr(getattr(item, "function", None), "augaudit_scenarios", ()):
            wanted[name] = None
    pool = ThreadPoolExecutor(max_workers=WORKERS)
    try:
        results = Runs(scenarios(ws), pool)
        for name in wanted:  # in test order, so the first tests get their results first
            results.start(name)
        yield results
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # e.g. after -x: skip what has not started


# --- helpers for assertions --------------------------------------------------------------------


def pipeline_entries(spec: Path) -> tuple[list[str], list[int]]:
    """Names and 1-based lines of the top-level entries of a YAML spec (two-space indent)."""
    text = spec.read_text()
    entries = yaml.safe_load(text)["pipeline"]
    names = [e if isinstance(e, str) else next(iter(e)) for e in entries]
    lines = [n for n, line in enumerate(text.splitlines(), 1) if re.match(r"  - \S", line)]
    return names, lines


def metric_values(doc: dict[str, Any]) -> dict[tuple[int, str], dict[str, float] | None]:
    return {(st["index"], k): v for st in doc["stages"] for k, v in st["metrics"].items()}


def one_error_line(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result
    assert lines[0].startswith("augaudit: error: "), result
    return lines[0]


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result


def check_report_schema(doc: dict[str, Any], returncode: int) -> None:
    """Every key of schema_version 1, with the types and invariants the schema promises."""
    assert {
        "schema_version",
        "augaudit_version",
        "spec",
        "settings",
        "partial",
        "images",
        "stages",
        "findings",
        "summary",
    } <= doc.keys()
    assert doc["schema_version"] == 1
    assert doc["partial"] is False
    assert doc["augaudit_version"] == __version__
    assert isinstance(doc["spec"], str) and doc["spec"]
    settings = doc["settings"]
    assert {"seed", "samples", "input", "mode"} <= settings.keys()
    assert isinstance(settings["seed"], int) and isinstance(settings["samples"], int)
    assert settings["input"] in ("pil", "uint8", "float")
    assert settings["mode"] in ("rgb", "keep")

    paths = set()
    for img in doc["images"]:
        assert {"path", "status", "reason", "mode", "size"} <= img.keys()
        assert isinstance(img["path"], str) and not os.path.isabs(img["path"])
        paths.add(img["path"])
        if img["status"] == "ok":
            assert img["reason"] is None and isinstance(img["mode"], str)
            assert len(img["size"]) == 2 and all(isinstance(n, int) for n in img["size"])
        else:
            assert img["status"] == "skipped"
            assert isinstance(img["reason"], str) and img["reason"]
    assert len(paths) == len(doc["images"])

    stages = doc["stages"]
    assert [st["index"] for st in stages] == list(range(1, len(stages) + 1))
    for st in stages:
        assert {"index", "name", "repr", "line", "output", "metrics", "errors"} <= st.keys()
        assert isinstance(st["name"], str) and isinstance(st["repr"], str)
        assert st["line"] is None or isinstance(st["line"], int)
        assert isinstance(st["output"], dict)
        assert set(st["metrics"]) == METRIC_KEYS
        for value in st["metrics"].values():
            if value is None:
                continue
            assert set(value) == {"mean", "min", "max"}
            assert all(type(v) in (float, int) for v in value.values())
            slack = 1e-9 * max(1.0, abs(value["max"]))
            assert value["min"] - slack <= value["mean"] <= value["max"] + slack
        for error in st["errors"]:
            assert error["image"] in paths and isinstance(error["message"], str)

    for finding in doc["findings"]:
        assert {"code", "severity", "stage", "message", "hint", "images"} <= finding.keys()
        assert re.fullmatch(r"AUG\d{3}", finding["code"])
        assert finding["severity"] in SEVERITIES
        assert finding["stage"] is None or 1 <= finding["stage"] <= len(stages)
        assert finding["message"] and finding["hint"]
        assert set(finding["images"]) <= paths

    summary = doc["summary"]
    counts = {sev: sum(f["severity"] == sev for f in doc["findings"]) for sev in SEVERITIES}
    assert (summary["errors"], summary["warnings"], summary["infos"]) == (
        counts["error"],
        counts["warning"],
        counts["info"],
    )
    assert summary["exit_code"] == returncode


# --- help, version and start-up (no torch, run before the pool starts) -------------------------


def test_help_lists_the_run_command() -> None:
    result = run_cli(Scenario(("--help",)))
    assert result.returncode == 0, result
    assert "Usage" in result.stdout and "run" in result.stdout


def test_run_help_lists_the_options() -> None:
    result = run_cli(Scenario(("run", "--help")))
    assert result.returncode == 0, result
    for option in ("--samples", "--seed", "--format", "--output", "--fail-on", "--debug"):
        assert option in result.stdout


def test_version() -> None:
    result = run_cli(Scenario(("--version",)))
    assert result.returncode == 0, result
    assert result.stdout == f"augaudit {__version__}\n"


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


@uses("all_unreadable")
def test_no_readable_image_exits_2(runs: Runs) -> None:
    result = runs["all_unreadable"]
    assert result.returncode == 2, result
    assert result.stderr.strip().splitlines()[-1] == "augaudit: error: no image could be read"
    doc = result.json()
    assert {img["status"] for img in doc["images"]} == {"skipped"}
    assert doc["summary"]["exit_code"] == 2
    no_traceback(result)


# --- JSON report -------------------------------------------------------------------------------


@uses("bad")
def test_json_report_has_the_documented_schema(runs: Runs, ws: Path) -> None:
    result = runs["bad"]
    doc = result.json()  # strict: raises on NaN/Infinity (bad.yaml puts NaN in images)
    check_report_schema(doc, result.returncode)
    assert doc["spec"] == "bad.yaml"
    assert doc["settings"] == {"seed": 0, "samples": 1, "input": "pil", "mode": "rgb"}
    assert [(i["path"], i["status"], i["size"]) for i in doc["images"]] == [
        ("imgs/a.png", "ok", [64, 64]),
        ("imgs/b.png", "ok", [96, 80]),
    ]
    names, lines = pipeline_entries(ws / "bad.yaml")
    assert [st["name"] for st in doc["stages"]] == names
    assert [st["line"] for st in doc["stages"]] == lines
    # Both kinds of metric value occur: measured ({mean,min,max}) and not applicable (null).
    values = metric_values(doc).values()
    assert any(v is None for v in values) and any(v is not None for v in values)


@uses("bad")
def test_json_has_no_absolute_paths_for_relative_inputs(runs: Runs, ws: Path) -> None:
    out = runs["bad"].stdout
    for prefix in {str(ws), os.path.realpath(ws), ws.as_posix()}:
        assert prefix not in out


@uses("bad", "bad_abs_never")
def test_absolute_image_folder_is_reported_from_its_own_name(runs: Runs, ws: Path) -> None:
    relative, absolute = runs["bad"], runs["bad_abs_never"]
    for prefix in {str(ws), os.path.realpath(ws), ws.as_posix()}:
        assert prefix not in absolute.stdout
    rel_doc, abs_doc = relative.json(), absolute.json()
    assert [i["path"] for i in abs_doc["images"]] == ["imgs/a.png", "imgs/b.png"]
    # Same image names, hence the same seeds: the reports differ only by --fail-on's exit code.
    assert rel_doc["summary"].pop("exit_code") == 1
    assert abs_doc["summary"].pop("exit_code") == 0
    assert rel_doc == abs_doc


@uses("bad", "bad_again")
def test_json_is_byte_identical_across_runs(runs: Runs) -> None:
    first, second = runs["bad"], runs["bad_again"]
    assert first.returncode == second.returncode == 1
    assert first.stdout == second.stdout


@uses("bad", "bad_seed1")
def test_seed_changes_random_stages_only(runs: Runs) -> None:
    seed0, seed1 = runs["bad"].json(), runs["bad_seed1"].json()
    assert seed1["settings"]["seed"] == 1
    before, after = metric_values(seed0), metric_values(seed1)
    # Stages 1-4 of bad.yaml (ToImage, ToDtype, Resize, ToPILImage) draw nothing at random.
    assert {k: v for k, v in before.items() if k[0] <= 4} == {
        k: v for k, v in after.items() if k[0] <= 4
    }
    assert any(before[k] != after[k] for k in before if k[0] >= 5)


@uses("alone", "added")
def test_adding_an_image_does_not_change_the_draws_of_the_others(runs: Runs) -> None:
    # Stage metrics are aggregates over images, so the per-image values are not in the report.
    # With --samples 1 they can still be recovered: audited alone, m.png's value is the one
    # value of each stat (min == max); audited with a.png, each stat aggregates exactly two
    # values, so m.png's value must be its min or its max, exactly (JSON floats round-trip).
    # That holds only if m.png gets the same random draws in both runs: seeds keyed on the
    # image path, not on its position (a.png sorts before m.png) or on a shared RNG stream.
    # Comparing finding image lists instead would not be sound: whether a finding fires
    # depends on aggregate thresholds, which the added image moves.
    alone, added = runs["alone"].json(), runs["added"].json()
    assert [i["path"] for i in alone["images"]] == ["d/m.png"]
    assert [i["path"] for i in added["images"]] == ["d/a.png", "d/m.png"]
    single, pair = metric_values(alone), metric_values(added)
    compared = 0
    for key, value in single.items():
        if value is None:
            continue
        assert value["min"] == value["max"] == value["mean"], key
        assert pair[key] is not None, key
        assert value["min"] in (pair[key]["min"], pair[key]["max"]), key
        compared += 1
    assert compared >= 10
    # Not vacuous: the rotation fills part of the image, and the two images differ.
    assert single[(3, "border_fill_fraction")]["max"] > 0
    assert any(v is not None and v["min"] != v["max"] for v in pair.values())


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


# --- safety ------------------------------------------------------------------------------------


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


# --- failing stages and unreadable images ------------------------------------------------------


@uses("raises")
def test_a_stage_raising_on_some_images_is_reported_and_the_rest_measured(runs: Runs) -> None:
    result = runs["raises"]
    assert result.returncode == 1, result
    no_traceback(result)
    doc = result.json()
    check_report_schema(doc, 1)
    assert [f["code"] for f in doc["findings"]] == ["AUG501"]
    (finding,) = doc["findings"]
    assert finding["stage"] == 1 and finding["images"] == ["imgs/b.png"]  # 96 px wide
    assert "too wide: 96 px" in finding["message"]
    raising, flip = doc["stages"]
    assert [(e["image"], e["sample"]) for e in raising["errors"]] == [("imgs/b.png", 0)]
    # The 64 px image went through both stages and was measured at each.
    for stage in (raising, flip):
        assert [(t["shape"], t["count"]) for t in stage["output"]["types"]] == [([3, 64, 64], 1)]
        assert stage["metrics"]["border_fill_fraction"] is not None
        assert stage["metrics"]["psnr_vs_reference"] is not None
    assert flip["errors"] == []


@uses("raises_debug")
def test_debug_shows_the_traceback_of_a_failing_stage(runs: Runs) -> None:
    result = runs["raises_debug"]
    assert result.returncode == 1, result
    assert "Traceback (most recent call last)" in result.stderr
    assert "pipeline.py" in result.stderr
    assert "ValueError: too wide: 96 px" in result.stderr
    assert "AUG501 error [stage 1]" in result.stdout


@uses("mixed")
def test_unreadable_images_are_skipped_with_a_warning(runs: Runs) -> None:
    result = runs["mixed"]
    assert result.returncode == 0, result  # AUG504 is a warning; the good images pass
    no_traceback(result)
    warnings = result.stderr.strip().splitlines()
    assert len(warnings) == len(UNREADABLE), result
    for name in UNREADABLE:
        naming = [line for line in warnings if f"mixed/{name}" in line]
        assert len(naming) == 1, (name, warnings)
        assert naming[0].startswith(f"augaudit: warning: mixed/{name} skipped: ")
    doc = result.json()
    check_report_schema(doc, 0)
    status = {i["path"]: (i["status"], i["reason"]) for i in doc["images"]}
    assert status["mixed/a.png"] == ("ok", None) and status["mixed/b.png"] == ("ok", None)
    for name in UNREADABLE:
        state, reason = status[f"mixed/{name}"]
        assert state == "skipped" and reason
    assert "0 bytes" in status["mixed/broken.png"][1]
    skipped = sorted(f["images"][0] for f in doc["findings"] if f["code"] == "AUG504")
    assert skipped == [f"mixed/{name}" for name in UNREADABLE]
    assert all(st["metrics"]["psnr_vs_reference"] is not None for st in doc["stages"])


# --- regressions of bugs found by these tests ---------------------------------------------------


@uses("cp1252")
def test_text_report_on_a_non_utf8_stdout(runs: Runs) -> None:
    result = runs["cp1252"]
    no_traceback(result)
    assert result.returncode == 0, result
    assert "AUG301 warning" in result.stdout


@uses("abs_paths")
def test_json_has_no_absolute_spec_path(runs: Runs, ws: Path) -> None:
    result = runs["abs_paths"]
    assert result.returncode == 0, result
    assert str(ws) not in result.stdout


@uses("abs_paths")
def test_same_named_files_in_two_absolute_folders_are_both_audited(runs: Runs) -> None:
    result = runs["abs_paths"]
    assert result.returncode == 0, result
    images = result.json()["images"]
    assert len(images) == 2, images
    assert images[0]["path"] != images[1]["path"]


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
