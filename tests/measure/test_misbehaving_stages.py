"""How a run is carried out: worker processes, subsets, timeouts, misbehaving stages, Ctrl-C.

Library-level tests call ``augaudit.api.audit`` on a loaded pipeline (torch is imported
once); the interrupt and ``--jobs`` tests go through the real CLI in a subprocess, as a user
(or CI) would run it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from augaudit.aggregate.sampling import confidence_interval, subset, t_quantile
from augaudit.api import audit
from augaudit.spec import load_spec

REPO = Path(__file__).resolve().parent.parent
PIPELINE = """\
api: v2
input: pil
pipeline:
  - RandomResizedCrop: {size: 40, antialias: true}
  - RandomRotation: {degrees: 20, interpolation: bilinear}
  - ColorJitter: {brightness: 0.3, contrast: 0.3}
  - ToImage
  - ToDtype: {dtype: float32, scale: true}
"""


def textured(seed: int, size: int = 48) -> Image.Image:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    base = 127 + 90 * np.sin(xx / (3.0 + seed % 5)) * np.cos(yy / 7.0)
    img = np.stack([base, base.T, np.roll(base, 5, axis=0)], axis=-1)
    return Image.fromarray(np.clip(img + rng.normal(0, 6, img.shape), 0, 255).astype(np.uint8))


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("runctl")
    (root / "imgs").mkdir()
    for i in range(12):
        textured(i).save(root / "imgs" / f"img{i:02d}.png")
    (root / "pipeline.yaml").write_text(PIPELINE)
    return root


def cli(ws: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from augaudit.cli import main; main()", *args],
        cwd=ws,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# --- --jobs ------------------------------------------------------------------------------------


def test_jobs_give_byte_identical_json(ws: Path) -> None:
    """Two worker processes report exactly what one process does (issue 5, target 4)."""
    base = ("run", "pipeline.yaml", "imgs", "--samples", "2", "--format", "json")
    one = cli(ws, *base, "--jobs", "1")
    two = cli(ws, *base, "--jobs", "2")
    assert one.returncode == two.returncode == 0, (one.stderr, two.stderr)
    assert one.stdout == two.stdout
    doc = json.loads(one.stdout)
    assert len(doc["images"]) == 12 and doc["partial"] is False
    assert doc["stages"][1]["metrics"]["border_fill_fraction"]["max"] > 0.01  # it measured


def test_jobs_must_be_positive(ws: Path) -> None:
    result = cli(ws, "run", "pipeline.yaml", "imgs", "--jobs", "0")
    assert result.returncode == 2
    assert result.stderr.strip() == "augaudit: error: --jobs must be at least 1, got 0"


# --- --max-images --------------------------------------------------------------------------------


def test_subset_is_reproducible_and_ordered() -> None:
    items = [f"img{i:04d}" for i in range(1000)]
    picked = subset(items, 25, seed=3)
    assert picked == subset(items, 25, seed=3) and picked == sorted(picked)
    assert len(set(picked)) == 25 and picked != subset(items, 25, seed=4)
    assert subset(items[:10], 25, seed=3) == items[:10]


def test_t_quantile_matches_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    for df in (1, 2, 4, 9, 30, 200):
        for p in (0.9, 0.975, 0.995):
            assert t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-9)


def test_max_images_intervals_match_per_image_means(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The interval is Student's t over per-image means, checked against scipy on means
    measured by auditing each image alone (seeds derive from the image's path as reported and
    the sample, not from its neighbours)."""
    stats = pytest.importorskip("scipy.stats")
    monkeypatch.chdir(ws)
    pipeline = load_spec("pipeline.yaml")
    report = audit(pipeline, ["imgs"], samples=2, max_images=5, seed=7)
    audited = [img.path for img in report.images]
    assert len(audited) == 5 and report.images_found == 12
    assert report.settings.max_images == 5
    stat = report.stages[1].metrics["border_fill_fraction"]
    assert stat is not None and stat.ci95 is not None
    per_image = []
    for path in audited:
        alone = audit(pipeline, [path], samples=2, seed=7)
        one = alone.stages[1].metrics["border_fill_fraction"]
        assert one is not None
        per_image.append(one.mean)
    lo, hi = stats.t.interval(
        0.95, len(per_image) - 1, loc=np.mean(per_image), scale=stats.sem(per_image)
    )
    assert stat.ci95 == pytest.approx((lo, hi), rel=1e-9)
    assert stat.mean == pytest.approx(np.mean(per_image), rel=1e-12)
    # Without --max-images there are no intervals in the report.
    full = audit(pipeline, [str(ws / "imgs" / "img00.png")], samples=1)
    assert all(s is None or s.ci95 is None for st in full.stages for s in st.metrics.values())


