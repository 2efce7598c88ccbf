"""Peak memory per pixel of auditing one image, the number ``--jobs`` is fitted with.

Each measurement runs in a fresh interpreter: imports and a warm-up audit of a small
image first, then one audit of a large image; the rise of the peak resident set
(``ru_maxrss``) over the warm-up's, divided by the image's pixels, is the cost per pixel.
Printed next to ``augaudit.execution.memory.PEAK_BYTES_PER_PIXEL``.

    python benchmarks/memory_per_pixel.py [SIDE ...]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

# The pipelines that cost most: float at full resolution, with resampling.
FLOAT_SPEC = """\
pipeline:
  - ToImage
  - ToDtype: {dtype: float32, scale: true}
  - RandomRotation: {degrees: 15, interpolation: bilinear}
  - ColorJitter: {brightness: 0.2, contrast: 0.2}
  - Normalize: {mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}
"""
PIL_SPEC = """\
pipeline:
  - RandomResizedCrop: {size: 448, antialias: true}
  - RandomRotation: {degrees: 15, interpolation: bilinear}
  - ColorJitter: {brightness: 0.2}
  - PILToTensor
  - ToDtype: {dtype: float32, scale: true}
"""

MEASURE = """
import json, resource, sys
import numpy as np
from PIL import Image
import augaudit

spec, folder, side, samples = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def picture(size, name):
    yy, xx = np.mgrid[0:size, 0:size]
    base = np.sin(xx / 17.0) * 60 + np.cos(yy / 23.0) * 60 + 128
    rgb = np.stack([base, base[::-1], base[:, ::-1]], -1)
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(f"{folder}/{name}")
    return f"{folder}/{name}"
small, large = picture(64, "small.png"), picture(side, "large.png")
augaudit.audit(spec, [small], samples=samples)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
augaudit.audit(spec, [large], samples=samples)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"pixels": side * side, "rise": after - before, "base": before}))
"""


def measure(spec_text: str, side: int, samples: int = 4) -> dict[str, int]:
    """The peak's rise in bytes for one ``side`` x ``side`` image, in a fresh interpreter."""
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "spec.yaml"
        spec.write_text(spec_text)
        done = subprocess.run(
            [sys.executable, "-c", MEASURE, str(spec), folder, str(side), str(samples)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    return json.loads(done.stdout.splitlines()[-1])


def main(sides: list[int]) -> None:
    from augaudit.execution.memory import PEAK_BYTES_PER_PIXEL

    print(f"budget: {PEAK_BYTES_PER_PIXEL} bytes per pixel (augaudit.execution.memory)")
    for name, spec in (("float at full resolution", FLOAT_SPEC), ("PIL, crop to 448", PIL_SPEC)):
        for side in sides:
            got = measure(spec, side)
            per_pixel = got["rise"] / got["pixels"]
            print(
                f"{name:26s} {side}x{side} ({got['pixels'] / 1e6:.2f} MP): peak +"
                f"{got['rise'] / 2**20:7.0f} MiB over a {got['base'] / 2**20:.0f} MiB base, "
                f"{per_pixel:6.0f} bytes per pixel ({per_pixel / PEAK_BYTES_PER_PIXEL:.2f}x budget)"
            )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 2000, 3000])
