"""Bad images: every file of the generated corpus (tests/helpers/bad_images.py) is audited or
skipped with a one-line reason, in the library and through the real CLI, and never crashes the
run.

Unreadable files: the tests run as root, where ``chmod 000`` does not stop reading
(CAP_DAC_OVERRIDE). So the real permission test skips as root, saying so, and a second test
simulates ``PermissionError`` at the ``Image.open`` call, which runs everywhere.
"""

from __future__ import annotations

import errno
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from augaudit.errors import InputError
from augaudit.sources.images import ImageSkipped, discover, load
from tests.helpers import REPO
from tests.helpers.bad_images import (
    Case,
    is_root,
    make_corpus,
    stored_for_orientation,
    upright_pattern,
)

CLI_FLAGS = ("--samples", "1", "--format", "json")
CHEAP_SPEC = "pipeline:\n  - ToImage\n  - ToDtype: {dtype: float32, scale: true}\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Case]]:
    root = tmp_path_factory.mktemp("bad_images")
    return root, make_corpus(root)


def _outcome(path: Path) -> tuple[str, str, tuple[str, ...], str | None]:
    try:
        loaded = load(path)
    except ImageSkipped as exc:
        return "skipped", str(exc), (), None
    return "ok", "", loaded.notes, loaded.file_mode


def test_discover_lists_every_file_of_the_corpus(corpus: tuple[Path, list[Case]]) -> None:
    root, cases = corpus
    found = discover([str(root / "corpus")])
    # Every file the walk meets, once; the directory loop (loop_dir -> .) is not followed.
    assert sorted(Path(s.display).name for s in found) == sorted(c.name for c in cases)
    assert all(not os.path.isabs(s.display) for s in found)


def test_each_corpus_file_is_audited_or_skipped_with_a_one_line_reason(
    corpus: tuple[Path, list[Case]],
) -> None:
    root, cases = corpus
    for case in cases:
        status, reason, notes, file_mode = _outcome(root / "corpus" / case.name)
        assert status == case.status, (case.name, reason)
        if status == "skipped":
            assert case.reason in reason, (case.name, reason)
            assert "\n" not in reason and str(root) not in reason, (case.name, reason)
        else:
            assert not case.note or any(case.note in n for n in notes), (case.name, notes)
            assert case.file_mode is None or file_mode == case.file_mode, (case.name, file_mode)


def test_sixteen_bit_pngs_scale_instead_of_clipping(corpus: tuple[Path, list[Case]]) -> None:
    root, _ = corpus
    # The generator wrote value 1000*i + 7 at flat index i; 8 bits is round(v / 257).
    expected = np.rint((np.arange(64) * 1000 + 7) / 257).astype(np.uint8).reshape(8, 8)
    for name in ("i16.png", "i16b.png"):
        rgb = np.asarray(load(root / "corpus" / name).image)
        assert rgb.shape == (8, 8, 3)
        np.testing.assert_array_equal(rgb[..., 0], expected, err_msg=name)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_loads_upright(corpus: tuple[Path, list[Case]], orientation: int) -> None:
    root, _ = corpus
    loaded = load(root / "corpus" / f"exif_orientation_{orientation}.png")
    upright = upright_pattern()
    assert loaded.size == (upright.shape[1], upright.shape[0])
    np.testing.assert_array_equal(np.asarray(loaded.image), upright)


def test_orientation_truth_is_not_trivial() -> None:
    # The analytic inverses really move pixels: no two orientations store the same array.
    stored = [stored_for_orientation(upright_pattern(), o).tobytes() for o in range(1, 9)]
    shapes = {stored_for_orientation(upright_pattern(), o).shape for o in (5, 6, 7, 8)}
    assert len(set(stored)) == 8 and shapes == {(6, 4, 3)}


def test_animated_gif_audits_its_first_frame(corpus: tuple[Path, list[Case]]) -> None:
    root, _ = corpus
    loaded = load(root / "corpus" / "animated.gif")
    assert set(map(tuple, np.asarray(loaded.image).reshape(-1, 3))) == {(255, 0, 0)}
    assert "animated (3 frames): first frame audited" in loaded.notes


@pytest.mark.subprocess
def test_oversized_images_are_refused_before_decoding(corpus: tuple[Path, list[Case]]) -> None:
    root, _ = corpus
    # In a fresh process without torch: decoding the 20000x20000 image would take 400 MB
    # (1.2 GB as RGB); refusing it at the header keeps the peak near the interpreter's own.
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from augaudit.sources.images import ImageSkipped, load\n"
        "for name in ('huge_20000.png', 'bomb.png'):\n"
        "    try:\n"
        "        load(Path(sys.argv[1]) / name)\n"
        "    except ImageSkipped as exc:\n"
        "        print(exc)\n"
        # VmHWM, not ru_maxrss: the latter keeps the parent's peak across fork and exec, so
        # it would report the test runner's own memory (torch loaded), not this process's.
        "print([ln.split()[1] for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(root / "corpus")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr
    assert "(400000000 pixels)" in lines[0] and "(100000000 pixels)" in lines[1]
    assert int(lines[2]) < 200_000, f"peak RSS {lines[2]} kB"


@pytest.mark.skipif(is_root(), reason="root reads a mode-000 file anyway (CAP_DAC_OVERRIDE)")
def test_unreadable_file_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "locked.png"
    Image.new("RGB", (4, 4)).save(path)
    path.chmod(0)
    with pytest.raises(ImageSkipped, match="Permission denied"):
        load(path)