def test_confidence_interval_needs_two_values() -> None:
    assert confidence_interval([0.3]) is None
    assert confidence_interval([1.0, 1.0, 1.0]) == (1.0, 1.0)


# --- misbehaving stages --------------------------------------------------------------------------

STAGES = """
import time
import numpy as np
import torch
from PIL import Image
from torchvision.transforms import v2

calls = {"n": 0}

def hang(img):
    time.sleep(60)
    return img

def darken_in_place(t):
    t.mul_(0.5)
    return t

def darken(t):
    return t * 0.5

def darken_through_numpy(t):
    t.numpy()[...] *= 0.5  # a write torch's version counter does not see
    return t

def flip_flop(img):
    calls["n"] += 1
    return img if calls["n"] % 2 else np.asarray(img)

def nan_stage(t):
    out = t.clone()
    out[:, 0, 0] = float("nan")
    return out

to_float = [v2.ToImage(), v2.ToDtype(torch.float32, scale=True)]
hanging = [v2.ToImage(), hang, v2.RandomHorizontalFlip()]
mutating = [*to_float, darken_in_place, v2.RandomHorizontalFlip()]
clean = [*to_float, darken, v2.RandomHorizontalFlip()]
numpy_mutating = [*to_float, darken_through_numpy, v2.RandomHorizontalFlip()]
returns_none = [v2.ToImage(), lambda img: None]
varying = [flip_flop]
varying_then_steady = [flip_flop, v2.RandomHorizontalFlip(), v2.CenterCrop(20)]
empty = [*to_float, lambda t: t[:, :0, :]]
nans = [*to_float, nan_stage]
"""


@pytest.fixture(scope="module")
def stages_py(ws: Path) -> Path:
    path = ws / "stages.py"
    path.write_text(STAGES)
    return path


def run_py(stages_py: Path, name: str, images: list[str], **kwargs: object):
    return audit(f"{stages_py}:{name}", images, **kwargs)  # type: ignore[arg-type]


def codes(report) -> dict[str, list[int | None]]:
    out: dict[str, list[int | None]] = {}
    for f in report.findings:
        out.setdefault(f.code, []).append(f.stage)
    return out


def test_a_hanging_stage_is_stopped_once_and_reported(ws: Path, stages_py: Path) -> None:
    images = [str(ws / "imgs" / f"img0{i}.png") for i in range(3)]
    start = time.monotonic()
    report = run_py(stages_py, "hanging", images, samples=3, stage_timeout=0.5)
    took = time.monotonic() - start
    assert codes(report)["AUG505"] == [2]
    kinds = [e.kind for e in report.stages[1].errors]
    assert kinds == ["timeout"] * 9  # every run of the stage: one stopped, eight not started
    assert sum(e.message.startswith("StageTimeout") for e in report.stages[1].errors) == 1
    assert took < 20  # one 0.5 s wait, not nine, and never the stage's 60 s
    assert report.stages[2].runs == 0 and report.stages[0].runs == 9


def test_in_place_mutation_is_reported_and_does_not_leak(ws: Path, stages_py: Path) -> None:
    """A stage that darkens its input in place is reported (AUG507), and every number measured
    is the same as for the stage written without mutation: each sample starts from a fresh copy
    and later measurements read what the stage was given."""
    images = [str(ws / "imgs" / "img01.png"), str(ws / "imgs" / "img02.png")]
    mutating = run_py(stages_py, "mutating", images, samples=3)
    clean = run_py(stages_py, "clean", images, samples=3)
    assert codes(mutating)["AUG507"] == [3]
    assert "AUG507" not in codes(clean)
    for a, b in zip(mutating.stages, clean.stages, strict=True):
        assert a.metrics == b.metrics


def test_a_write_through_numpy_is_reported_and_does_not_leak(ws: Path, stages_py: Path) -> None:
    """Code outside torchvision can write into a tensor through ``.numpy()``, which torch's
    version counter never sees: its input is compared by value, so the write is caught (AUG507)
    and the measurements are those of the stage written without mutation."""
    images = [str(ws / "imgs" / "img01.png"), str(ws / "imgs" / "img02.png")]
    mutating = run_py(stages_py, "numpy_mutating", images, samples=3)
    clean = run_py(stages_py, "clean", images, samples=3)
    assert codes(mutating)["AUG507"] == [3]
    for a, b in zip(mutating.stages, clean.stages, strict=True):
        assert a.metrics == b.metrics


def test_a_nan_left_in_place_is_not_a_mutation() -> None:
    import torch

    from augaudit.measure.mutation import fingerprint, mutated

    t = torch.ones(3, 4, 4)
    t[0, 1, 1] = float("nan")
    before = fingerprint(t, values=True)
    assert not mutated(t, before)
    t.numpy()[1, 2, 2] = 5.0
    assert mutated(t, before)
    assert not mutated(t, fingerprint(t))  # without values only the version counter is read


