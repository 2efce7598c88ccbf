"""EvidenceBuilder: one image's samples at one stage become spans, any/all flags and the mean
saturation growth; the checks' readers (lo_below, hi_above, seen) read them."""

from __future__ import annotations

from augaudit.aggregate.evidence import (
    Evidence,
    EvidenceBuilder,
    Flag,
    Span,
    hi_above,
    lo_below,
    seen,
)


def test_values_become_the_smallest_and_largest_seen_in_any_order() -> None:
    builder = EvidenceBuilder()
    for value in (0.5, 0.25, 0.75, 0.5):
        builder.value("out_of_range_fraction", value)
    builder.value("psnr_vs_reference", 38.5)
    evidence = builder.build()
    assert evidence.out_of_range_fraction == Span(lo=0.25, hi=0.75)
    assert evidence.psnr_vs_reference == Span(38.5, 38.5)  # one sample: lo == hi
    assert evidence.ssim_vs_reference is None  # never given


def test_flags_say_whether_any_and_whether_all_samples_showed_the_fact() -> None:
    builder = EvidenceBuilder()
    for value in (False, True, False):
        builder.flag("tensor_in", value)
    for value in (True, True):
        builder.flag("palette_in", value)
    for value in (False, False):
        builder.flag("mutated_input", value)
    evidence = builder.build()
    assert evidence.tensor_in == Flag(any=True, all=False)
    assert evidence.palette_in == Flag(any=True, all=True)
    assert evidence.mutated_input == Flag(any=False, all=False)
    assert evidence.palette_out is None


def test_saturation_growth_keeps_its_mean_besides_its_span() -> None:
    builder = EvidenceBuilder()
    for value in (0.5, 0.125, 0.0, 0.375):
        builder.value("saturation_growth", value)
    builder.value("saturated_fraction", 0.875)  # another measurement: not in the mean
    evidence = builder.build()
    assert evidence.saturation_growth == Span(0.0, 0.5)
    assert evidence.saturation_growth_mean == 0.25  # (0.5 + 0.125 + 0 + 0.375) / 4
    assert evidence.saturated_fraction == Span(0.875, 0.875)


def test_nothing_given_is_the_empty_evidence() -> None:
    assert EvidenceBuilder().build() == Evidence()
    assert Evidence().saturation_growth_mean is None


def test_the_readers_look_at_the_worst_sample() -> None:
    span = Span(0.25, 0.75)
    assert lo_below(span, 0.5) and not lo_below(span, 0.25)  # strictly below
    assert hi_above(span, 0.5) and not hi_above(span, 0.75)  # strictly above
    assert not lo_below(None, 1.0) and not hi_above(None, 0.0)  # not measured: no finding
    assert seen(Flag(any=True, all=False)) and not seen(Flag(False, False)) and not seen(None)
