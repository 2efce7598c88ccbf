"""Checks for the shipped sample images and tools/make_sample_images.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = REPO_ROOT / "sample_images"
SCRIPT = REPO_ROOT / "tools" / "make_sample_images.py"
MAX_TOTAL_BYTES = 5 * 1024 * 1024
EXIF_ORIENTATION_TAG = 0x0112

# relative path -> (Pillow mode on load, (width, height))
EXPECTED: dict[str, tuple[str, tuple[int, int]]] = {
    "astronaut.jpg": ("RGB", (512, 512)),
    "coffee.jpg": ("RGB", (600, 400)),
    "chelsea.jpg": ("RGB", (451, 300)),
    "camera.png": ("L", (512, 512)),
    "rocket.jpg": ("RGB", (640, 427)),
    "checkerboard.png": ("RGB", (256, 256)),
    "gradient_ramp.png": ("RGB", (256, 256)),
    "zone_plate.png": ("RGB", (256, 256)),
    "modes/rgba.png": ("RGBA", (451, 300)),
    "modes/palette.png": ("P", (600, 400)),
    "modes/gray16.png": ("I;16", (512, 512)),
    # Stored rotated: the size as stored is the upright rocket's size swapped.
    "modes/exif_rotated.jpg": ("RGB", (427, 640)),
}


def _load(rel: str) -> Image.Image:
    """Open a shipped sample and force-load it so the file handle can close."""
    with Image.open(SAMPLE_DIR / rel) as im:
        im.load()
        return im


def _pixels(path: Path) -> np.ndarray:
    """Decoded pixel array of an image file."""
    # Expand palette images so the palette itself is compared, not just the indices.
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB") if im.mode == "P" else im)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_file_exists_with_mode_and_size(rel: str) -> None:
    mode, size = EXPECTED[rel]
    path = SAMPLE_DIR / rel
    assert path.is_file(), f"missing {path}"
    im = _load(rel)
    # Older Pillow reports 16-bit PNGs as "I"; the bit depth is checked separately.
    allowed = {mode, "I"} if mode == "I;16" else {mode}
    assert im.mode in allowed
    assert im.size == size
    expected_format = "JPEG" if rel.endswith(".jpg") else "PNG"
    assert im.format == expected_format


def test_no_unexpected_files() -> None:
    found = {
        p.relative_to(SAMPLE_DIR).as_posix()
        for p in SAMPLE_DIR.rglob("*")
        if p.is_file() and p.name != "README.md"
    }
    assert found == set(EXPECTED)


def test_total_size_under_limit() -> None:
    total = sum(p.stat().st_size for p in SAMPLE_DIR.rglob("*") if p.is_file())
    assert 0 < total < MAX_TOTAL_BYTES


def test_readme_lists_every_file() -> None:
    readme = (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    missing = [rel for rel in EXPECTED if f"`{rel}`" not in readme]
    assert not missing, f"README.md does not document {missing}"


def test_gray16_is_really_16_bit() -> None:
    arr = np.asarray(_load("modes/gray16.png"))
    assert arr.dtype in (np.uint16, np.int32)
    assert arr.max() > 255
    assert arr.min() >= 0 and arr.max() <= 65535
    # Derived from camera.png by x257, so the high byte is the 8-bit image.
    np.testing.assert_array_equal(arr // 257, np.asarray(_load("camera.png")))


def test_palette_has_at_most_64_colours() -> None:
    im = _load("modes/palette.png")
    used = np.unique(np.asarray(im))
    assert 1 < used.size <= 64
    assert im.getpalette() is not None


def test_rgba_alpha_is_radial_gradient() -> None:
    alpha = np.asarray(_load("modes/rgba.png"))[..., 3]
    h, w = alpha.shape
    assert alpha[h // 2, w // 2] >= 250  # the exact centre falls between pixels
    assert alpha[0, 0] == alpha[0, -1] == alpha[-1, 0] == alpha[-1, -1] == 0
    assert np.unique(alpha).size > 100  # a smooth gradient, not a hard mask


def test_exif_rotated_restores_upright_rocket() -> None:
    im = _load("modes/exif_rotated.jpg")
    orientation = im.getexif().get(EXIF_ORIENTATION_TAG)
    assert orientation in (6, 8)

    upright = ImageOps.exif_transpose(im)
    assert upright.size == (im.height, im.width) == EXPECTED["rocket.jpg"][1]

    reference = np.asarray(_load("rocket.jpg"), dtype=np.int16)
    restored = np.asarray(upright.convert("RGB"), dtype=np.int16)
    err = np.abs(restored - reference).mean()
    # Both are JPEG re-encodes of the same photo, so small error; turned upside down the
    # same pixels must disagree badly, proving the content, not just the size, is upright.
    flipped_err = np.abs(restored[::-1, ::-1] - reference).mean()
    assert err < 4.0
    assert flipped_err > 10 * err


def test_checkerboard_chart() -> None:
    arr = np.asarray(_load("checkerboard.png"))
    assert set(np.unique(arr).tolist()) == {0, 255}
    assert (arr[0, 0] == 0).all() and (arr[0, 32] == 255).all() and (arr[32, 32] == 0).all()
    # Hard edge: neighbours across a square boundary jump straight from 0 to 255.
    assert arr[0, 31, 0] == 0 and arr[0, 32, 0] == 255


def test_gradient_ramp_chart() -> None:
    arr = np.asarray(_load("gradient_ramp.png"))
    expected_row = np.arange(256, dtype=np.uint8)
    np.testing.assert_array_equal(arr[..., 0], np.broadcast_to(expected_row, (256, 256)))
    np.testing.assert_array_equal(arr[..., 1], arr[..., 0])
    np.testing.assert_array_equal(arr[..., 2], arr[..., 0])


def test_zone_plate_chart() -> None:
    arr = np.asarray(_load("zone_plate.png"))
    assert arr.min() == 0 and arr.max() == 255
    gray = arr[..., 0]
    np.testing.assert_array_equal(arr[..., 1], gray)
    # Radially symmetric about the centre and bright there (cos(0) = 1).
    np.testing.assert_array_equal(gray, gray[::-1, ::-1])
    np.testing.assert_array_equal(gray, gray.T)
    assert gray[127:129, 127:129].min() >= 254


@pytest.mark.subprocess
def test_script_is_deterministic(tmp_path: Path) -> None:
    out_dir = tmp_path / "regen"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(out_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    regenerated = {p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file()}
    assert regenerated == set(EXPECTED)
    for rel in sorted(EXPECTED):
        shipped = _pixels(SAMPLE_DIR / rel)
        fresh = _pixels(out_dir / rel)
        assert shipped.dtype == fresh.dtype, rel
        np.testing.assert_array_equal(fresh, shipped, err_msg=rel)
