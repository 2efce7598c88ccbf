"""Hostile inputs through the real CLI: stages, specs, images and files that try to make the
gate pass what it did not audit, damage a file, hang or crash augaudit.

Every case runs ``augaudit`` as a user's CI does and checks the exit code, that stdout holds
only the report, and that no input file changed. Future changes keep this corpus passing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
PHOTO = ROOT / "sample_images" / "astronaut.jpg"
SMALL = ROOT / "sample_images" / "camera.png"


def augaudit(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AUGAUDIT_FORMAT", "GITHUB_ACTIONS")}
    return subprocess.run(
        [sys.executable, "-m", "augaudit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in done.stderr.splitlines() if line.startswith("augaudit: error:")]
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


@pytest.fixture
def images(tmp_path: Path) -> Path:
    folder = tmp_path / "imgs"
    folder.mkdir()
    shutil.copy(PHOTO, folder / "a.jpg")
    shutil.copy(SMALL, folder / "b.png")
    return folder


STAGES = {
    "sys_exit": "import sys\n    sys.exit(0)",
    "cancelled": "import asyncio\n    raise asyncio.CancelledError()",
    "generator_exit": "raise GeneratorExit()",
    "base_exception": "raise BaseException('odd')",
}


@pytest.mark.parametrize("name", sorted(STAGES))
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_stage_that_exits_is_an_error_not_a_pass(
    tmp_path: Path, images: Path, name: str, jobs: str
) -> None:
    (tmp_path / "pipe.py").write_text(
        "from torchvision.transforms import v2\n"
        f"def stage(x):\n    {STAGES[name]}\n"
        "pipeline = [v2.ToImage(), stage]\n"
    )
    done = augaudit(
        "run", "pipe.py", str(images), "--samples", "1", "--format", "json", "-j", jobs,
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["summary"]["exit_code"] == 1
    (finding,) = [f for f in report["findings"] if f["code"] == "AUG501"]
    assert finding["stage"] == 2 and finding["severity"] == "error"
    errors = report["stages"][1]["errors"]
    assert len(errors) == 2 and all(e["kind"] == "raised" for e in errors)


def test_prints_of_spec_and_stages_never_reach_stdout(tmp_path: Path, images: Path) -> None:
    (tmp_path / "loud.py").write_text(
        "import os\n"
        "from torchvision.transforms import v2\n"
        "print('loading the spec')\n"
        "def loud(x):\n"
        "    print('stage output')\n"
        "    os.write(1, b'raw write to fd 1\\n')\n"
        "    return x\n"
        "pipeline = [v2.ToImage(), loud]\n"
    )
    for jobs in ("1", "2"):
        done = augaudit(
            "run", "loud.py", str(images), "--samples", "1", "--format", "json", "-j", jobs,
            cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["summary"]["errors"] == 0
        assert "stage output" in done.stderr and "raw write to fd 1" in done.stderr
    validated = augaudit("validate", "loud.py", "--format", "json", cwd=tmp_path)
    assert json.loads(validated.stdout)["summary"]["exit_code"] == 0
    assert "loading the spec" in validated.stderr


def test_an_empty_output_is_an_error_of_that_stage(tmp_path: Path, images: Path) -> None:
    (tmp_path / "crop.yaml").write_text(
        "pipeline:\n  - ToImage\n  - CenterCrop: {size: 0}\n  - ToDtype: {dtype: float32}\n"
    )
    done = augaudit(
        "run", "crop.yaml", str(images), "--samples", "1", "--format", "json", cwd=tmp_path
    )
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    (finding,) = report["findings"]
    assert (finding["code"], finding["stage"]) == ("AUG501", 2)
    assert "empty image (3x0x0)" in finding["message"]
    assert report["stages"][2]["errors"] == []  # the next stage is not blamed
    assert report["stages"][2]["output"]["types"] == []


def test_outputs_never_overwrite_inputs(tmp_path: Path, images: Path) -> None:
    spec = tmp_path / "pipe.yaml"
    spec.write_text("pipeline:\n  - ToImage\n")
    before = {p: p.read_bytes() for p in (spec, images / "a.jpg", images / "b.png")}
    cases = [
        ("run", "pipe.yaml", str(images), "-o", "pipe.yaml"),
        ("run", "pipe.yaml", str(images), "--grid", str(images / "b.png")),
        ("run", "pipe.yaml", str(images), "-o", "r.html", "--html", "r.html"),
    ]
    for args in cases:
        done = augaudit(*args, cwd=tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert "refusing to overwrite" in one_line_error(done) or "also given" in done.stderr
    assert {p: p.read_bytes() for p in before} == before
    assert not (tmp_path / "r.html").exists()
    lock = tmp_path / "lock.json"
    made = augaudit("baseline", "pipe.yaml", "--images", str(images), "--samples", "1",
                    "-o", "lock.json", cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    locked = lock.read_bytes()
    check = augaudit("check", "pipe.yaml", "--images", str(images), "--samples", "1",
                     "--baseline", "lock.json", "-o", "lock.json", cwd=tmp_path)  # fmt: skip
    assert check.returncode == 2 and "refusing to overwrite" in one_line_error(check)
    assert lock.read_bytes() == locked


def test_a_stage_that_changes_directory_does_not_move_the_report(
    tmp_path: Path, images: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "wander.py").write_text(
        "import os\nfrom torchvision.transforms import v2\n"
        f"def wander(x):\n    os.chdir({str(elsewhere)!r})\n    return x\n"
        "pipeline = [v2.ToImage(), wander]\n"
    )
    done = augaudit("run", "wander.py", str(images), "--samples", "1", "-j", "1",
                    "--format", "json", "-o", "out.json", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "out.json").read_text())["summary"]["errors"] == 0
    assert not (elsewhere / "out.json").exists()


def test_an_eps_named_png_is_skipped_never_opened(tmp_path: Path, images: Path) -> None:
    (images / "photo.png").write_bytes(
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 8 8\nnewpath 0 0 moveto stroke\nshowpage\n"
    )
    (tmp_path / "pipe.yaml").write_text("pipeline:\n  - ToImage\n")
    done = augaudit("run", "pipe.yaml", str(images), "--samples", "1", "--format", "json",
                    cwd=tmp_path)  # fmt: skip
    report = json.loads(done.stdout)
    (eps,) = [i for i in report["images"] if i["path"].endswith("photo.png")]
    assert eps["status"] == "skipped" and eps["reason"].startswith("EPS is not opened")
    assert done.returncode == 0  # AUG504 is a warning; the two real images were audited


def test_the_eps_decoder_is_not_even_started(tmp_path: Path) -> None:
    """In-process: Pillow's EPS plugin would call Ghostscript on load; it never opens."""
    from PIL import EpsImagePlugin

    from augaudit.sources.images import ImageSkipped, load

    path = tmp_path / "photo.png"
    path.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 8 8\nshowpage\n")
    opened = []
    original = EpsImagePlugin.EpsImageFile._open
    EpsImagePlugin.EpsImageFile._open = lambda self: opened.append(1) or original(self)
    try:
        with pytest.raises(ImageSkipped, match="EPS is not opened"):
            load(path)
    finally:
        EpsImagePlugin.EpsImageFile._open = original
    assert opened == []


