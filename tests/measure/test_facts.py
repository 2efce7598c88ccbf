"""measure.facts: what the checks read about one stage run, on tensors of a few values.

Expected values are counted by hand from the values written in each test: bits as
log2(top + 1) of the dtype's range, pinned shares as counts of values at the range's ends,
truncation as the share of values whose scaled fractional part is above .5 that the output
holds at the floor.
"""

from __future__ import annotations

import math

import pytest
import torch

from augaudit.measure.facts import cast_factor, check_facts
from augaudit.measure.records import OutputKind
from augaudit.measure.values import BINARY, BYTE, UNIT, WORD, Convention

FLOAT255 = Convention("float [0,255]", (1 / 255,), wide=True)  # ToDtype without scale
INT16 = Convention("int16 [0,32767]", (1 / (2**15 - 1),), integer=True)
INT32 = Convention("int32 [0,2147483647]", (1 / (2**31 - 1),), integer=True)
TENSOR = OutputKind("tensor", "Tensor", "float32", None, 3, (3, 2, 2))
PIL_RGB = OutputKind("pil", "Image", None, "RGB", 3, (3, 2, 2))


def grid(*values: float) -> torch.Tensor:
    """One channel of 2x2 (or 2x3) float64 values, row by row."""
    return torch.tensor(values, dtype=torch.float64).view(1, 2, -1)


def facts(
    conv_in: Convention,
    conv_out: Convention,
    raw_in: torch.Tensor | None = None,
    out_raw: torch.Tensor | None = None,
    *,
    kind: str = "conversion",
    desc_in: OutputKind = TENSOR,
    desc: OutputKind = TENSOR,
    coverage: torch.Tensor | None = None,
    gain: float | None = None,
):
    raw_in = grid(0.0, 0.0, 0.0, 0.0) if raw_in is None else raw_in
    out_raw = raw_in.clone() if out_raw is None else out_raw
    return check_facts(kind, raw_in, conv_in, desc_in, out_raw, desc, conv_out, coverage, gain)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("conv", "bits"),
    [(BYTE, 8), (WORD, 16), (INT16, 15), (INT32, 31), (BINARY, 1), (UNIT, 0), (FLOAT255, 0)],
    ids=["uint8", "uint16", "int16", "int32", "bool", "float", "float-255"],
)
def test_bits_are_the_value_bits_of_integer_data_and_0_for_floats(
    conv: Convention, bits: int
) -> None:
    # Integer data with top value 2**k - 1 holds k bits: int16's top is 2**15 - 1 (torchvision
    # never uses the negative half), so an int16 image holds 15 bits, not 16.
    assert facts(conv, BYTE).bits_in == bits
    assert facts(UNIT, conv).bits_out == bits


def test_the_types_on_both_sides() -> None:
    palette = OutputKind("pil", "Image", None, "P", 1, (1, 2, 2))
    palette_alpha = OutputKind("pil", "Image", None, "PA", 2, (2, 2, 2))
    got = facts(BYTE, BYTE, desc_in=palette, desc=palette_alpha)
    assert (got.palette_in, got.palette_out, got.tensor_in) == (True, True, False)
    assert (got.channels_in, got.channels_out) == (1, 2)
    got = facts(BYTE, UNIT, desc_in=TENSOR, desc=PIL_RGB)
    assert (got.palette_in, got.palette_out, got.tensor_in) == (False, False, True)
    assert (got.channels_in, got.channels_out) == (3, 3)
    assert got.mutated_input is False  # the runner sets it, not check_facts


def test_saturation_growth_of_a_photometric_stage() -> None:
    before = grid(0.2, 0.5, 0.75, 1.0)  # 1 of 4 values at an end of [0, 1]
    after = grid(0.4, 0.6, 1.0, 1.0)  # 2 of 4
    got = facts(UNIT, UNIT, before, after, kind="photometric")
    assert got.saturation_growth == pytest.approx(2 / 4 - 1 / 4)
    # Only the pixels the source still covers count: the top row has none pinned either side.
    top_row = torch.tensor([[1.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    got = facts(UNIT, UNIT, before, after, kind="photometric", coverage=top_row)
    assert got.saturation_growth == 0.0
    # A draw that unpins values grows nothing (never negative).
    got = facts(UNIT, UNIT, grid(0.0, 1.0, 1.0, 1.0), grid(0.5, 0.5, 0.5, 0.5), kind="photometric")
    assert got.saturation_growth == 0.0
    # Geometric stages move pixels: a crop landing on a dark area is not saturation.
    assert facts(UNIT, UNIT, before, after, kind="geometric").saturation_growth is None


def test_floats_holding_0_to_255_also_pin_at_1() -> None:
    """torchvision clamps float images to [0, 1] whatever they hold (ColorJitter on 0..255
    floats): 1.0 counts as pinned besides the range's own ends 0 and 255."""
    before = grid(10.0, 128.0, 200.0, 255.0)  # 255: 1 of 4 pinned
    after = grid(1.0, 1.0, 1.0, 1.0)  # clamped to 1.0: 4 of 4
    got = facts(FLOAT255, FLOAT255, before, after, kind="photometric")
    assert got.saturation_growth == pytest.approx(4 / 4 - 1 / 4)


SCALED = (10.75, 20.25, 30.875, 40.125, 50.625, 60.375)  # x * 255 of six float values


def test_a_cast_that_floors_truncates_every_value_above_half_a_level() -> None:
    raw_in = grid(*(s / 255 for s in SCALED))
    # Fractional parts .75, .25, .875, .125, .625, .375: three are above .5, where flooring
    # and rounding differ. ToPILImage's (x * 255).byte() floors all three.
    floored = grid(*(math.floor(s) for s in SCALED))
    got = facts(UNIT, BYTE, raw_in, floored)
    assert got.truncated_fraction == pytest.approx(3 / 6)  # of all values
    assert got.truncation_share == pytest.approx(3 / 3)  # of the three candidates
    rounded = grid(*(math.floor(s + 0.5) for s in SCALED))
    got = facts(UNIT, BYTE, raw_in, rounded)
    assert (got.truncated_fraction, got.truncation_share) == (0.0, 0.0)


def test_truncation_is_only_read_where_floats_become_integers() -> None:
    raw_in = grid(*(s / 255 for s in SCALED))
    floored = grid(*(math.floor(s) for s in SCALED))
    for conv_in, conv_out in ((BYTE, BYTE), (UNIT, UNIT), (BYTE, UNIT)):
        got = facts(conv_in, conv_out, raw_in, floored)
        assert got.truncated_fraction is None and got.truncation_share is None


def test_cast_factor_is_the_ratio_of_the_ranges_unless_the_probes_disagree() -> None:
    # Output raw units per input raw unit: a unit float's 1.0 becomes 255 (or 65535).
    assert cast_factor(UNIT, BYTE, None) == pytest.approx(255.0)
    assert cast_factor(UNIT, WORD, None) == pytest.approx(65535.0)
    assert cast_factor(FLOAT255, BYTE, None) == pytest.approx(1.0)  # already 0..255
    # ToDtype(uint8, scale=True) multiplies by 255.999; its probes read 256.25 through 8-bit
    # rounding, 0.5% off the ranges' ratio: the ratio stands.
    assert cast_factor(UNIT, BYTE, 256.25) == pytest.approx(255.0)
    # A plain cast of unit floats (ToDtype(uint8) without scale) multiplies by 1, not 255.
    assert cast_factor(UNIT, BYTE, 1.0) == 1.0
