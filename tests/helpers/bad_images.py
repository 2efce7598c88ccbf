"""Generate the bad-image corpus: every kind of file augaudit must audit or skip without crashing.

Run as a script to write it somewhere to look at: ``python tests/helpers/bad_images.py OUT_DIR``.
``make_corpus`` returns what each file must come out as; the tests compare that with
``augaudit.sources.images`` and with the CLI's JSON report.

The two oversized PNGs are written chunk by chunk with a streamed zlib stream of zero rows, so
neither this script nor a correct loader ever holds their pixels in memory.
"""

from __future__ import annotations

import io
import os
import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

# Pillow's default limit: over it a warning (which augaudit treats as an error), over twice it
# an error. The bomb sits between the two, the 20000x20000 image above both.
PILLOW_LIMIT = 89_478_485
BOMB_SIDE = 10_000  # 1e8 pixels: over the limit, under twice the limit
HUGE_SIDE = 20_000  # 4e8 pixels


@dataclass(frozen=True)
class Case:
    """What one corpus file must come out as (substrings of the reason or of a note)."""

    name: str
    status: str  # "ok" or "skipped"
    reason: str = ""  # for skipped: a substring of the one-line reason
    note: str = ""  # for ok: a substring of one of the notes
    file_mode: str | None = None  # for ok: the mode Pillow reports for the file


def upright_pattern() -> np.ndarray:
    """A 4x6 RGB image with every pixel different, so any flip or rotation shows."""
    rows, cols = np.mgrid[0:4, 0:6]
    return np.stack([10 * rows + cols, 100 + 20 * rows, 200 + 9 * cols], axis=-1).astype(np.uint8)