def test_a_latin_1_file_name_is_reported_not_a_crash(tmp_path: Path, images: Path) -> None:
    odd = os.fsdecode(b"caf\xe9.jpg")
    shutil.copy(PHOTO, images / odd)
    (tmp_path / "pipe.yaml").write_text("pipeline:\n  - ToImage\n")
    for fmt in ("json", "text", "markdown", "sarif", "junit", "github"):
        done = augaudit("run", "pipe.yaml", str(images), "--samples", "1", "--format", fmt,
                        cwd=tmp_path)  # fmt: skip
        assert done.returncode == 0, (fmt, done.stderr)
    paths = [i["path"] for i in json.loads(
        augaudit("run", "pipe.yaml", str(images), "--samples", "1", "--format", "json",
                 cwd=tmp_path).stdout)["images"]]  # fmt: skip
    assert any(p.endswith("caf\\xe9.jpg") for p in paths)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_specs_and_baselines_that_never_end_are_refused(tmp_path: Path, images: Path) -> None:
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo.yaml")
    os.mkfifo(tmp_path / "fifo.py")
    (tmp_path / "base.json").symlink_to("/dev/zero")
    (tmp_path / "pipe.yaml").write_text("pipeline:\n  - ToImage\n")
    (tmp_path / "big.yaml").write_text("# " + "x" * 2_000_000 + "\npipeline: [ToImage]\n")
    for args in (
        ("validate", "zero.yaml"),
        ("validate", "fifo.yaml"),
        ("validate", "zero.py"),
        ("validate", "fifo.py"),
        ("validate", "big.yaml"),
        ("check", "pipe.yaml", "--images", str(images), "--baseline", "base.json"),
    ):
        done = augaudit(*args, cwd=tmp_path, timeout=60)
        assert done.returncode == 2, (args, done.stderr)
        message = one_line_error(done)
        assert len(message) < 400
        if "zero" in args[1] or "fifo" in args[1]:
            assert "not a regular file" in message, message


