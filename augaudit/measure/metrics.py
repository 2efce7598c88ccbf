"""Fidelity metrics between a reference image and a transformed one: PSNR and SSIM.

Pure functions in the style of :mod:`skimage.metrics`: the value range is always
passed explicitly as ``data_range`` (never guessed from the dtype), images are
``(C, H, W)`` torch tensors or numpy arrays, and an optional ``(H, W)`` mask
restricts the comparison to the pixels a transform is expected to preserve.

SSIM is computed in the inputs' dtype: float32 stays float32, float64 stays float64,
float16/bfloat16 are computed in float32 and integers in float64 (the promotion rule
scikit-image uses); the final mean is accumulated in float64. One image per call. Each
channel is shifted by the mean of the two images before the local moments are taken, which
leaves SSIM unchanged but keeps the float32 result within a few 1e-6 of the float64 one even
on images with large flat areas.

This module imports torch at the top; it is only imported when a pipeline runs.
"""

from __future__ import annotations

import math
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import torch

from augaudit.measure.ssim_map import SSIM_K1, SSIM_K2, SSIM_SIGMA, SSIM_WINDOW, ssim_map_sum

# Wang et al.'s constants are defined beside the kernel and are public here.
from augaudit.model import PSNR_CAP

__all__ = [
    "MASK_THRESHOLD",
    "PSNR_CAP",
    "SSIM_K1",
    "SSIM_K2",
    "SSIM_SIGMA",
    "SSIM_WINDOW",
    "psnr",
    "ssim",
]

ImageLike: TypeAlias = torch.Tensor | npt.NDArray[Any]


#: A non-bool mask marks a pixel as "in" when its value is at least this.
#: Slightly below 1 so that coverage masks made by resampling an all-ones image,
#: where round-off leaves values just under 1, still count as fully inside.
MASK_THRESHOLD: float = 0.999

_RADIUS = SSIM_WINDOW // 2


def _as_tensor(image: ImageLike, name: str) -> torch.Tensor:
    if isinstance(image, torch.Tensor):
        # Metrics are measurements, not part of a graph.
        return image.detach()
    if isinstance(image, np.ndarray):
        # torch.from_numpy shares memory but refuses negative strides (e.g.
        # a[::-1]) and warns on read-only arrays; copying those is cheap and rare.
        if not image.flags.writeable or any(s < 0 for s in image.strides):
            image = np.array(image)
        return torch.from_numpy(image)
    raise TypeError(f"{name} must be a torch.Tensor or numpy.ndarray, got {type(image).__name__}")


def _as_image_pair(reference: ImageLike, test: ImageLike) -> tuple[torch.Tensor, torch.Tensor]:
    ref = _as_tensor(reference, "reference")
    tst = _as_tensor(test, "test")
    if ref.ndim != 3:
        raise ValueError(
            f"reference must have shape (C, H, W), got {tuple(ref.shape)}"
            " (use image[None] for a single-channel (H, W) image)"
        )
    if ref.shape != tst.shape:
        raise ValueError(
            f"reference and test must have the same shape, got {tuple(ref.shape)}"
            f" and {tuple(tst.shape)}"
        )
    for t, name in ((ref, "reference"), (tst, "test")):
        if t.is_complex():
            raise TypeError(f"{name} must be real-valued, got {t.dtype}")
    if tst.device != ref.device:
        tst = tst.to(ref.device)
    return ref, tst


def _as_mask(mask: ImageLike, shape: tuple[int, int], device: torch.device) -> torch.Tensor:
    m = _as_tensor(mask, "mask")
    if tuple(m.shape) != shape:
        raise ValueError(f"mask must have shape (H, W) = {shape}, got {tuple(m.shape)}")
    if m.dtype != torch.bool:
        m = m >= MASK_THRESHOLD
    return m.to(device)


def _check_data_range(data_range: float) -> float:
    value = float(data_range)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"data_range must be a finite positive number, got {data_range!r}")
    return value


def _working_dtype(a: torch.dtype, b: torch.dtype) -> torch.dtype:
    # skimage's _supported_float_type rule: half precision is computed in
    # float32, integers and bool in float64, then the two are promoted.
    def lift(dt: torch.dtype) -> torch.dtype:
        if dt in (torch.float16, torch.bfloat16):
            return torch.float32
        if dt.is_floating_point:
            return dt
        return torch.float64

    return torch.promote_types(lift(a), lift(b))


def _psnr_from_mse(mse: float, data_range: float) -> float:
    if math.isnan(mse):
        return math.nan
    if mse == 0.0:
        return PSNR_CAP
    ratio = data_range * data_range / mse
    if ratio == 0.0:  # mse overflowed to inf
        return -math.inf
    return min(10.0 * math.log10(ratio), PSNR_CAP)