def stored_for_orientation(upright: np.ndarray, orientation: int) -> np.ndarray:
    """The pixels a camera stores so that a viewer honouring ``orientation`` shows ``upright``.

    From the EXIF 2.3 table (CIPA DC-008, tag 0x0112), which says where the stored 0th row
    and 0th column are on screen. Display = D(stored) with D: 1 identity, 2 mirror left-right,
    3 rotate 180, 4 mirror top-bottom, 5 transpose, 6 rotate 90 clockwise, 7 transverse
    (transpose then rotate 180), 8 rotate 90 counter-clockwise; this returns D's inverse
    applied to ``upright``, written with numpy, independently of Pillow's own table.
    """
    inverse = {
        1: lambda a: a,
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1, :],
        5: lambda a: a.transpose(1, 0, 2),
        6: lambda a: np.rot90(a, k=1),  # undo a clockwise quarter turn
        7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),
        8: lambda a: np.rot90(a, k=-1),  # undo a counter-clockwise quarter turn
    }[orientation]
    return np.ascontiguousarray(inverse(upright))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_zero_png(path: Path, width: int, height: int, level: int = 6) -> None:
    """A valid 8-bit gray PNG of zeros, compressed row block by row block (never all in memory)."""
    with path.open("wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)))
        compressor = zlib.compressobj(level)
        block_rows = max(1, 4_000_000 // (width + 1))
        block = bytes((width + 1) * block_rows)  # filter byte 0 + zero pixels, per row
        written = 0
        while written < height:
            rows = min(block_rows, height - written)
            data = compressor.compress(block[: (width + 1) * rows])
            if data:
                out.write(_chunk(b"IDAT", data))
            written += rows
        out.write(_chunk(b"IDAT", compressor.flush()))
        out.write(_chunk(b"IEND", b""))


def _noise(height: int, width: int, channels: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(height, width, channels), dtype=np.uint8)


def _encoded(img: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt, **params)
    return buffer.getvalue()


def make_corpus(root: Path, *, big: bool = True) -> list[Case]:
    """Write the corpus into ``root/corpus`` (and a target in ``root/outside``).

    Returns one Case per file a folder walk of ``root/corpus`` lists (directories excluded).
    ``big=False`` leaves out the two oversized PNGs (about 2 s to write).
    """
    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    cases: list[Case] = []

    def image(name: str, img: Image.Image, fmt: str, case: Case, **params: object) -> None:
        (corpus / name).write_bytes(_encoded(img, fmt, **params))
        cases.append(case)

    rgb = Image.fromarray(_noise(48, 64, 3, 0))
    png = _encoded(rgb, "PNG")
    jpeg = _encoded(rgb, "JPEG", quality=90)
    (corpus / "truncated.png").write_bytes(png[: len(png) // 2])
    (corpus / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (corpus / "empty.png").write_bytes(b"")
    (corpus / "empty.jpg").write_bytes(b"")
    (corpus / "text.png").write_text("this is not an image\n")
    (corpus / "png_named.jpg").write_bytes(png)  # valid image, wrong extension
    cases += [
        Case("truncated.png", "skipped", "cannot read image"),
        Case("truncated.jpg", "skipped", "cannot read image"),
        Case("empty.png", "skipped", "empty file (0 bytes)"),
        Case("empty.jpg", "skipped", "empty file (0 bytes)"),
        Case("text.png", "skipped", "not an image Pillow can identify"),
        Case("png_named.jpg", "ok", file_mode="RGB"),
    ]
    cmyk = Image.frombytes("CMYK", (16, 16), _noise(16, 16, 4, 1).tobytes())
    image("cmyk.jpg", cmyk, "JPEG", Case("cmyk.jpg", "ok", file_mode="CMYK"))
    palette = Image.frombytes("P", (8, 8), (np.arange(64) % 4).astype(np.uint8).tobytes())
    palette.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255])
    image(
        "palette_transparent.png",
        palette,
        "PNG",
        Case("palette_transparent.png", "ok", note="alpha dropped", file_mode="P"),
        transparency=0,
    )
    la = Image.fromarray(np.dstack([_noise(8, 8, 1, 2)[..., 0], np.full((8, 8), 128, np.uint8)]))
    image("la.png", la.convert("LA"), "PNG", Case("la.png", "ok", "", "alpha dropped", "LA"))
    wide = (np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000 + 7).astype(np.uint16)
    image(
        "i16.png",
        Image.fromarray(wide),
        "PNG",
        Case("i16.png", "ok", note="scaled to 8 bits", file_mode="I;16"),
    )
    big_endian = Image.frombytes("I;16B", (8, 8), wide.astype(">u2").tobytes())
    image(
        "i16b.png",
        big_endian,
        "PNG",
        Case("i16b.png", "ok", note="scaled to 8 bits", file_mode="I;16"),
    )
    bilevel = Image.fromarray(np.arange(64).reshape(8, 8) % 3 == 0)
    image("bilevel.png", bilevel, "PNG", Case("bilevel.png", "ok", file_mode="1"))
    image(
        "one_pixel.png", Image.new("RGB", (1, 1), (10, 20, 30)), "PNG", Case("one_pixel.png", "ok")
    )
    for orientation in range(1, 9):
        stored = Image.fromarray(stored_for_orientation(upright_pattern(), orientation))
        exif = Image.Exif()
        exif[0x0112] = orientation
        name = f"exif_orientation_{orientation}.png"
        note = f"EXIF orientation {orientation} applied" if orientation > 1 else ""
        image(name, stored, "PNG", Case(name, "ok", note=note), exif=exif.tobytes())
    frames = [
        Image.new("RGB", (8, 8), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))
    ]
    frames[0].save(corpus / "animated.gif", save_all=True, append_images=frames[1:], duration=50)
    cases.append(Case("animated.gif", "ok", note="animated (3 frames): first frame audited"))
    if big:
        write_zero_png(corpus / "huge_20000.png", HUGE_SIDE, HUGE_SIDE, level=1)
        write_zero_png(corpus / "bomb.png", BOMB_SIDE, BOMB_SIDE, level=9)
        cases += [
            Case("huge_20000.png", "skipped", "decompression-bomb limit"),
            Case("bomb.png", "skipped", "decompression-bomb limit"),
        ]
    outside = root / "outside"
    outside.mkdir()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(outside / "target.png")
    os.symlink(outside / "target.png", corpus / "link_to_file.png")
    os.symlink("missing.png", corpus / "broken_link.png")
    os.symlink("self_loop.png", corpus / "self_loop.png")
    os.symlink(".", corpus / "loop_dir")  # a directory that contains itself
    fifo = corpus / "fifo.png"
    os.mkfifo(fifo)
    unreadable = corpus / "unreadable.png"
    unreadable.write_bytes(png)
    unreadable.chmod(0)
    cases += [
        Case("link_to_file.png", "ok", file_mode="RGB"),
        Case("broken_link.png", "skipped", "broken symbolic link"),
        Case("self_loop.png", "skipped", "symbolic link loop"),
        Case("fifo.png", "skipped", "not a regular file"),
        # root reads a mode-000 file anyway (CAP_DAC_OVERRIDE), so there it is audited.
        Case("unreadable.png", "ok", file_mode="RGB")
        if is_root()
        else Case("unreadable.png", "skipped", "Permission denied"),
    ]
    return cases


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "bad_image_corpus")
    for case in make_corpus(target):
        print(f"{case.status:8} {case.name}")