def test_a_deleted_working_directory_is_a_one_line_error(tmp_path: Path, images: Path) -> None:
    spec = tmp_path / "pipe.yaml"
    spec.write_text("pipeline:\n  - ToImage\n")
    gone = tmp_path / "gone"
    gone.mkdir()
    script = (
        "import os, sys, runpy\n"
        f"os.chdir({str(gone)!r}); os.rmdir({str(gone)!r})\n"
        f"sys.argv = ['augaudit', 'run', {str(spec)!r}, {str(images)!r}, '--samples', '1']\n"
        "runpy.run_module('augaudit', run_name='__main__')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "working directory" in one_line_error(done)


def _alive(pid: int) -> bool:
    """A process that runs (a zombie waiting to be reaped is dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _descendants(pid: int) -> list[int]:
    """Every process under ``pid`` (the CLI's watched child and its workers)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        below = [child for child, parent in parents.items() if parent in frontier]
        found += below
        frontier = below
    return found


def _start_slow_run(tmp_path: Path, images: Path) -> subprocess.Popen[str]:
    for i in range(4):
        shutil.copy(SMALL, images / f"c{i}.png")
    (tmp_path / "slow.py").write_text(
        "import time\nfrom torchvision.transforms import v2\n"
        "def slow(x):\n    time.sleep(0.5)\n    return x\n"
        "pipeline = [v2.ToImage(), slow]\n"
    )
    return subprocess.Popen(
        [sys.executable, "-m", "augaudit", "run", "slow.py", str(images), "--samples", "3",
         "-j", "2", "--format", "json", "-o", "out.json"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _wait_for_workers(run: subprocess.Popen[str]) -> list[int]:
    import time

    for _ in range(300):
        workers = _descendants(run.pid)
        if len(workers) >= 3:  # the watched child and its two workers
            time.sleep(2.0)  # into their first images
            return workers
        time.sleep(0.1)
    raise AssertionError("the workers never started")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_sigterm_writes_the_partial_report_and_stops_every_worker(
    tmp_path: Path, images: Path
) -> None:
    import signal

    run = _start_slow_run(tmp_path, images)
    workers = _wait_for_workers(run)
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 143, err
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["partial"] is True and report["summary"]["exit_code"] == 143
    assert "Traceback" not in err
    assert not [pid for pid in workers if _alive(pid)]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_die_with_a_killed_parent(tmp_path: Path, images: Path) -> None:
    import signal
    import time

    run = _start_slow_run(tmp_path, images)
    workers = _wait_for_workers(run)
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=60)
    for _ in range(50):
        if not [pid for pid in workers if _alive(pid)]:
            break
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)]


def test_error_lines_stay_short_for_huge_names(tmp_path: Path, images: Path) -> None:
    (tmp_path / "huge.yaml").write_text("pipeline:\n  - " + "X" * 900_000 + "\n")
    (tmp_path / "boom.py").write_text(
        "from torchvision.transforms import v2\n"
        "def boom(x):\n    raise ValueError('y' * 900_000)\n"
        "pipeline = [v2.ToImage(), boom]\n"
    )
    done = augaudit("validate", "huge.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert len(one_line_error(done)) <= 1100
    run = augaudit("run", "boom.py", str(images), "--samples", "1", "--format", "json",
                   cwd=tmp_path)  # fmt: skip
    assert run.returncode == 1
    (error, *_) = json.loads(run.stdout)["stages"][1]["errors"]
    assert error["message"].startswith("ValueError: yyy") and len(error["message"]) <= 500


def test_a_stage_with_unseeded_draws_makes_fill_unknown_not_silent(
    tmp_path: Path, images: Path
) -> None:
    """Its probes would draw differently from the real run: fill is unknown, and said to be."""
    for i in range(4):
        shutil.copy(SMALL, images / f"c{i}.png")
    (tmp_path / "unseeded.py").write_text(
        "import random\nfrom torchvision.transforms import v2\n"
        "_draws = random.SystemRandom()\n"
        "def maybe_crop(x):\n    return v2.CenterCrop(100)(x) if _draws.random() < 0.5 else x\n"
        "pipeline = [v2.ToImage(), maybe_crop, v2.RandomRotation(10)]\n"
    )
    done = augaudit("run", "unseeded.py", str(images), "--samples", "8", "--format", "json",
                    cwd=tmp_path)  # fmt: skip
    report = json.loads(done.stdout)
    (unseeded,) = [f for f in report["findings"] if f["code"] == "AUG510"]
    assert unseeded["stage"] == 2 and unseeded["severity"] == "warning"
    assert "border fill and fidelity are unknown" in unseeded["message"]
    assert any("two calls with the same seed" in n for n in report["stages"][1]["notes"])
    for stage in report["stages"][1:]:  # unknown, never a number from other draws
        fill = stage["metrics"]["border_fill_fraction"]
        assert fill is None or fill["mean"] is None, stage


def test_check_gives_the_same_result_from_any_subfolder(tmp_path: Path) -> None:
    (tmp_path / "configs").mkdir()
    (tmp_path / "imgs").mkdir()
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    shutil.copy(SMALL, tmp_path / "imgs" / "camera.png")
    (tmp_path / "configs" / "p.yaml").write_text(
        "pipeline:\n  - ToImage\n  - RandomRotation: {degrees: 10, interpolation: bilinear}\n"
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.augaudit]\npipelines = ["configs/*.yaml"]\nimages = ["imgs"]\n'
        'baseline = "lock.json"\nsamples = 1\n'
    )
    assert augaudit("baseline", "-o", "lock.json", cwd=tmp_path).returncode == 0
    at_root = augaudit("check", "--format", "json", cwd=tmp_path)
    below = augaudit("check", "--format", "json", cwd=tmp_path / "sub" / "deeper")
    assert at_root.returncode == below.returncode == 0, below.stderr
    assert json.loads(at_root.stdout) == json.loads(below.stdout)
    assert json.loads(below.stdout)["baseline"]["compared"] == ["configs/p.yaml"]


def test_a_baseline_check_that_compares_nothing_is_an_error(tmp_path: Path, images: Path) -> None:
    (tmp_path / "pipe.yaml").write_text("pipeline:\n  - ToImage\n")
    (tmp_path / "other.json").write_text(json.dumps({
        "augaudit_baseline": 1, "augaudit_version": "0.1.0",
        "pipelines": {"elsewhere.yaml": {
            "settings": {"seed": 0, "samples": 1, "input": "pil", "mode": "rgb", "images": []},
            "stages": [], "findings": []}},
    }))  # fmt: skip
    done = augaudit("check", "pipe.yaml", "--images", str(images), "--samples", "1",
                    "--baseline", "other.json", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert "names none of the audited pipelines" in one_line_error(done)


def test_config_globs_do_not_follow_folder_symlink_loops(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "up").symlink_to("..")
    (tmp_path / "specs" / "again").symlink_to("../specs")
    (tmp_path / "specs" / "p.yaml").write_text("pipeline:\n  - ToImage\n")
    (tmp_path / "specs" / ".hidden.yaml").write_text("not: [a spec\n")
    shutil.copy(SMALL, tmp_path / "camera.png")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.augaudit]\npipelines = ["**/*.yaml"]\nimages = ["camera.png"]\nsamples = 1\n'
    )
    done = augaudit("check", "--format", "json", cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["spec"] == "specs/p.yaml"


def test_a_huge_stage_output_is_an_error_not_tens_of_gigabytes(
    tmp_path: Path, images: Path
) -> None:
    (tmp_path / "big.yaml").write_text(
        "pipeline:\n  - ToImage\n  - Resize: {size: [9500, 9500]}\n"
        "  - ToDtype: {dtype: float32, scale: true}\n"
    )
    done = augaudit("run", "big.yaml", str(images / "b.png"), "--samples", "1", "--format",
                    "json", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1, done.stderr
    (finding,) = json.loads(done.stdout)["findings"]
    assert (finding["code"], finding["stage"]) == ("AUG501", 2)
    assert "9500x9500 image (90.2 MP), over the 50 MP" in finding["message"]
    small = augaudit("run", "big.yaml", str(images / "b.png"), "--samples", "1",
                     "--max-megapixels", "0.2", "--format", "json", cwd=tmp_path)  # fmt: skip
    first = json.loads(small.stdout)["findings"][0]
    assert first["stage"] == 1 and "512x512 image (0.262 MP)" in first["message"]
    bad = augaudit("run", "big.yaml", str(images), "--max-megapixels", "nan", cwd=tmp_path)
    assert bad.returncode == 2 and "--max-megapixels" in one_line_error(bad)
    (tmp_path / "augaudit.toml").write_text("max-megapixels = 0.2\n")
    configured = augaudit("run", "big.yaml", str(images / "b.png"), "--samples", "1",
                          "--format", "json", cwd=tmp_path)  # fmt: skip
    assert json.loads(configured.stdout)["findings"][0]["stage"] == 1
    flag_wins = augaudit("run", "big.yaml", str(images / "b.png"), "--samples", "1",
                         "--max-megapixels", "60", "--format", "json", cwd=tmp_path)  # fmt: skip
    (finding,) = json.loads(flag_wins.stdout)["findings"]
    assert finding["stage"] == 2 and "over the 60 MP" in finding["message"]


@pytest.mark.parametrize("how", ["os._exit(0)", "os.kill(os.getpid(), 9)"])
def test_a_stage_that_ends_the_process_never_passes_the_gate(
    tmp_path: Path, images: Path, how: str
) -> None:
    """Even with --jobs 1 and one image: the CLI runs stages in a worker it watches."""
    (tmp_path / "bye.py").write_text(
        "import os\nfrom torchvision.transforms import v2\n"
        f"def bye(x):\n    {how}\n"
        "pipeline = [v2.ToImage(), bye]\n"
    )
    done = augaudit("run", "bye.py", str(images / "b.png"), "--samples", "1", "-j", "1",
                    "--format", "json", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["images"][0]["status"] == "crashed"
    assert [f["code"] for f in report["findings"]] == ["AUG501"]


@pytest.mark.parametrize(
    ("how", "code", "says"),
    [
        ("os._exit(0)", 2, "ended with status 0"),
        ("os._exit(1)", 2, "ended with status 1"),
        ("os.kill(os.getpid(), signal.SIGKILL)", 128 + 9, "killed by SIGKILL"),
        ("os.kill(os.getpid(), signal.SIGSEGV)", 128 + 11, "killed by SIGSEGV"),
    ],
)
@pytest.mark.parametrize("command", ["run", "check", "validate"])
def test_a_spec_whose_own_code_ends_the_process_never_passes(
    tmp_path: Path, images: Path, how: str, code: int, says: str, command: str
) -> None:
    """The spec's top-level code runs in the CLI's process: a watching parent tells the truth."""
    (tmp_path / "bye.py").write_text(f"import os, signal\n{how}\npipeline = []\n")
    image = ["--images", str(images)] if command == "check" else [str(images / "b.png")]
    args = ["bye.py"] if command == "validate" else ["bye.py", *image]
    done = augaudit(command, *args, "--format", "json", cwd=tmp_path)
    assert done.returncode == code, done.stderr
    assert done.stdout == ""
    line = one_line_error(done)
    assert says in line and "nothing was audited" in line and "hint:" in line


@pytest.mark.parametrize("raised", ["GeneratorExit", "asyncio.CancelledError"])
def test_a_spec_raising_a_base_exception_is_a_spec_error(tmp_path: Path, raised: str) -> None:
    (tmp_path / "odd.py").write_text(f"import asyncio\nraise {raised}()\npipeline = []\n")
    done = augaudit("validate", "odd.py", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    line = one_line_error(done)
    assert "odd.py:2: running the spec raised" in line and raised.split(".")[-1] in line


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("command", [("rules",), ("validate", "pipe.yaml"), ("run", "pipe.yaml")])
def test_a_full_disk_on_stdout_is_a_one_line_error(
    tmp_path: Path, images: Path, command: tuple[str, ...]
) -> None:
    (tmp_path / "pipe.yaml").write_text("pipeline:\n  - ToImage\n")
    args = [*command, str(images / "b.png"), "--samples", "1"] if command[0] == "run" else command
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "augaudit", *args], cwd=tmp_path,
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
                              check=False)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "No space left on device" in one_line_error(done)


def test_a_closed_pipe_is_a_one_line_error() -> None:
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run([sys.executable, "-m", "augaudit", "rules"], stdout=writer,
                              stderr=subprocess.PIPE, text=True, timeout=60,
                              check=False)  # fmt: skip
    finally:
        os.close(writer)
    assert done.returncode == 2, done.stderr
    assert "Broken pipe" in one_line_error(done)
