"""The SSIM map's sum over a (C, H, W) pair: blocked, separable, in place.

The arithmetic behind :func:`augaudit.measure.metrics.ssim`, which validates inputs
and documents the definition; kept apart because it is all about memory
traffic (block sizes, reused buffers), not about what SSIM means.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import torch

#: SSIM constants of Wang et al. (2004).
SSIM_K1: float = 0.01
SSIM_K2: float = 0.03
SSIM_SIGMA: float = 1.5
SSIM_WINDOW: int = 11

_RADIUS = SSIM_WINDOW // 2


def _gaussian_weights() -> tuple[float, ...]:
    # Same expression and normalisation as scipy.ndimage._gaussian_kernel1d
    # (which skimage uses), so the float64 path agrees to rounding error.
    x = np.arange(-_RADIUS, _RADIUS + 1)
    phi = np.exp(-0.5 / (SSIM_SIGMA * SSIM_SIGMA) * x**2)
    phi = phi / phi.sum()
    return tuple(float(v) for v in phi)


_WEIGHTS = _gaussian_weights()


# Size of the moment stack per block of rows. A block's working set then
# stays in L2/L3 and its buffers stay below glibc's mmap/trim thresholds. A
# whole-image pass on 512x512 RGB float32 allocates ~60 MB that is page-faulted
# in afresh on every call: measured ~26 ms against ~10 ms blocked (2 threads).
_BLOCK_BYTES = 4 * 1024 * 1024


def _gaussian_valid(stack: torch.Tensor, rows: torch.Tensor, out: torch.Tensor) -> None:
    # Separable 11-tap Gaussian over the last two axes, "valid" region only:
    # stack (..., h + 10, w + 10) -> out (..., h, w), using rows (..., h, w + 10)
    # as scratch. Shifted slices with in-place axpy make each tap one fused
    # pass over memory with no padding, and the four maps of all channels go
    # through each tap together, so there are 22 ops per block whatever C is.
    w = _WEIGHTS
    h = out.shape[-2]
    v = out.shape[-1]
    torch.mul(stack[..., 0:h, :], w[0], out=rows)
    for k in range(1, SSIM_WINDOW):
        rows.add_(stack[..., k : k + h, :], alpha=w[k])
    torch.mul(rows[..., 0:v], w[0], out=out)
    for k in range(1, SSIM_WINDOW):
        out.add_(rows[..., k : k + v], alpha=w[k])


# Buffers of the last two image sizes, per thread: a fresh 2-4 MB buffer is
# page-faulted in on every call (the audit loop's four 224x224 SSIMs a sample
# measured 16 -> 14 ms with them kept). Per thread, so concurrent callers never
# share one.
_WORKSPACES = threading.local()
_MAX_WORKSPACES = 2


def _workspace(
    c: int, block: int, w: int, dtype: torch.dtype, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    cache: dict[tuple[Any, ...], tuple[torch.Tensor, ...]] = _WORKSPACES.__dict__.setdefault(
        "cache", {}
    )
    key = (c, block, w, dtype, device)
    if key not in cache:
        if len(cache) >= _MAX_WORKSPACES:
            cache.clear()
        opts: dict[str, Any] = {"dtype": dtype, "device": device}
        wv = w - 2 * _RADIUS
        # Normal tensors even when the first call runs in inference mode:
        # inference tensors refuse in-place writes outside it, on a later call.
        with torch.inference_mode(False):
            cache[key] = (
                torch.empty((4, c, block + 2 * _RADIUS, w), **opts),
                torch.empty((4, c, block, w), **opts),
                torch.empty((4, c, block, wv), **opts),
                torch.empty((2, c, block, wv), **opts),
            )
    stack, rows, moments, scratch = cache[key]
    return stack, rows, moments, scratch


def ssim_map_sum(
    x: torch.Tensor,
    y: torch.Tensor,
    dtype: torch.dtype,
    data_range: float,
    centres: torch.Tensor | None,
) -> tuple[float, int]:
    # Sum (in float64) and count of the SSIM map of (C, H, W) images over the
    # valid (H - 10, W - 10) region, restricted to `centres` (a bool mask over
    # that region) when given. Computed in `dtype`, one block of rows at a time.
    c, h, w = x.shape
    hv = h - 2 * _RADIUS
    c1 = (SSIM_K1 * data_range) ** 2
    c2 = (SSIM_K2 * data_range) ** 2
    # Variances and covariance are computed as E[x^2] - mu^2, which cancels
    # badly in float32 where windows are nearly flat. They do not change when
    # both images are shifted by the same constant, so shift each channel by
    # the mean of the two images: on a posterised photo this takes the float32
    # error against the float64 result from 2e-5 down to 1e-6. The shift is
    # symmetric in x and y so that ssim(a, b) == ssim(b, a) exactly.
    mean_x = x.mean(dim=(1, 2), keepdim=True, dtype=dtype)
    mean_y = y.mean(dim=(1, 2), keepdim=True, dtype=dtype)
    shift = (mean_x + mean_y) * 0.5
    # SSIM needs var_x + var_y, never each alone, so four maps are filtered
    # (x, y, x^2 + y^2, xy) instead of five: the filter is most of the cost.
    row_bytes = 4 * c * w * dtype.itemsize
    block = max(1, min(hv, _BLOCK_BYTES // row_bytes - 2 * _RADIUS))
    stack, rows, moments, scratch = _workspace(c, block, w, dtype, x.device)
    total = torch.zeros((), dtype=torch.float64, device=x.device)
    count = 0
    for r0 in range(0, hv, block):
        b = min(block, hv - r0)
        st = stack[:, :, : b + 2 * _RADIUS]
        src = slice(r0, r0 + b + 2 * _RADIUS)
        # The subtraction also casts to `dtype`, so inputs are never copied whole.
        torch.sub(x[:, src], shift, out=st[0])
        torch.sub(y[:, src], shift, out=st[1])
        torch.mul(st[0], st[0], out=st[2])
        torch.mul(st[1], st[1], out=st[3])
        st[2].add_(st[3])
        torch.mul(st[0], st[1], out=st[3])
        mom = moments[:, :, :b]
        _gaussian_valid(st, rows[:, :, :b], mom)
        mu_x, mu_y, e_ss, e_xy = mom
        t, u = scratch[:, :, :b]
        # Population (biased) moments, as in Wang et al. Each product is rounded
        # before it is summed (no addcmul) so that x and y play the same part.
        torch.mul(mu_x, mu_x, out=t)
        torch.mul(mu_y, mu_y, out=u)
        var_sum = e_ss.sub_(t.add_(u)).add_(c2)  # var_x + var_y + C2
        cov = e_xy.sub_(torch.mul(mu_x, mu_y, out=t)).mul_(2.0).add_(c2)  # 2 cov + C2
        mu_x.add_(shift)
        mu_y.add_(shift)
        num = torch.mul(mu_x, mu_y, out=t).mul_(2.0).add_(c1).mul_(cov)
        den = mu_x.square_().add_(mu_y.square_()).add_(c1).mul_(var_sum)
        smap = num.div_(den)
        # Every channel has the same masked positions, so the flat mean is the
        # mean of the per-channel means.
        sel = smap if centres is None else smap[:, centres[r0 : r0 + b]]
        # Sum the last axis in the working dtype (torch sums floats in a
        # cascade, so float32 stays near 1e-7 relative), then across rows in
        # float64: no float64 copy of the block, no loss over a large image.
        total += sel.sum(dim=-1).sum(dtype=torch.float64)
        count += sel.numel()
    return float(total), count
