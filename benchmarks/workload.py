"""The benchmark's workload: photos cut from sample_images/, the 6-stage pipeline, a plain run.

The photos are real ones (the scikit-image photos shipped in sample_images/),
cropped and resized to 512x512 so every image costs the same; noise would make
SSIM and the colour stages unrepresentative.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = ROOT / "sample_images"
PHOTOS = ("astronaut.jpg", "camera.png", "chelsea.jpg", "coffee.jpg", "rocket.jpg")

# The pipeline, in its order. Input is a uint8 tensor (what ToDtype
# expects); the ColorJitter strengths and the 224 crop are those of
# configs/well_built.yaml, the usual ImageNet training recipe.
PIPELINE_YAML = """\
api: v2
input: uint8
pipeline:
  - RandomResizedCrop: {size: 224, scale: [0.35, 1.0], antialias: true}
  - RandomRotation: {degrees: 15, interpolation: bilinear}
  - ColorJitter: {brightness: 0.2, contrast: 0.2, saturation: 0.2, hue: 0.05}
  - RandomHorizontalFlip
  - ToDtype: {dtype: float32, scale: true}
  - Normalize: {mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}
"""


def make_photos(out_dir: Path, count: int, size: int = 512) -> list[Path]:
    """``count`` PNG photos of ``size`` x ``size``: crops of the sample photos at several scales.

    Deterministic: crop boxes are fixed fractions of each photo, so every run
    of the benchmark measures the same pixels.
    """
    from PIL import Image

    out_dir.mkdir(parents=True, exist_ok=True)
    sources = [Image.open(SAMPLES_DIR / name).convert("RGB") for name in PHOTOS]
    # (left, top, side) as fractions of the photo's shorter side, cycled.
    boxes = [(0.0, 0.0, 1.0), (0.1, 0.05, 0.8), (0.25, 0.2, 0.6), (0.0, 0.3, 0.7)]
    boxes += [(0.3, 0.0, 0.7), (0.15, 0.15, 0.5), (0.05, 0.4, 0.55)]
    paths = []
    for i in range(count):
        src = sources[i % len(sources)]
        fx, fy, fs = boxes[(i // len(sources)) % len(boxes)]
        w, h = src.size
        side = int(min(w, h) * fs)
        left = int(fx * (w - side)) if w > side else 0
        top = int(fy * (h - side)) if h > side else 0
        crop = src.crop((left, top, left + side, top + side))
        img = crop.resize((size, size), Image.Resampling.BICUBIC)
        path = out_dir / f"photo_{i:03d}.png"
        img.save(path)
        paths.append(path)
    return paths


def write_spec(out_dir: Path) -> Path:
    path = out_dir / "bench_pipeline.yaml"
    path.write_text(PIPELINE_YAML)
    return path


def plain_inputs(images_dir: Path) -> list[tuple[str, Any]]:
    """(display name, loaded PIL image) pairs, found and loaded exactly as the audit does."""
    from augaudit.sources.images import discover, load

    return [(s.display, load(s.path, "rgb").image) for s in discover([str(images_dir)])]


def plain_run(transforms: list[Any], loaded: list[tuple[str, Any]], samples: int, seed: int) -> Any:
    """The pipeline alone: same inputs, samples and per-stage seeds as the audit, no measuring."""
    from augaudit.measure.seeding import seed_everything, stage_seed
    from augaudit.sources.inputs import make_input

    out = None
    for key, image in loaded:
        for sample in range(samples):
            out = make_input(image, "uint8")
            for index, transform in enumerate(transforms):
                seed_everything(stage_seed(seed, key, sample, index + 1))
                out = transform(out)
    return out


# The stages of PIPELINE_YAML after which the (real, reference) pair is a new
# one. The flip mirrors it, ToDtype and Normalize move it by rounding only, so
# the audit carries SSIM over there (augaudit.measure.stage_metrics.fidelity); the floor
# counts no SSIM for them.
PAIR_CHANGING_STAGES = (0, 1, 2)


def _outputs(
    transforms: list[Any], x: Any, key: str, sample: int, seed: int, dtype: Any
) -> list[Any]:
    from augaudit.measure.seeding import seed_everything, stage_seed

    outputs = []
    for index, transform in enumerate(transforms):
        seed_everything(stage_seed(seed, key, sample, index + 1))
        x = transform(x)
        if dtype is not None:  # the reference stays in its precision (ToDtype would change it)
            x = x.to(dtype)
        outputs.append(x)
    return outputs


def floor_run(
    transforms: list[Any], loaded: list[tuple[str, Any]], samples: int, seed: int, dtype: Any
) -> tuple[float, float]:
    """Seconds of the work no audit as issue 5 defines it can skip, beyond the pipeline itself.

    Returns (the reference run, the SSIMs): every stage again on a ``dtype``
    copy in [0, 1] with the same seeds, and SSIM in float32 of the real output
    against it after each stage that makes a new pair. The real outputs are
    made untimed: the pipeline's own time is :func:`plain_run`'s.
    """
    import time

    from augaudit.measure.metrics import ssim
    from augaudit.sources.inputs import make_input

    reference_s = ssim_s = 0.0
    for key, image in loaded:
        for sample in range(samples):
            real = _outputs(transforms, make_input(image, "uint8"), key, sample, seed, None)
            start = time.perf_counter()
            x = make_input(image, "uint8").to(dtype) / 255.0
            reference = _outputs(transforms, x, key, sample, seed, dtype)
            middle = time.perf_counter()
            for index in PAIR_CHANGING_STAGES:
                ssim(reference[index].float(), real[index].float() / 255.0, data_range=1.0)
            ssim_s += time.perf_counter() - middle
            reference_s += middle - start
    return reference_s, ssim_s
