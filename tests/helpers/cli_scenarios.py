"""The CLI scenarios: each distinct ``augaudit`` command line the end-to-end tests read.

Every ``augaudit run`` imports torch, which takes seconds. So each command line is a named
*scenario*, run once in a subprocess however many tests read it. A test declares the
scenarios it reads with ``@uses``; the ``runs`` fixture (``tests/conftest.py``) starts the
scenarios of a module's selected tests together on a small thread pool when the first of
them asks, and each test waits only for the results it reads. ``ws`` is the working
directory most scenarios run in (``make_workspace``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest
import yaml
from PIL import Image

from augaudit import __version__
from tests.helpers import REPO

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
    """Declare the scenarios a test reads, so the pool can start them early.

    Each scenario is ``augaudit`` in a child process that imports torch (seconds), so the
    test is marked ``subprocess`` and ``slow``.
    """

    def mark(test: F) -> F:
        test.augaudit_scenarios = names  # type: ignore[attr-defined]
        return pytest.mark.slow(pytest.mark.subprocess(test))

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


def make_workspace(root: Path) -> Path:
    """Synthetic images and specs in ``root``, the working directory of most scenarios."""

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
