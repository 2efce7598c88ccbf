"""Finding and opening the images to audit.

Discovery and loading never import torch. A file that cannot be used is
reported with a one-line reason and the run goes on.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image, ImageOps, UnidentifiedImageError

from augaudit.errors import InputError
from augaudit.model.report import NO_LOSS, LoadingLoss
from augaudit.sources.paths import display_path

ModeChoice = Literal["rgb", "keep"]
MODE_CHOICES: tuple[str, ...] = ("rgb", "keep")


@dataclass(frozen=True)
class ImageSource:
    """An image file: where it is on disk and how reports name it (never absolute)."""

    path: Path
    display: str


class ImageSkipped(Exception):
    """The file is not a usable image; ``str()`` is the one-line reason."""


#: Pillow decoders augaudit opens: raster formats decoded by Pillow itself. Left out: EPS
#: (runs Ghostscript, an interpreter), WMF/EMF and the stub formats that need an outside
#: handler (BUFR, GRIB, HDF5, FITS), and containers of other things (MPEG, IPTC).
DECODERS: tuple[str, ...] = (
    "AVIF", "BLP", "BMP", "CUR", "DCX", "DDS", "DIB", "FLI", "FTEX", "GBR", "GIF", "ICNS",
    "ICO", "IM", "IMT", "JPEG", "JPEG2000", "MSP", "PCD", "PCX", "PIXAR", "PNG", "PPM",
    "PSD", "QOI", "SGI", "SPIDER", "SUN", "TGA", "TIFF", "WEBP", "XBM", "XPM", "XVTHUMB",
)  # fmt: skip


def _refused_format(path: Path) -> str | None:
    """The format Pillow would have read the file as, among those never opened (header only)."""
    try:
        with path.open("rb") as file:
            head = file.read(64)
    except OSError:
        return None
    for fmt, (_, accept) in sorted(Image.OPEN.items()):
        if fmt not in DECODERS and accept is not None:
            with contextlib.suppress(Exception):
                if accept(head):
                    return fmt
    return None


def _image_extensions() -> frozenset[str]:
    return frozenset(
        ext.lower() for ext, fmt in Image.registered_extensions().items() if fmt in DECODERS
    )


def _unique_displays(initial: dict[Path, str]) -> dict[Path, str]:
    """Widen display names with parent folders where two different files share one."""
    names = dict(initial)
    for _ in range(64):
        seen: dict[str, list[Path]] = {}
        for path, name in names.items():
            seen.setdefault(name, []).append(path)
        clashes = [group for group in seen.values() if len(group) > 1]
        if not clashes:
            break
        for group in clashes:
            for path in group:
                parts = path.absolute().parts
                wider = len(Path(names[path]).parts) + 1
                names[path] = Path(*parts[max(1, len(parts) - wider) :]).as_posix()
    return names


def discover(inputs: Iterable[str]) -> list[ImageSource]:
    """Image files from files and folders (folders searched recursively), sorted.

    A file named explicitly is taken whatever its extension; in folders only
    files with an extension Pillow knows are taken, hidden ones skipped.
    Absolute folders outside the working directory are shown from their own
    name down.

    Raises
    ------
    InputError
        An input does not exist, or no image file was found at all.
    """
    exts = _image_extensions()
    files: dict[Path, Path] = {}  # resolved path -> path as found (dedupes repeats)
    shown: dict[Path, str] = {}  # path as found -> its display name
    for arg in inputs:
        root = Path(arg)
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                # Sorted so that of two links to one file, the same one is kept on every run.
                for name in sorted(filenames):
                    path = Path(dirpath) / name
                    if name.startswith(".") or path.suffix.lower() not in exts:
                        continue
                    files.setdefault(_identity(path), path)
                    outside = root.is_absolute() and not path.is_relative_to(Path.cwd())
                    rel = path.relative_to(root.parent) if outside else path
                    shown[path] = display_path(rel)
        elif os.path.lexists(root):
            # Any other directory entry named explicitly (a file, a broken or looping link,
            # a FIFO) is listed; load() says why it cannot be used.
            files.setdefault(_identity(root), root)
            shown[root] = display_path(root)
        else:
            raise InputError(
                "no such file or folder", where=arg, hint="pass image files or folders of images"
            )
    if not files:
        raise InputError(
            "no image files found in " + ", ".join(inputs),
            hint="pass image files or folders holding .jpg/.png/... files",
        )
    names = _unique_displays({p: shown[p] for p in files.values()})
    sources = [ImageSource(p, name) for p, name in names.items()]
    return sorted(sources, key=lambda s: s.display)


def _identity(path: Path) -> Path:
    """The file a path stands for, so that two names of one file are audited once."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
        return path.absolute()


@dataclass(frozen=True)
class LoadedImage:
    """An opened image as the pipeline will receive it, plus what the file was."""

    image: Image.Image
    file_mode: str
    size: tuple[int, int]
    notes: tuple[str, ...]
    loss: LoadingLoss = NO_LOSS