def test_a_stage_returning_none_is_a_finding(ws: Path, stages_py: Path) -> None:
    report = run_py(stages_py, "returns_none", [str(ws / "imgs" / "img03.png")], samples=2)
    assert codes(report)["AUG501"] == [2]
    assert {e.kind for e in report.stages[1].errors} == {"not-image"}
    assert "returned NoneType, not an image" in report.stages[1].errors[0].message


def test_a_stage_changing_type_between_calls_is_a_finding(ws: Path, stages_py: Path) -> None:
    report = run_py(stages_py, "varying", [str(ws / "imgs" / "img04.png")], samples=4)
    assert codes(report)["AUG506"] == [1]
    assert {t.cls for t in report.stages[0].outputs} == {"Image", "ndarray"}


def test_only_the_stage_whose_type_varies_is_blamed(ws: Path, stages_py: Path) -> None:
    report = run_py(stages_py, "varying_then_steady", [str(ws / "imgs" / "img04.png")], samples=4)
    assert codes(report)["AUG506"] == [1]


def test_an_empty_output_does_not_break_the_visual_report(ws: Path, stages_py: Path) -> None:
    from augaudit.reporters.html.page import render_html

    report = run_py(stages_py, "empty", [str(ws / "imgs" / "img06.png")], samples=1, visuals=True)
    (sample,) = report.visuals
    assert [v.stage for v in sample.stages] == [0, 1, 2]  # no picture of the empty output
    assert report.stages[2].runs == 1
    assert "<html" in render_html(report)


def test_deadline_puts_back_the_callers_own_timer() -> None:
    from augaudit.measure.timeouts import deadline

    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 5.0)
        with deadline(60):
            time.sleep(0.05)
        left = signal.getitimer(signal.ITIMER_REAL)[0]
        assert 4.0 < left < 5.0 and not fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_stage_producing_nan_is_a_finding(ws: Path, stages_py: Path) -> None:
    report = run_py(stages_py, "nans", [str(ws / "imgs" / "img05.png")], samples=1)
    assert codes(report)["AUG204"] == [3]
    stat = report.stages[2].metrics["nonfinite_fraction"]
    assert stat is not None and stat.mean == pytest.approx(3 / (3 * 48 * 48))


# --- Ctrl-C --------------------------------------------------------------------------------------

SLOW = """
import os
import time
from torchvision.transforms import v2

def slow(img):
    with open(os.environ["AUGAUDIT_TEST_MARKER"], "a") as handle:
        handle.write("x")
    time.sleep(0.02)
    return img

pipeline = [slow, v2.RandomHorizontalFlip()]
"""


