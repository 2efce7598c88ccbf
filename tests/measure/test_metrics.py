"""Tests for augaudit.measure.metrics.

Sources of the reference values:

* scikit-image (>= 0.22, measured with 0.26.0) is the oracle for SSIM and PSNR:
  ``skimage.metrics.structural_similarity`` with the Wang et al. (2004) settings
  ``gaussian_weights=True, sigma=1.5, use_sample_covariance=False`` and
  ``skimage.metrics.peak_signal_noise_ratio``, both on float64 inputs.
* The photos are the ones bundled with scikit-image (``skimage.data``), so the
  tests need no network.
* The analytic PSNR values are derived in the comments next to them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.fft import dctn, idctn
from scipy.ndimage import gaussian_filter
from skimage import data
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from augaudit.measure.metrics import PSNR_CAP, psnr, ssim

# The oracle call: Wang et al. settings, channels first like augaudit's images.
WANG = {
    "gaussian_weights": True,
    "sigma": 1.5,
    "use_sample_covariance": False,
    "data_range": 1.0,
    "channel_axis": 0,
}

# Tolerances, against the largest difference measured on the 16 photo x
# distortion cases below (torch 2.14.1 on x86-64, 1 to 16 threads). float64 is
# rounding error only. float32 SSIM also pays for computing local variances as
# E[x^2] - mu^2 in float32, worst on posterize's flat areas (without the mean
# shift in augaudit.measure.metrics it reaches 2.2e-5 on camera/posterize; skimage's own
# float32 path is 3.6e-6 off). float32 PSNR differs only by the rounding of the
# inputs to float32, which is deterministic.
SSIM_TOL_F64 = 1e-12  # measured 1.2e-14
SSIM_TOL_F32 = 1e-5  # measured 2.5e-6 (camera, posterize)
PSNR_TOL_F64 = 1e-10  # dB; measured 0
PSNR_TOL_F32 = 1e-6  # dB; measured 5.1e-7

PHOTOS = ("astronaut", "coffee", "chelsea", "camera")


@functools.cache
def photo(name: str) -> np.ndarray:
    """A bundled scikit-image photo as float64 (C, H, W) in [0, 1]."""
    img = getattr(data, name)().astype(np.float64) / 255.0
    if img.ndim == 2:  # camera is grayscale
        return img[None]
    return np.ascontiguousarray(img.transpose(2, 0, 1))


def add_noise(img: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(20040401)
    return np.clip(img + rng.normal(0.0, 0.05, img.shape), 0.0, 1.0)


def blur(img: np.ndarray) -> np.ndarray:
    return gaussian_filter(img, sigma=(0.0, 1.2, 1.2))


def jpeg_like(img: np.ndarray, step: float = 0.02) -> np.ndarray:
    # 8x8 block DCT with a quantisation step growing with frequency, as JPEG's
    # tables do; produces blocking and ringing, unlike the noise and the blur.
    c, h, w = img.shape
    padded = np.pad(img, ((0, 0), (0, -h % 8), (0, -w % 8)), mode="edge")
    ph, pw = padded.shape[1:]
    blocks = padded.reshape(c, ph // 8, 8, pw // 8, 8)
    coef = dctn(blocks, axes=(2, 4), norm="ortho")
    k = np.arange(8)
    q = (step * (1 + k[:, None] + k[None, :])).reshape(1, 1, 8, 1, 8)
    coef = np.round(coef / q) * q
    out = idctn(coef, axes=(2, 4), norm="ortho").reshape(c, ph, pw)[:, :h, :w]
    return np.clip(out, 0.0, 1.0)


def posterize(img: np.ndarray) -> np.ndarray:
    # torchvision's RandomPosterize(bits=4) on the uint8 photo: 16 levels. Its
    # large flat areas are the hardest case for SSIM in float32.
    return (np.round(img * 255).astype(np.uint8) & 0xF0) / 255.0


DISTORTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "noise": add_noise,
    "blur": blur,
    "jpeg_like": jpeg_like,
    "posterize": posterize,
}
CASES = [(p, d) for p in PHOTOS for d in DISTORTIONS]


@functools.cache
def case(name: str, distortion: str) -> tuple[np.ndarray, np.ndarray]:
    ref = photo(name)
    return ref, DISTORTIONS[distortion](ref)


@functools.cache
def skimage_ssim(name: str, distortion: str) -> float:
    ref, test = case(name, distortion)
    return float(structural_similarity(ref, test, **WANG))


# --- agreement with scikit-image ---


@pytest.mark.slow
@pytest.mark.parametrize(("name", "distortion"), CASES)
def test_ssim_matches_skimage_float64(name: str, distortion: str) -> None:
    ref, test = case(name, distortion)
    expected = skimage_ssim(name, distortion)
    assert 0.3 < expected < 0.99  # the distortion is visible but not destructive
    assert ssim(ref, test, data_range=1.0) == pytest.approx(expected, abs=SSIM_TOL_F64)


@pytest.mark.parametrize(("name", "distortion"), CASES)
def test_ssim_matches_skimage_float32(name: str, distortion: str) -> None:
    ref, test = case(name, distortion)
    expected = skimage_ssim(name, distortion)
    got = ssim(
        torch.from_numpy(ref.astype(np.float32)),
        torch.from_numpy(test.astype(np.float32)),
        data_range=1.0,
    )
    assert got == pytest.approx(expected, abs=SSIM_TOL_F32)


@pytest.mark.parametrize(("name", "distortion"), CASES)
def test_psnr_matches_skimage(name: str, distortion: str) -> None:
    ref, test = case(name, distortion)
    expected = peak_signal_noise_ratio(ref, test, data_range=1.0)
    assert 20.0 < expected < 45.0
    assert psnr(ref, test, data_range=1.0) == pytest.approx(expected, abs=PSNR_TOL_F64)
    got32 = psnr(ref.astype(np.float32), test.astype(np.float32), data_range=1.0)
    assert got32 == pytest.approx(expected, abs=PSNR_TOL_F32)


def test_ssim_is_mean_of_per_channel_ssim() -> None:
    # The documented definition (mean over channels of the per-channel mean),
    # checked against single-channel calls, and the oracle's channel_axis=0
    # reading of it.
    ref, test = case("coffee", "blur")
    per_channel = []
    for i in range(3):
        value = ssim(ref[i : i + 1], test[i : i + 1], data_range=1.0)
        assert value is not None
        per_channel.append(value)
    expected = float(np.mean(per_channel))
    assert ssim(ref, test, data_range=1.0) == pytest.approx(expected, abs=1e-12)
    assert skimage_ssim("coffee", "blur") == pytest.approx(expected, abs=SSIM_TOL_F64)


# --- analytic PSNR ---


def test_psnr_of_integer_rounding_is_analytic() -> None:
    # Rounding x ~ U[0, 255] to integers leaves an error uniform on [-1/2, 1/2]
    # (the half-bins at 0 and 255 join into one full bin), so MSE = 1/12 and
    # PSNR = 10 log10(255^2 / (1/12)) = 10 log10(12 * 255^2) = 58.92 dB. With
    # 786k pixels the sample MSE has relative s.d. ~1e-3, i.e. ~0.005 dB.
    rng = np.random.default_rng(12)
    ref = rng.uniform(0.0, 255.0, size=(3, 512, 512))
    expected = 10.0 * math.log10(12.0 * 255.0**2)
    assert expected == pytest.approx(58.9226, abs=1e-4)
    assert psnr(ref, np.round(ref), data_range=255.0) == pytest.approx(expected, abs=0.05)


@pytest.mark.parametrize(("offset", "data_range"), [(1.0 / 255.0, 1.0), (1.0, 255.0)])
def test_psnr_of_constant_offset_is_analytic(offset: float, data_range: float) -> None:
    # A constant offset d gives MSE = d^2, so PSNR = 20 log10(data_range / d);
    # here data_range / d = 255 -> 20 log10(255) = 48.1308 dB.
    ref = np.zeros((3, 16, 16))
    expected = 20.0 * math.log10(255.0)
    assert expected == pytest.approx(48.1308, abs=1e-4)
    assert psnr(ref, ref + offset, data_range=data_range) == pytest.approx(expected, abs=1e-9)


# --- identity, cap, empty ---


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.uint8])
def test_identical_inputs(dtype: type) -> None:
    img: np.ndarray = (photo("chelsea") * 255).astype(dtype)
    data_range = 255.0
    assert psnr(img, img.copy(), data_range=data_range) == 200.0
    assert ssim(img, img.copy(), data_range=data_range) == pytest.approx(1.0, abs=1e-12)


def test_psnr_cap() -> None:
    ref = np.full((1, 8, 8), 0.5)
    assert PSNR_CAP == 200.0
    # A difference of 1e-12 on data_range 1 is 240 dB: capped.
    assert psnr(ref, ref + 1e-12, data_range=1.0) == 200.0
    # 1e-9 is 180 dB: below the cap, reported as is.
    assert psnr(ref, ref + 1e-9, data_range=1.0) == pytest.approx(180.0, abs=1e-3)


def test_empty_mask_gives_none() -> None:
    ref, test = case("astronaut", "noise")
    empty = np.zeros(ref.shape[1:], dtype=bool)
    assert psnr(ref, test, data_range=1.0, mask=empty) is None
    assert ssim(ref, test, data_range=1.0, mask=empty) is None
    # A float mask that is nowhere fully inside is empty too.
    partial = np.full(ref.shape[1:], 0.5, dtype=np.float32)
    assert psnr(ref, test, data_range=1.0, mask=partial) is None
    assert ssim(ref, test, data_range=1.0, mask=partial) is None


def test_ssim_mask_only_on_border_gives_none() -> None:
    # Pixels within 5 px of the edge are never a window centre: SSIM has
    # nothing to average while PSNR still compares them.
    ref, test = case("camera", "blur")
    border = np.ones(ref.shape[1:], dtype=bool)
    border[5:-5, 5:-5] = False
    assert ssim(ref, test, data_range=1.0, mask=border) is None
    assert psnr(ref, test, data_range=1.0, mask=border) is not None


@pytest.mark.parametrize("shape", [(3, 10, 32), (3, 32, 10), (1, 5, 5)])
def test_ssim_too_small_gives_none(shape: tuple[int, int, int]) -> None:
    a = np.zeros(shape)
    assert ssim(a, a + 0.1, data_range=1.0) is None


def test_ssim_smallest_image_is_one_window() -> None:
    # 11x11 is exactly one window: the map is 1x1 and is the SSIM at the centre.
    rng = np.random.default_rng(3)
    a, b = rng.uniform(size=(2, 1, 11, 11))
    _, smap = structural_similarity(a[0], b[0], full=True, **{**WANG, "channel_axis": None})
    assert ssim(a, b, data_range=1.0) == pytest.approx(smap[5, 5], abs=1e-12)


# --- masks ---


def test_psnr_mask_equals_hand_computation() -> None:
    ref, test = case("coffee", "jpeg_like")
    mask = np.random.default_rng(5).uniform(size=ref.shape[1:]) < 0.3
    mse = np.mean((ref - test)[:, mask] ** 2)
    expected = 10.0 * math.log10(1.0 / mse)
    assert psnr(ref, test, data_range=1.0, mask=mask) == pytest.approx(expected, abs=1e-10)
    # ... and differs from the unmasked value, so the mask was really applied.
    unmasked = psnr(ref, test, data_range=1.0)
    assert unmasked is not None
    assert abs(unmasked - expected) > 1e-3


def test_float_mask_threshold() -> None:
    ref, test = case("chelsea", "noise")
    h, w = ref.shape[1:]
    fmask = np.zeros((h, w), dtype=np.float32)
    fmask[:, : w // 3] = 1.0
    fmask[:, w // 3 : w // 2] = 0.9995  # resampling round-off of 1.0: counts
    fmask[:, w // 2 :] = 0.998  # partly outside: does not count
    bmask = np.zeros((h, w), dtype=bool)
    bmask[:, : w // 2] = True
    assert psnr(ref, test, data_range=1.0, mask=fmask) == psnr(
        ref, test, data_range=1.0, mask=bmask
    )
    assert ssim(ref, test, data_range=1.0, mask=fmask) == ssim(
        ref, test, data_range=1.0, mask=bmask
    )


@pytest.mark.parametrize("dtype", [torch.bool, torch.float32])
def test_ssim_full_mask_equals_no_mask(dtype: torch.dtype) -> None:
    ref, test = case("astronaut", "jpeg_like")
    full = torch.ones(ref.shape[1:], dtype=dtype)
    assert ssim(ref, test, data_range=1.0, mask=full) == pytest.approx(
        ssim(ref, test, data_range=1.0), abs=1e-12
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", ["astronaut", "camera"])
@pytest.mark.parametrize("layout", ["left_half", "random_half"])
def test_ssim_mask_matches_skimage_map(name: str, layout: str) -> None:
    ref, test = case(name, "noise")
    h, w = ref.shape[1:]
    if layout == "left_half":
        mask = np.zeros((h, w), dtype=bool)
        mask[:, : w // 2] = True
    else:
        mask = np.random.default_rng(9).uniform(size=(h, w)) < 0.5
    # skimage's full map is full resolution; its valid region (window fully
    # inside) is [5:-5, 5:-5], whose position (i, j) has centre (i + 5, j + 5).
    _, smap = structural_similarity(ref, test, full=True, **WANG)
    expected = smap[:, 5:-5, 5:-5][:, mask[5:-5, 5:-5]].mean()
    got = ssim(ref, test, data_range=1.0, mask=mask)
    assert got == pytest.approx(expected, abs=1e-12)


# --- inputs ---


@pytest.mark.slow
def test_numpy_and_torch_inputs_agree() -> None:
    ref, test = case("chelsea", "blur")
    from_np = ssim(ref, test, data_range=1.0)
    assert ssim(torch.from_numpy(ref), torch.from_numpy(test), data_range=1.0) == from_np
    # Views numpy cannot hand to torch.from_numpy (negative strides, read-only).
    flipped = ssim(ref[:, ::-1], test[:, ::-1], data_range=1.0)
    assert flipped == ssim(
        np.ascontiguousarray(ref[:, ::-1]), np.ascontiguousarray(test[:, ::-1]), data_range=1.0
    )
    readonly = test.copy()
    readonly.flags.writeable = False
    assert ssim(ref, readonly, data_range=1.0) == from_np
    assert psnr(ref, readonly, data_range=1.0) == psnr(ref, test, data_range=1.0)


def test_integer_inputs_are_computed_in_float64() -> None:
    # skimage's promotion rule: integers are computed in float64, so uint8
    # images give bit-for-bit the result of their float64 values.
    ref8 = (photo("coffee") * 255).round().astype(np.uint8)
    test8 = (jpeg_like(photo("coffee")) * 255).round().astype(np.uint8)
    as64 = ssim(ref8.astype(np.float64), test8.astype(np.float64), data_range=255.0)
    assert ssim(ref8, test8, data_range=255.0) == as64
    assert ssim(torch.from_numpy(ref8), torch.from_numpy(test8), data_range=255.0) == as64


def test_half_precision_is_computed_in_float32() -> None:
    ref, test = case("chelsea", "jpeg_like")
    ref16 = torch.from_numpy(ref).half()
    test16 = torch.from_numpy(test).half()
    as32 = ssim(ref16.float(), test16.float(), data_range=1.0)
    assert ssim(ref16, test16, data_range=1.0) == as32


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"reference": np.zeros((3, 16, 16)), "test": np.zeros((3, 16, 17))}, ValueError),
        ({"reference": np.zeros((16, 16)), "test": np.zeros((16, 16))}, ValueError),
        ({"data_range": 0.0}, ValueError),
        ({"data_range": math.inf}, ValueError),
        ({"mask": np.ones((16, 17), dtype=bool)}, ValueError),
        ({"reference": [[[0.0]]]}, TypeError),
    ],
)
def test_bad_inputs_raise(kwargs: dict[str, object], error: type[Exception]) -> None:
    args: dict[str, object] = {
        "reference": np.zeros((3, 16, 16)),
        "test": np.zeros((3, 16, 16)),
        "data_range": 1.0,
    }
    args.update(kwargs)
    for metric in (psnr, ssim):
        with pytest.raises(error):
            metric(**args)  # type: ignore[arg-type]


# --- properties ---


@st.composite
def image_pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    shape = (draw(st.integers(1, 3)), draw(st.integers(11, 24)), draw(st.integers(11, 24)))
    pixels = st.floats(0.0, 1.0, allow_nan=False, allow_infinity=False)
    a = draw(hnp.arrays(np.float64, shape, elements=pixels))
    b = draw(hnp.arrays(np.float64, shape, elements=pixels))
    return a, b


# database=None: do not write example databases into the shared work tree.
@settings(max_examples=50, deadline=None, database=None)
@given(image_pairs())
def test_metric_properties(pair: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = pair
    assert psnr(a, b, data_range=1.0) == psnr(b, a, data_range=1.0)
    assert ssim(a, a, data_range=1.0) == pytest.approx(1.0, abs=1e-9)
    s = ssim(a, b, data_range=1.0)
    assert s is not None
    assert -1.0 <= s <= 1.0
    # SSIM is symmetric in its arguments, bit for bit in this implementation.
    assert ssim(b, a, data_range=1.0) == s


def test_float32_rounding_never_puts_ssim_above_one() -> None:
    # configs/bad.yaml's float32 bicubic resize against its float64 twin read SSIM 1.00000001
    # in a report: windows round to either side of 1. The same pair on the astronaut photo sums
    # 3e-9 above 1 unclamped (measured); SSIM itself cannot exceed 1.
    from skimage import data
    from torchvision.transforms.v2 import functional as F

    from augaudit.measure.ssim_map import ssim_map_sum

    photo = torch.from_numpy(data.astronaut()).permute(2, 0, 1)
    bicubic = F.InterpolationMode.BICUBIC
    r64 = F.resize(photo.double() / 255, 320, interpolation=bicubic, antialias=True)
    r32 = F.resize(photo.float() / 255, 320, interpolation=bicubic, antialias=True)
    total, count = ssim_map_sum(r64.float(), r32, torch.float32, 1.0, None)
    assert total / count > 1.0  # the case the clamp is for
    assert ssim(r64.float(), r32, data_range=1.0) == 1.0


# --- measure.compare: SSIM is 1 when no value differs by more than 2e-6 ---


@pytest.mark.parametrize("name", ["astronaut", "camera"])
@pytest.mark.parametrize("scale", [1e-7, 1e-6, 2e-6])
def test_compare_reports_ssim_one_only_within_analytic_bound(name: str, scale: float) -> None:
    # The bound 1 - SSIM <= d^2 (1/C1 + 1/C2) (C1 = 1e-4, C2 = 9e-4 at data_range 1)
    # follows from SSIM's two factors; scikit-image's SSIM of the same pair must
    # sit within it, and compare() reports 1.0 where it is below 1e-7.
    from augaudit.measure.stage_metrics import IDENTICAL_WITHIN, compare

    ref = photo(name)
    rng = np.random.default_rng(7)
    test = ref + rng.uniform(-scale, scale, ref.shape)
    exact = structural_similarity(ref, test, **WANG)
    bound = scale**2 * (1 / 1e-4 + 1 / 9e-4)
    assert 1.0 - exact <= bound + 1e-12
    assert IDENTICAL_WITHIN**2 * (1 / 1e-4 + 1 / 9e-4) < 1e-7
    value_psnr, value_ssim = compare(torch.from_numpy(ref), torch.from_numpy(test), None)
    assert value_ssim == 1.0
    assert abs(value_ssim - exact) < 1e-7
    assert value_psnr == pytest.approx(peak_signal_noise_ratio(ref, test, data_range=1.0), abs=1e-9)


def test_compare_computes_ssim_above_the_shortcut() -> None:
    from augaudit.measure.stage_metrics import compare

    ref = photo("astronaut")
    test = np.clip(ref + np.random.default_rng(8).normal(0.0, 1e-3, ref.shape), 0.0, 1.0)
    _, value_ssim = compare(torch.from_numpy(ref), torch.from_numpy(test), None)
    assert value_ssim is not None and value_ssim < 1.0
    assert value_ssim == pytest.approx(structural_similarity(ref, test, **WANG), abs=SSIM_TOL_F32)