def load(path: Path, mode: ModeChoice = "rgb") -> LoadedImage:
    """Open an image with Pillow, apply its EXIF orientation, and convert it.

    ``mode="rgb"`` converts to RGB as ``torchvision.datasets.ImageFolder``
    does, except that 16-bit and float images are scaled to 8 bits instead of
    being clipped (Pillow's ``convert("RGB")`` clips them to white).

    Raises
    ------
    ImageSkipped
        The file is missing, empty, truncated, not an image, not a regular file,
        unreadable, or over Pillow's decompression-bomb limit.
    """
    notes: list[str] = []
    try:
        _check_file(path)
        # Pillow warns about damaged files (bad TIFF tags, broken EXIF); those become notes on
        # the image instead of text on the user's terminal.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=DECODERS) as opened:
                file_mode = opened.mode
                frames = getattr(opened, "n_frames", 1)
                if frames > 1:
                    notes.append(f"animated ({frames} frames): first frame audited")
                opened.seek(0)
                opened.load()
                orientation = opened.getexif().get(0x0112, 1)
                img = ImageOps.exif_transpose(opened)
                if img is opened:
                    img = opened.copy()
        for warning in dict.fromkeys(" ".join(str(w.message).split()) for w in caught):
            notes.append(f"Pillow warned: {warning}")
    except ImageSkipped:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageSkipped(f"too large for Pillow's decompression-bomb limit: {exc}") from exc
    except UnidentifiedImageError as exc:
        refused = _refused_format(path)
        if refused:
            raise ImageSkipped(
                f"{refused} is not opened (augaudit opens raster formats that Pillow decodes "
                "itself; some others run an outside program)"
            ) from exc
        raise ImageSkipped("not an image Pillow can identify") from exc
    except OSError as exc:
        raise ImageSkipped(f"cannot read image: {_os_reason(exc)}") from exc
    except Exception as exc:
        # Pillow's decoders raise many types on corrupt data (SyntaxError, ValueError,
        # struct.error, IndexError, ...); any of them means this file is unusable, not a bug.
        raise ImageSkipped(f"cannot read image: {_describe(exc)}") from exc
    if orientation in _ORIENTATIONS:
        notes.append(f"EXIF orientation {orientation} applied")
    loss = NO_LOSS
    if mode == "rgb":
        try:
            img, loss = to_rgb(img, notes)
        except (ValueError, OSError) as exc:  # a mode Pillow cannot convert (e.g. "La")
            raise ImageSkipped(f"cannot convert {img.mode} to RGB: {_describe(exc)}") from exc
    return LoadedImage(img, file_mode, img.size, tuple(notes), loss)


_ORIENTATIONS = (2, 3, 4, 5, 6, 7, 8)  # 1 is upright; other values are invalid and ignored


def _check_file(path: Path) -> None:
    """Refuse what Image.open would misreport or block on (a FIFO never reaches EOF)."""
    try:
        info = path.stat()
    except OSError as exc:
        raise ImageSkipped(f"cannot read image: {_os_reason(exc, path)}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ImageSkipped("not a regular file")
    if info.st_size == 0:
        raise ImageSkipped("empty file (0 bytes)")


def _os_reason(exc: OSError, path: Path | None = None) -> str:
    # str(exc) carries the absolute file name; reports never show absolute paths.
    if exc.errno == errno.ENOENT and path is not None and path.is_symlink():
        return "broken symbolic link"
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if exc.filename is not None and exc.strerror:
        return exc.strerror
    return _describe(exc)


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if len(text) > 200:
        text = text[:197] + "..."
    if not text:
        return type(exc).__name__
    return text if isinstance(exc, OSError) else f"{type(exc).__name__}: {text}"


LOSSY_ALPHA_NOTE = "alpha dropped (the file has transparent pixels)"
LOSSY_DEPTH_NOTE = "scaled to 8 bits, losing precision"


def to_rgb(img: Image.Image, notes: list[str]) -> tuple[Image.Image, LoadingLoss]:
    """RGB 8-bit, scaling rather than clipping wide modes, and what that lost.

    A loss (and a note) is recorded only when the conversion loses something:
    alpha that is not fully opaque, or wide values that are not exact multiples
    of one 8-bit step (a 16-bit file made from 8-bit data converts losslessly).
    """
    import numpy as np

    alpha_dropped = depth_squeezed = False
    if img.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        arr = np.asarray(img).astype(np.float64)
        scale = 1.0 / 257.0 if img.mode != "F" else 255.0
        if img.mode == "I" and arr.max(initial=0) <= 255:
            scale = 1.0
        scaled = arr * scale
        if not np.array_equal(scaled, np.rint(scaled)):
            depth_squeezed = True
            notes.append(f"{img.mode} {LOSSY_DEPTH_NOTE}")
        img = Image.fromarray(np.clip(np.rint(scaled), 0, 255).astype(np.uint8))
    if "A" in img.getbands() or (img.mode == "P" and "transparency" in img.info):
        alpha = np.asarray(img.convert("RGBA"))[..., 3]
        if (alpha < 255).any():
            alpha_dropped = True
            notes.append(LOSSY_ALPHA_NOTE)
    rgb = img if img.mode == "RGB" else img.convert("RGB")
    return rgb, LoadingLoss(alpha_dropped, depth_squeezed)


def header_pixels(path: Path) -> int:
    """Width x height from the file's header (nothing decoded); 0 for what would be skipped."""
    try:
        _check_file(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path, formats=DECODERS) as opened:
                width, height = opened.size
    except Exception:  # unreadable files are reported when they are loaded, not here
        return 0
    return width * height
