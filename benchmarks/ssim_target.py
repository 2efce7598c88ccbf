"""Target 2: augaudit's SSIM against kornia's and scikit-image's, one image per call.

Pairs are (photo, distorted photo) in float32 (3, 512, 512) in [0, 1]; the
distortion is seeded Gaussian noise plus a one-pixel shift, so SSIM is far from
1 and every code path does real work. Each library gets the same pairs in its
own layout, prepared before the clock starts.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

WANG = {
    "channel_axis": 0,
    "gaussian_weights": True,
    "sigma": 1.5,
    "use_sample_covariance": False,
    "data_range": 1.0,
}


def _pairs(paths: list[Path]) -> list[tuple[Any, Any]]:
    import numpy as np
    import torch
    from PIL import Image

    rng = np.random.default_rng(2004)
    pairs = []
    for path in paths:
        img = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255.0
        ref = np.ascontiguousarray(img.transpose(2, 0, 1))
        noise = np.asarray(rng.normal(0.0, 0.03, ref.shape), dtype=np.float32)
        noisy = np.roll(ref, 1, axis=2) + noise
        test = np.asarray(np.clip(noisy, 0.0, 1.0), dtype=np.float32)
        pairs.append((torch.from_numpy(ref), torch.from_numpy(test)))
    return pairs


Pairs = list[tuple[Any, Any]]


def _per_call(
    fns: Mapping[str, Callable[[Any, Any], Any]], inputs: Mapping[str, Pairs], repeats: int
) -> dict[str, float]:
    """Median seconds per call of each function, alternating them pair by pair.

    Alternating means every implementation sees the same machine load; one
    warm-up call each goes first.
    """
    times: dict[str, list[float]] = {name: [] for name in fns}
    for name, fn in fns.items():
        fn(*inputs[name][0])
    for _ in range(repeats):
        for i in range(len(inputs[next(iter(fns))])):
            for name, fn in fns.items():
                start = time.perf_counter()
                fn(*inputs[name][i])
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def measure(paths: list[Path], repeats: int) -> dict[str, float]:
    """Per-image seconds for each implementation, and the largest disagreement."""
    import kornia.metrics
    import torch
    from skimage.metrics import structural_similarity

    from augaudit.measure.metrics import ssim

    pairs = _pairs(paths)
    np_pairs = [(a.numpy(), b.numpy()) for a, b in pairs]
    batched = [(a[None], b[None]) for a, b in pairs]

    def ours(a: Any, b: Any) -> Any:
        return ssim(a, b, data_range=1.0)

    def kornia_ssim(a: Any, b: Any) -> Any:
        return kornia.metrics.ssim(a, b, 11, max_val=1.0, padding="valid").mean()

    def skimage_ssim(a: Any, b: Any) -> Any:
        return structural_similarity(a, b, **WANG)

    fns = {"ours": ours, "kornia": kornia_ssim, "skimage": skimage_ssim}
    inputs = {"ours": pairs, "kornia": batched, "skimage": np_pairs}
    # On torch's default thread count (as a user calls them), then on one
    # thread (as the audit runs every image); scikit-image always has one.
    threads = torch.get_num_threads()
    result: dict[str, float] = {"threads": threads, **_per_call(fns, inputs, repeats)}
    torch.set_num_threads(1)
    try:
        single = _per_call(fns, inputs, repeats)
    finally:
        torch.set_num_threads(threads)
    result.update({f"{name}_1": value for name, value in single.items()})
    # Agreement: ours in float32 against scikit-image in float64 on the same
    # values (its exact answer) and against scikit-image's own float32 path.
    worst64 = worst32 = 0.0
    for (a, b), (na, nb) in zip(pairs, np_pairs, strict=True):
        mine = ours(a, b)
        worst64 = max(worst64, abs(mine - skimage_ssim(na.astype("float64"), nb.astype("float64"))))
        worst32 = max(worst32, abs(mine - float(skimage_ssim(na, nb))))
    result["diff_vs_f64"] = worst64
    result["diff_vs_f32"] = worst32
    return result