def interrupt_slow_run(tmp_path: Path, args: list[str], *, images: int, calls: int):
    """Start ``augaudit ARGS`` on ``images`` small images with the SLOW spec, send SIGINT
    once its stage has been called ``calls`` times; return (exit code, stderr)."""
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(images):
        textured(i % 7, 24).save(folder / f"img{i:03d}.png")
    (tmp_path / "slow.py").write_text(SLOW)
    marker = tmp_path / "calls"
    marker.write_text("")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from augaudit.cli import main; main()", *args],
        cwd=tmp_path,
        env={**os.environ, "AUGAUDIT_TEST_MARKER": str(marker)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        # A shell starts background jobs with SIGINT ignored; a user's terminal does not.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while len(marker.read_text()) < calls and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


def test_ctrl_c_writes_a_valid_partial_report_and_exits_130(tmp_path: Path) -> None:
    """``kill -INT`` in the middle of a 200-image run with ``--output`` (issue 6 acceptance)."""
    args = ["run", "slow.py", "many", "--samples", "2", "--format", "json", "-o", "out.json"]
    args += ["--jobs", "2"]  # the forked path, whatever the machine's core count
    code, err = interrupt_slow_run(tmp_path, args, images=200, calls=40)  # about 10 images in
    assert code == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines() == [
        "augaudit: wrote out.json: 0 errors, 0 warnings (exit 130)",
        "augaudit: error: interrupted; the report covers the images audited",
    ]
    doc = json.loads((tmp_path / "out.json").read_text())
    assert doc["partial"] is True
    assert doc["summary"]["exit_code"] == 130  # the process's code, not the findings' 0
    assert 0 < len(doc["images"]) < 200
    assert all(img["status"] == "ok" for img in doc["images"])
    names = [img["path"] for img in doc["images"]]
    assert names == [f"many/img{i:03d}.png" for i in range(len(names))]  # a prefix, in order
    assert doc["stages"][1]["metrics"]["psnr_vs_reference"] is not None  # measured, not empty
    assert not list(tmp_path.glob(".out.json.*"))  # no temporary file left behind


def test_seeding_draws_what_torch_manual_seed_draws() -> None:
    """The cheap CPU-generator seeding gives the same draws as ``torch.manual_seed``."""
    import random

    import torch

    from augaudit.measure.seeding import seed_everything

    torch.manual_seed(1234)
    expected = (torch.rand(4).tolist(), torch.randint(0, 100, (3,)).tolist())
    seed_everything(1234)
    assert (torch.rand(4).tolist(), torch.randint(0, 100, (3,)).tolist()) == expected
    seed_everything(1234)
    first = (random.random(), float(np.random.rand()))
    seed_everything(1234)
    assert (random.random(), float(np.random.rand())) == first


KILLER = """
import os
import signal
from torchvision.transforms import v2

def die_on_three(img):
    if img.size == (31, 31):  # only img03 has this size
        os.kill(os.getpid(), signal.SIGKILL)
    return img

pipeline = [die_on_three, v2.RandomHorizontalFlip()]
"""


def test_a_worker_that_dies_costs_only_its_image(tmp_path: Path) -> None:
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i in range(6):
        textured(i, 31 if i == 3 else 24).save(folder / f"img{i:02d}.png")
    (tmp_path / "killer.py").write_text(KILLER)
    result = cli(
        tmp_path, "run", "killer.py", "imgs", "--samples", "1", "-j", "2", "--format", "json"
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    doc = json.loads(result.stdout)
    status = {img["path"]: img["status"] for img in doc["images"]}
    assert status == {f"imgs/img{i:02d}.png": "crashed" if i == 3 else "ok" for i in range(6)}
    (crash,) = [f for f in doc["findings"] if f["code"] == "AUG501"]
    assert crash["images"] == ["imgs/img03.png"] and crash["stage"] is None


DIFF = ("diff", "slow.py", "slow.py", "many", "--samples", "2")


def test_ctrl_c_during_diff_exits_130_without_a_traceback(tmp_path: Path) -> None:
    code, err = interrupt_slow_run(tmp_path, list(DIFF), images=60, calls=20)
    assert code == 130, err
    assert "Traceback" not in err and "internal error" not in err, err


def test_visual_reports_keep_only_the_pictures_they_show(ws: Path) -> None:
    from augaudit.reporters.html.page import render_html

    pipeline = load_spec(str(ws / "pipeline.yaml"))
    images = [str(ws / "imgs" / f"img0{i}.png") for i in range(4)]
    report = audit(pipeline, images, samples=2, visuals=True, visual_images=2)
    assert [(v.image.rsplit("/", 1)[-1], v.sample) for v in report.visuals] == [
        ("img00.png", 0),
        ("img00.png", 1),
        ("img01.png", 0),
        ("img01.png", 1),
    ]
    page = render_html(report, max_images=2)
    assert "2 images left out of the grid by --html-images 2" in page
    assert "img03.png" in page.split("left out of the grid", 1)[1].split("</p>", 1)[0]
    grid_only = audit(pipeline, images[:2], samples=3, visuals=True, visual_samples=1)
    assert [v.sample for v in grid_only.visuals] == [0, 0]
    assert all(len(v.stages) == 6 for v in grid_only.visuals)  # input + 5 stages


def test_intervals_stay_within_what_a_metric_can_be() -> None:
    """A Student-t interval around a mean near a bound reaches past it (PSNR 200 dB is the cap;
    fractions are in [0, 1]): the reported interval stops at the bound."""
    from augaudit.aggregate.aggregator import Aggregator
    from augaudit.measure.records import OutputKind, StageRun
    from augaudit.model import Convention, SampleMetrics
    from augaudit.spec.model import StageSpec

    agg = Aggregator(1, intervals=True)
    out = OutputKind("tensor", "Tensor", "float32", None, 3, (3, 8, 8))
    for image, psnr, fill in (("a", 200.0, 0.0), ("b", 200.0, 0.0), ("c", 120.0, 0.3)):
        metrics = SampleMetrics(psnr_vs_reference=psnr, border_fill_fraction=fill)
        agg.add(image, 0, [StageRun(1, out, False, Convention("float [0,1]"), metrics)])
    (stage,) = agg.stage_reports((StageSpec("Identity", None),), ("photometric",))
    psnr_stat, fill_stat = stage.metrics["psnr_vs_reference"], stage.metrics["border_fill_fraction"]
    assert psnr_stat is not None and psnr_stat.ci95 is not None
    assert fill_stat is not None and fill_stat.ci95 is not None
    # Unclamped: 173.3 +- 114.7 dB and 0.1 +- 0.43.
    assert psnr_stat.ci95[1] == 200.0 and psnr_stat.ci95[0] < psnr_stat.mean
    assert fill_stat.ci95[0] == 0.0 and 0.1 < fill_stat.ci95[1] < 1.0
