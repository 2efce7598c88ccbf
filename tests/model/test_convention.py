"""model.Convention: ``unit = raw * scale + offset``, is_unit, and the convention after
``Normalize`` computes ``(raw - mean) / std`` on data in this one.

The expected values come from applying Normalize by hand to a few raw values and mapping the
result with the new scale and offset in plain arithmetic: whatever the composition, a value
must land on the unit value it had before Normalize.
"""

from __future__ import annotations

import pytest

from augaudit.model import Convention

UNIT = Convention("float [0,1]")
BYTE = Convention("8-bit [0,255]", (1 / 255,), integer=True)
WIDE = Convention("float [0,255]", (1 / 255,), wide=True)
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def unit_of(conv: Convention, raw: float, channel: int = 0) -> float:
    """``raw * scale + offset`` for one channel (a single value serves every channel)."""
    scale = conv.scale[channel] if len(conv.scale) > 1 else conv.scale[0]
    offset = conv.offset[channel] if len(conv.offset) > 1 else conv.offset[0]
    return raw * scale + offset


def test_is_unit_only_when_raw_values_already_are_unit_values() -> None:
    assert UNIT.is_unit
    assert Convention("float [0,1]", (1.0, 1.0, 1.0), (0.0, 0.0, 0.0)).is_unit
    assert not BYTE.is_unit and not WIDE.is_unit
    assert not Convention("shifted", (1.0,), (0.5,)).is_unit
    assert not Convention("one channel scaled", (1.0, 0.5, 1.0)).is_unit


def test_normalizing_unit_data_maps_each_value_back_to_where_it_was() -> None:
    conv = UNIT.normalized(MEAN, STD)
    assert conv.name == "normalized" and len(conv.scale) == len(conv.offset) == 3
    for channel in range(3):
        for unit in (0.0, 0.25, 0.5, 1.0):
            raw = (unit - MEAN[channel]) / STD[channel]  # what Normalize outputs
            assert unit_of(conv, raw, channel) == pytest.approx(unit, abs=1e-12)
    # Read directly: scale is the std, offset the mean (unit = raw * std + mean).
    assert conv.scale == pytest.approx(STD) and conv.offset == pytest.approx(MEAN)


def test_normalizing_composes_with_the_scale_already_there() -> None:
    """Normalize on 0..255 floats (ToDtype without scale=True): its mean and std are in raw
    units, so value 204 (unit 0.8) becomes (204 - 127.5) / 64 and must still read 0.8."""
    conv = WIDE.normalized((127.5,), (64.0,))
    raw = (204.0 - 127.5) / 64.0
    assert unit_of(conv, raw) == pytest.approx(204 / 255, abs=1e-12)
    assert conv.scale == pytest.approx((64 / 255,)) and conv.offset == pytest.approx((0.5,))
    # Twice: Normalize after Normalize composes again.
    twice = conv.normalized((1.0,), (2.0,))
    assert unit_of(twice, (raw - 1.0) / 2.0) == pytest.approx(0.8, abs=1e-12)
    # A three-channel mean and std on a one-scale convention give one scale per channel.
    per_channel = BYTE.normalized(MEAN, STD)
    for channel in range(3):
        raw = (51.0 - MEAN[channel]) / STD[channel]  # 51 of 255 is unit 0.2
        assert unit_of(per_channel, raw, channel) == pytest.approx(0.2, abs=1e-12)


def test_normalized_data_is_neither_integer_nor_wide() -> None:
    for conv in (BYTE.normalized((0.5,), (0.25,)), WIDE.normalized((0.5,), (0.25,))):
        assert (conv.integer, conv.wide) == (False, False)
    # The flags are the convention's own otherwise: kept as given.
    assert (BYTE.integer, BYTE.wide) == (True, False)
    assert (WIDE.integer, WIDE.wide) == (False, True)
    assert BYTE.name == "8-bit [0,255]" and WIDE.name == "float [0,255]"  # unchanged