def test_permission_error_at_open_is_a_skip_without_the_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "locked.png"
    Image.new("RGB", (4, 4)).save(path)

    def refuse(fp: object, *args: object, **kwargs: object) -> Image.Image:
        raise PermissionError(errno.EACCES, "Permission denied", str(fp))

    monkeypatch.setattr("augaudit.sources.images.Image.open", refuse)
    with pytest.raises(ImageSkipped) as info:
        load(path)
    assert str(info.value) == "cannot read image: Permission denied"


def test_symlink_loop_in_a_folder_does_not_crash_discovery(tmp_path: Path) -> None:
    # Regression: Path.resolve() raised RuntimeError("Symlink loop") -> exit 3.
    (tmp_path / "a.png").symlink_to("b.png")
    (tmp_path / "b.png").symlink_to("a.png")
    found = discover([str(tmp_path)])
    assert [s.path.name for s in found] == ["a.png", "b.png"]
    for source in found:
        assert _outcome(source.path)[:2] == ("skipped", "cannot read image: symbolic link loop")


@pytest.mark.slow
@pytest.mark.subprocess
def test_symlink_loop_named_by_absolute_path_is_skipped_through_the_cli(tmp_path: Path) -> None:
    # Regression: display_path() resolved the absolute path, which raised RuntimeError -> exit 3.
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "a.png").symlink_to(outside / "b.png")
    (outside / "b.png").symlink_to(outside / "a.png")
    work = tmp_path / "work"
    work.mkdir()
    (work / "spec.yaml").write_text(CHEAP_SPEC)
    Image.new("RGB", (16, 16), (9, 99, 199)).save(work / "good.png")
    result = subprocess.run(
        [
            *(sys.executable, "-m", "augaudit", "run", "spec.yaml"),
            *(str(outside / "a.png"), "good.png", *CLI_FLAGS, "--jobs", "1"),
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    images = {img["path"]: img for img in json.loads(result.stdout)["images"]}
    assert images["a.png"]["status"] == "skipped"
    assert "symbolic link loop" in images["a.png"]["reason"]
    assert images["good.png"]["status"] == "ok"


def test_two_names_of_one_file_keep_the_first_in_sorted_order(tmp_path: Path) -> None:
    Image.new("RGB", (4, 4)).save(tmp_path / "m.png")
    for name in ("z_link.png", "a_link.png"):
        (tmp_path / name).symlink_to("m.png")
    assert [s.path.name for s in discover([str(tmp_path)])] == ["a_link.png"]


def test_named_broken_link_is_listed_but_a_missing_path_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "gone.png").symlink_to("nowhere.png")
    found = discover([str(tmp_path / "gone.png")])
    assert _outcome(found[0].path)[1] == "cannot read image: broken symbolic link"
    with pytest.raises(InputError, match="no such file or folder"):
        discover([str(tmp_path / "nowhere.png")])


def _valid_files() -> list[bytes]:
    img = Image.fromarray(np.random.default_rng(3).integers(0, 256, (12, 10, 3), dtype=np.uint8))
    out = []
    for fmt in ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"):
        buffer = io.BytesIO()
        img.save(buffer, fmt)
        out.append(buffer.getvalue())
    return out


VALID_FILES = _valid_files()
FUZZ_COUNT = {"loads": 0}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.integers(0, len(VALID_FILES) - 1),
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=6),
    cut=st.none() | st.integers(1, 10**6),
)
def test_corrupted_files_load_or_skip_never_raise_anything_else(
    which: int, edits: list[tuple[int, int]], cut: int | None
) -> None:
    data = bytearray(VALID_FILES[which])
    for position, value in edits:
        data[position % len(data)] = value
    if cut is not None:
        data = data[: cut % len(data) or 1]
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"augaudit_fuzz_{os.getpid()}.img"
    path.write_bytes(bytes(data))
    FUZZ_COUNT["loads"] += 1
    try:
        loaded = load(path)
    except ImageSkipped as exc:
        assert "\n" not in str(exc) and str(path) not in str(exc)
    else:
        assert loaded.image.mode == "RGB" and loaded.image.size[0] > 0
    finally:
        path.unlink()


@pytest.mark.slow
@pytest.mark.subprocess
def test_whole_corpus_through_the_cli(corpus: tuple[Path, list[Case]]) -> None:
    root, cases = corpus
    (root / "spec.yaml").write_text(CHEAP_SPEC)
    result = subprocess.run(
        [sys.executable, "-m", "augaudit", "run", "spec.yaml", "corpus", *CLI_FLAGS],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    listed = {Path(img["path"]).name: img for img in report["images"]}
    assert sorted(listed) == sorted(c.name for c in cases)
    for case in cases:
        entry = listed[case.name]
        assert entry["status"] == case.status, (case.name, entry)
        if case.status == "skipped":
            assert case.reason in entry["reason"] and "\n" not in entry["reason"]
            # The CLI also warns about each skipped file on stderr, on one line.
            assert f"corpus/{case.name} skipped: {entry['reason']}" in result.stderr
        elif case.note:
            assert any(case.note in note for note in entry["notes"]), (case.name, entry)
    assert str(root) not in result.stdout
    assert "AUG504" in {f["code"] for f in report["findings"]}
