"""Generate the sample images shipped in ``sample_images/``.

Deterministic and offline: photos come from scikit-image's bundled data, charts are
computed with numpy. Re-running with the same Pillow/libjpeg/zlib yields identical bytes.

Usage: ``python tools/make_sample_images.py [OUT_DIR]`` (default: ``<repo>/sample_images``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps
from skimage import data

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT_DIR = REPO_ROOT / "sample_images"

JPEG_QUALITY = 92
CHART_SIZE = 256
CHECKER_SQUARE = 32
PALETTE_COLORS = 64
EXIF_ORIENTATION_TAG = 0x0112
# Orientation 6 = "rotate 90° clockwise to display", so the pixels are stored rotated
# 90° counter-clockwise; exif_transpose then turns them back upright.
EXIF_ORIENTATION = 6

# Output paths, relative to the output directory.
PHOTO_FILES: dict[str, str] = {
    "astronaut": "astronaut.jpg",
    "coffee": "coffee.jpg",
    "chelsea": "chelsea.jpg",
    "camera": "camera.png",
    "rocket": "rocket.jpg",
}
CHART_FILES: tuple[str, ...] = ("checkerboard.png", "gradient_ramp.png", "zone_plate.png")
MODE_FILES: tuple[str, ...] = (
    "modes/rgba.png",
    "modes/palette.png",
    "modes/gray16.png",
    "modes/exif_rotated.jpg",
)
ALL_FILES: tuple[str, ...] = (*PHOTO_FILES.values(), *CHART_FILES, *MODE_FILES)


def _photo(name: str) -> Image.Image:
    """Load a bundled scikit-image photo as a Pillow image (RGB, or L for grayscale)."""
    loader: Callable[[], np.ndarray] = getattr(data, name)
    return Image.fromarray(np.ascontiguousarray(loader()))


def _save_jpeg(img: Image.Image, path: Path, exif: Image.Exif | None = None) -> None:
    """Save as baseline JPEG; only the EXIF we pass is written (no timestamps)."""
    kwargs: dict[str, object] = {"quality": JPEG_QUALITY}
    if exif is not None:
        kwargs["exif"] = exif.tobytes()
    img.save(path, format="JPEG", **kwargs)


def _save_png(img: Image.Image, path: Path) -> None:
    """Save as PNG; Pillow writes no tIME/text chunks unless asked to."""
    img.save(path, format="PNG")


def checkerboard() -> Image.Image:
    """8x8 black/white board of 32 px squares, top-left black, hard edges."""
    idx = np.arange(CHART_SIZE) // CHECKER_SQUARE
    board = ((idx[:, None] + idx[None, :]) % 2 * 255).astype(np.uint8)
    return Image.fromarray(np.stack([board] * 3, axis=-1))


def gradient_ramp() -> Image.Image:
    """Horizontal ramp: column x has value x (0..255) in every channel."""
    row = np.arange(CHART_SIZE, dtype=np.uint8)
    ramp = np.broadcast_to(row, (CHART_SIZE, CHART_SIZE))
    return Image.fromarray(np.ascontiguousarray(np.stack([ramp] * 3, axis=-1)))


def zone_plate() -> Image.Image:
    """Classic zone plate 0.5 * (1 + cos(k r^2)) scaled to 0..255.

    k = pi / N puts the local frequency k r / pi at the Nyquist limit (0.5 cycles/px)
    at the edge midpoints (r = N / 2), so the corners alias, as a zone plate should.
    """
    coords = np.arange(CHART_SIZE, dtype=np.float64) - (CHART_SIZE - 1) / 2
    r2 = coords[None, :] ** 2 + coords[:, None] ** 2
    k = np.pi / CHART_SIZE
    plate = np.round(127.5 * (1.0 + np.cos(k * r2))).astype(np.uint8)
    return Image.fromarray(np.stack([plate] * 3, axis=-1))


def rgba_chelsea() -> Image.Image:
    """Chelsea with a radial alpha: opaque at the centre, fully transparent in the corners."""
    rgb = np.asarray(_photo("chelsea"))
    h, w = rgb.shape[:2]
    yy = (np.arange(h, dtype=np.float64) - (h - 1) / 2)[:, None] / ((h - 1) / 2)
    xx = (np.arange(w, dtype=np.float64) - (w - 1) / 2)[None, :] / ((w - 1) / 2)
    r = np.sqrt(xx**2 + yy**2) / np.sqrt(2.0)  # 0 at centre, 1 at the corners
    alpha = np.round(255.0 * (1.0 - r)).clip(0, 255).astype(np.uint8)
    return Image.fromarray(np.dstack([rgb, alpha]), mode="RGBA")


def palette_coffee() -> Image.Image:
    """Coffee quantised to a 64-colour palette (mode P, median cut, Floyd-Steinberg)."""
    return _photo("coffee").quantize(colors=PALETTE_COLORS, method=Image.Quantize.MEDIANCUT)


def gray16_camera() -> Image.Image:
    """Camera scaled 0..255 -> 0..65535 (x257) as a 16-bit grayscale image (mode I;16)."""
    arr = np.asarray(_photo("camera")).astype(np.uint16) * np.uint16(257)
    return Image.fromarray(arr)  # uint16 2-D -> mode "I;16"


def exif_rotated_rocket() -> tuple[Image.Image, Image.Exif]:
    """Rocket with its pixels rotated 90° CCW plus the EXIF tag that undoes it."""
    stored = _photo("rocket").transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[EXIF_ORIENTATION_TAG] = EXIF_ORIENTATION
    return stored, exif


def _verify(out_dir: Path) -> None:
    """Fail loudly if the special-mode files did not round-trip as intended."""
    with Image.open(out_dir / "modes" / "gray16.png") as im:
        if im.mode not in ("I;16", "I") or int(np.asarray(im).max()) <= 255:
            raise RuntimeError(f"gray16.png reloaded as {im.mode}, not a 16-bit image")

    upright = np.asarray(_photo("rocket"), dtype=np.int16)
    with Image.open(out_dir / "modes" / "exif_rotated.jpg") as im:
        if im.getexif().get(EXIF_ORIENTATION_TAG) != EXIF_ORIENTATION:
            raise RuntimeError("exif_rotated.jpg lost its Orientation tag")
        restored = ImageOps.exif_transpose(im)
    got = np.asarray(restored.convert("RGB"), dtype=np.int16)
    # JPEG is lossy, so compare loosely; a wrong rotation would not even match in shape.
    if got.shape != upright.shape or np.abs(got - upright).mean() > 4.0:
        raise RuntimeError("exif_transpose(exif_rotated.jpg) is not the upright rocket")


def make_sample_images(out_dir: Path = DEFAULT_OUT_DIR) -> list[Path]:
    """Write every sample image into ``out_dir`` and return the written paths."""
    out_dir = Path(out_dir)
    (out_dir / "modes").mkdir(parents=True, exist_ok=True)

    for name, filename in PHOTO_FILES.items():
        img = _photo(name)
        if img.mode == "L":
            _save_png(img, out_dir / filename)
        else:
            _save_jpeg(img, out_dir / filename)

    _save_png(checkerboard(), out_dir / "checkerboard.png")
    _save_png(gradient_ramp(), out_dir / "gradient_ramp.png")
    _save_png(zone_plate(), out_dir / "zone_plate.png")

    _save_png(rgba_chelsea(), out_dir / "modes" / "rgba.png")
    _save_png(palette_coffee(), out_dir / "modes" / "palette.png")
    _save_png(gray16_camera(), out_dir / "modes" / "gray16.png")
    stored, exif = exif_rotated_rocket()
    _save_jpeg(stored, out_dir / "modes" / "exif_rotated.jpg", exif=exif)

    _verify(out_dir)
    return [out_dir / f for f in ALL_FILES]


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "out_dir",
        nargs="?",
        type=Path,
        default=DEFAULT_OUT_DIR,
        help=f"output directory (default: {DEFAULT_OUT_DIR})",
    )
    args = parser.parse_args(argv)
    paths = make_sample_images(args.out_dir)
    total = sum(p.stat().st_size for p in paths)
    for p in paths:
        print(f"{p.stat().st_size:>9,d}  {p}")
    print(f"{total:>9,d}  total bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