def psnr(
    reference: ImageLike,
    test: ImageLike,
    *,
    data_range: float,
    mask: ImageLike | None = None,
) -> float | None:
    """Peak signal-to-noise ratio of `test` against `reference`, in dB.

    ``PSNR = 10 * log10(data_range**2 / MSE)``, where MSE is the mean squared
    difference over all channels and over the pixels selected by `mask`. The
    squared differences are accumulated in float64 whatever the input dtype.

    Parameters
    ----------
    reference : torch.Tensor or numpy.ndarray, shape (C, H, W)
        The image before the transform, in value units (e.g. 0..255 or 0..1).
        Numpy arrays are wrapped without copying where possible.
    test : torch.Tensor or numpy.ndarray, shape (C, H, W)
        The image after the transform, same shape and value units as `reference`.
    data_range : float
        Peak-to-peak range of the values, in the images' value units: 255 for
        images in 0..255, 1.0 for images in 0..1. Must be finite and positive.
    mask : torch.Tensor or numpy.ndarray, shape (H, W), optional
        Pixels to compare. A bool mask is used as is; any other dtype is
        thresholded with ``mask >= MASK_THRESHOLD`` (0.999), so a float mask in
        [0, 1] counts only pixels that are fully inside. The same pixels are used
        in every channel. None compares all pixels.

    Returns
    -------
    float or None
        PSNR in dB, at most ``PSNR_CAP`` (200.0 dB); identical inputs give
        exactly 200.0. None when no pixel is compared (empty mask or an image
        with no pixels). NaN when the inputs contain NaN.

    Raises
    ------
    ValueError
        If the shapes are not (C, H, W) and equal, the mask shape is not (H, W),
        or `data_range` is not finite and positive.
    TypeError
        If an input is neither a tensor nor an array, or is complex.

    Notes
    -----
    Without a mask this equals
    ``skimage.metrics.peak_signal_noise_ratio(reference, test, data_range=...)``
    below the cap.
    """
    ref, tst = _as_image_pair(reference, test)
    dr = _check_data_range(data_range)
    # float64 before subtracting: the difference of two float32 values is then
    # exact, and the sum of 10^6 squared errors does not lose digits.
    sq = (ref.to(torch.float64) - tst.to(torch.float64)).square_()
    if mask is None:
        return _psnr_from_mse(float(sq.mean()), dr) if sq.numel() else None
    m = _as_mask(mask, (ref.shape[1], ref.shape[2]), ref.device)
    count = int(m.sum()) * ref.shape[0]
    if count == 0:
        return None
    # where() rather than indexing: no gather, and NaN outside the mask is dropped.
    return _psnr_from_mse(float(torch.where(m, sq, 0.0).sum()) / count, dr)


def ssim(
    reference: ImageLike,
    test: ImageLike,
    *,
    data_range: float,
    mask: ImageLike | None = None,
) -> float | None:
    """Mean structural similarity (SSIM) of `test` against `reference`.

    SSIM exactly as defined by Wang et al. [1]_: an 11x11 Gaussian window with
    sigma = 1.5 pixels, K1 = 0.01, K2 = 0.03, population (not sample) variances
    and covariance. The SSIM map is evaluated only where the window lies fully
    inside the image, giving an (H - 10, W - 10) map per channel; the result is
    the mean over that map, then the mean over channels.

    It matches ``skimage.metrics.structural_similarity(reference, test,
    channel_axis=0, gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False, data_range=data_range)``.

    Parameters
    ----------
    reference : torch.Tensor or numpy.ndarray, shape (C, H, W)
        The image before the transform, in value units (e.g. 0..255 or 0..1).
        Numpy arrays are wrapped without copying where possible.
    test : torch.Tensor or numpy.ndarray, shape (C, H, W)
        The image after the transform, same shape and value units as `reference`.
    data_range : float
        Peak-to-peak range of the values, in the images' value units: 255 for
        images in 0..255, 1.0 for images in 0..1. Sets the stabilising constants
        C1 = (K1 * data_range)**2 and C2 = (K2 * data_range)**2 (value units
        squared). Must be finite and positive.
    mask : torch.Tensor or numpy.ndarray, shape (H, W), optional
        Pixels whose SSIM counts: map position (i, j) is averaged when its window
        centre, pixel (i + 5, j + 5), is in the mask. A bool mask is used as is;
        any other dtype is thresholded with ``mask >= MASK_THRESHOLD`` (0.999).
        The windows themselves are not masked. None averages the whole map.

    Returns
    -------
    float or None
        Mean SSIM, dimensionless, in [-1, 1] (1 for identical images). None
        when H or W is smaller than 11 (no window fits), when C is 0, or when
        no map position has its centre in the mask. NaN when the inputs
        contain NaN.

    Raises
    ------
    ValueError
        If the shapes are not (C, H, W) and equal, the mask shape is not (H, W),
        or `data_range` is not finite and positive.
    TypeError
        If an input is neither a tensor nor an array, or is complex.

    References
    ----------
    .. [1] Z. Wang, A. C. Bovik, H. R. Sheikh and E. P. Simoncelli, "Image
       quality assessment: From error visibility to structural similarity",
       IEEE Transactions on Image Processing, 13(4), 600-612, 2004.
       :doi:`10.1109/TIP.2003.819861`
    """
    ref, tst = _as_image_pair(reference, test)
    dr = _check_data_range(data_range)
    c, h, w = ref.shape
    # Validate the mask before the size check so a wrong mask is always an error.
    m = None if mask is None else _as_mask(mask, (h, w), ref.device)
    if h < SSIM_WINDOW or w < SSIM_WINDOW or c == 0:
        return None
    centres = None if m is None else m[_RADIUS : h - _RADIUS, _RADIUS : w - _RADIUS]
    dtype = _working_dtype(ref.dtype, tst.dtype)
    total, count = ssim_map_sum(ref, tst, dtype, dr, centres)
    if count == 0:
        return None
    # SSIM cannot exceed 1; float32 rounding can put a near-identical pair
    # a few 1e-8 above it, which a report would show as 1.00000001.
    return min(total / count, 1.0)
