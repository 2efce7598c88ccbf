"""measure.values: any image object to a raw (C, H, W) float64 view and back, its value
convention, and its description.

Expected ranges are torchvision's (``_max_value``): an unsigned dtype's top, 2^(bits-1) - 1
for a signed one (tests/data/REFERENCES.md, "int16 [0, 32767], int32 [0, 2147483647]"); the
views are compared with numpy arrays transposed by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision import tv_tensors

from augaudit.measure.records import OutputKind
from augaudit.measure.values import (
    BINARY,
    BYTE,
    UNIT,
    Convention,
    UnsupportedOutput,
    describe,
    integer_convention,
    like,
    to_chw,
)

# 6 rows, 5 columns, RGB: H > 4 >= C, so a numpy array of this shape reads as H, W, C.
HWC = np.random.default_rng(11).integers(0, 256, (6, 5, 3), dtype=np.uint8)


@pytest.mark.parametrize(
    ("image", "name", "top"),
    [
        (Image.new("L", (4, 4)), "8-bit [0,255]", 2**8 - 1),
        (Image.new("RGB", (4, 4)), "8-bit [0,255]", 2**8 - 1),
        (Image.new("I;16", (4, 4)), "16-bit [0,65535]", 2**16 - 1),
        (Image.new("I", (4, 4)), "16-bit [0,65535]", 2**16 - 1),  # holds 16-bit PNGs
        (torch.zeros(3, 4, 4, dtype=torch.uint8), "8-bit [0,255]", 2**8 - 1),
        (torch.zeros(3, 4, 4, dtype=torch.int16), "int16 [0,32767]", 2**15 - 1),
        (torch.zeros(3, 4, 4, dtype=torch.int32), "int32 [0,2147483647]", 2**31 - 1),
        (np.zeros((4, 4), np.uint16), "16-bit [0,65535]", 2**16 - 1),
        (np.zeros((4, 4), np.int32), "int32 [0,2147483647]", 2**31 - 1),
    ],
    ids=["L", "RGB", "I;16", "I", "uint8", "int16", "int32", "np-uint16", "np-int32"],
)
def test_integer_convention_is_torchvisions_range(image: object, name: str, top: int) -> None:
    conv = integer_convention(image)
    assert conv.name == name and conv.integer and not conv.wide
    assert conv.scale == pytest.approx((1 / top,), rel=1e-12) and conv.offset == (0.0,)
    # The top value maps to 1.0 in the unit range, 0 to 0.0.
    unit = conv.to_unit(torch.tensor([[[0.0]], [[float(top)]]], dtype=torch.float64))
    assert unit.flatten().tolist() == pytest.approx([0.0, 1.0], abs=1e-12)


def test_binary_images_are_one_bit() -> None:
    for image in (torch.zeros(1, 2, 2, dtype=torch.bool), np.zeros((2, 2), bool)):
        assert integer_convention(image) is BINARY
    assert integer_convention(Image.new("1", (2, 2))) is BINARY
    assert (BINARY.scale, BINARY.integer) == ((1.0,), True)  # 0 and 1 are already unit values


def test_float_data_has_no_integer_convention() -> None:
    with pytest.raises(UnsupportedOutput, match="augaudit reads integer and float images"):
        integer_convention(torch.zeros(3, 4, 4))
    with pytest.raises(UnsupportedOutput):
        integer_convention(np.zeros((4, 4), np.float32))


def test_to_unit_and_from_unit_are_inverse_per_channel() -> None:
    raw = torch.tensor([[[0.0, 51.0, 255.0]]], dtype=torch.float64)
    assert BYTE.to_unit(raw).flatten().tolist() == pytest.approx([0.0, 0.2, 1.0], abs=1e-12)
    assert BYTE.from_unit(torch.tensor([[[0.2]]], dtype=torch.float64)).item() == pytest.approx(51)
    normalized = UNIT.normalized((0.5, 0.25, 0.0), (0.5, 0.25, 2.0))
    values = torch.from_numpy(np.random.default_rng(12).normal(0, 3, (3, 4, 5)))
    back = normalized.from_unit(normalized.to_unit(values))
    assert torch.allclose(back, values, rtol=0, atol=1e-12)
    # Channel 1: unit = raw * 0.25 + 0.25, so raw 3 reads 1.0 and raw -1 reads 0.0.
    unit = normalized.to_unit(torch.tensor([[[0.0, 0.0]], [[3.0, -1.0]], [[0.0, 0.0]]]))
    assert unit[1, 0].tolist() == pytest.approx([1.0, 0.0])


def test_bounds_are_the_raw_values_of_unit_0_and_1_lowest_first() -> None:
    lo, hi = BYTE.bounds(3)
    assert lo.shape == hi.shape == (3, 1, 1)
    assert lo.flatten().tolist() == [0.0] * 3 and hi.flatten().tolist() == [255.0] * 3
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    lo, hi = UNIT.normalized(mean, std).bounds(3)
    # Normalize sends unit 0 to -mean / std and unit 1 to (1 - mean) / std.
    assert lo.flatten().tolist() == pytest.approx([-m / s for m, s in zip(mean, std, strict=True)])
    assert hi.flatten().tolist() == pytest.approx(
        [(1 - m) / s for m, s in zip(mean, std, strict=True)]
    )
    # A negative scale (an inverted image) still gives the lower raw value first.
    inverted = Convention("inverted", (-1.0,), (1.0,))  # unit = 1 - raw
    lo, hi = inverted.bounds(1)
    assert (lo.item(), hi.item()) == (0.0, 1.0)


def test_to_chw_reads_every_layout_as_channels_first_float64_copies() -> None:
    chw = HWC.transpose(2, 0, 1).astype(np.float64)
    for image in (Image.fromarray(HWC), HWC, np.ascontiguousarray(HWC.transpose(2, 0, 1))):
        view = to_chw(image)
        assert view.dtype == torch.float64 and tuple(view.shape) == (3, 6, 5)
        np.testing.assert_array_equal(view.numpy(), chw)
    gray = to_chw(Image.fromarray(HWC[..., 0]))
    assert tuple(gray.shape) == (1, 6, 5)
    np.testing.assert_array_equal(gray[0].numpy(), HWC[..., 0])
    source = torch.from_numpy(HWC[..., 1].copy())  # a 2-D tensor is one channel
    view = to_chw(source)
    assert tuple(view.shape) == (1, 6, 5)
    view += 1  # a copy: the stage's own output is never written
    assert torch.equal(source, torch.from_numpy(HWC[..., 1]))
    with pytest.raises(UnsupportedOutput, match="expected C,H,W"):
        to_chw(torch.zeros(1, 3, 4, 5))  # a batch
    with pytest.raises(UnsupportedOutput, match="is not an image"):
        to_chw([[0, 1]])


@pytest.mark.parametrize(
    "image",
    [
        Image.fromarray(HWC[..., 0]),
        Image.fromarray(HWC),
        Image.fromarray(HWC[..., 0].astype(np.uint16) * 257),
    ],
    ids=["L", "RGB", "I;16"],
)
def test_like_rebuilds_a_pil_image_of_the_same_mode(image: Image.Image) -> None:
    rebuilt = like(image, to_chw(image))
    assert isinstance(rebuilt, Image.Image)
    assert (rebuilt.mode, rebuilt.size) == (image.mode, image.size)
    np.testing.assert_array_equal(np.asarray(rebuilt), np.asarray(image))


@pytest.mark.parametrize(
    "template",
    [
        torch.from_numpy(HWC.transpose(2, 0, 1).copy()),
        torch.from_numpy(HWC.transpose(2, 0, 1).astype(np.float32) / 255),
        tv_tensors.Image(torch.from_numpy(HWC.transpose(2, 0, 1).copy())),
        torch.from_numpy(HWC[..., 0].copy()),
        HWC,
        np.ascontiguousarray(HWC.transpose(2, 0, 1)),
        HWC[..., 0].copy(),
    ],
    ids=["uint8", "float32", "tv-image", "2-d-tensor", "np-hwc", "np-chw", "np-2-d"],
)
def test_like_round_trips_tensors_and_arrays_in_their_layout(template: object) -> None:
    rebuilt = like(template, to_chw(template))
    assert type(rebuilt) is type(template)
    assert rebuilt.dtype == template.dtype and tuple(rebuilt.shape) == tuple(template.shape)
    np.testing.assert_array_equal(np.asarray(rebuilt), np.asarray(template))


def test_like_rounds_and_clips_integers_instead_of_wrapping() -> None:
    raw = torch.tensor([[[-3.0, 2.4, 2.6, 254.5, 300.0]]], dtype=torch.float64)
    # round half to even (254.5 -> 254), then clip to [0, 255]: 300 is 255, not 300 - 256 = 44.
    out = like(torch.zeros(1, 1, 5, dtype=torch.uint8), raw)
    assert out.tolist() == [[[0, 2, 3, 254, 255]]]
    assert like(torch.zeros(1, 1, 5, dtype=torch.bool), raw).tolist() == [
        [[False, True, True, True, True]]
    ]


def test_describe_names_the_kind_class_dtype_mode_channels_and_shape() -> None:
    assert describe(Image.new("RGBA", (5, 4))) == OutputKind(
        "pil", "Image", None, "RGBA", 4, (4, 4, 5)
    )
    assert describe(Image.new("L", (5, 4))) == OutputKind("pil", "Image", None, "L", 1, (1, 4, 5))
    assert describe(torch.zeros(3, 4, 5)) == OutputKind(
        "tensor", "Tensor", "float32", None, 3, (3, 4, 5)
    )
    image = tv_tensors.Image(torch.zeros(3, 4, 5, dtype=torch.uint8))
    assert describe(image) == OutputKind("tensor", "Image", "uint8", None, 3, (3, 4, 5))
    assert describe(HWC) == OutputKind("ndarray", "ndarray", "uint8", None, 3, (6, 5, 3))
    assert describe(None) == OutputKind("other", "NoneType")
    assert describe([[0, 1]]) == OutputKind("other", "list")


def test_complex_or_float8_output_is_named_not_read_as_8_bit():
    from augaudit.measure.values import UnsupportedOutput, integer_convention

    for value in (torch.zeros(3, 4, 4, dtype=torch.complex64), np.zeros((4, 4), complex)):
        with pytest.raises(UnsupportedOutput, match="augaudit reads integer and float images"):
            integer_convention(value)


def test_describe_counts_channels_of_numpy_images_in_either_layout():
    from augaudit.measure.values import describe

    assert describe(np.zeros((48, 64, 3), np.uint8)).channels == 3  # H, W, C
    assert describe(np.zeros((3, 48, 64), np.float32)).channels == 3  # C, H, W
    assert describe(np.zeros((48, 64), np.uint8)).channels == 1
