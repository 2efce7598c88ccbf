"""The Aggregator on hand-made StageRun records: statistics, output types, errors, conventions,
notes, intervals, and the per-image evidence the checks read.

Every expected value is worked out by hand in the test from the records it feeds in (values
are dyadic fractions, so sums and means are exact in floating point).
"""

from __future__ import annotations

import math

import pytest

from augaudit.aggregate.aggregator import Aggregator
from augaudit.aggregate.evidence import Flag, Span
from augaudit.measure.records import Facts, OutputKind, StageRun
from augaudit.model import Convention, SampleMetrics, StageError
from augaudit.spec.model import StageSpec

UNIT = Convention("float [0,1]")
BYTE = Convention("8-bit [0,255]", (1 / 255,), integer=True)
TENSOR = OutputKind("tensor", "Image", "float32", None, 3, (3, 8, 8))
PIL_RGB = OutputKind("pil", "Image", None, "RGB", 3, (3, 8, 8))
ARRAY = OutputKind("ndarray", "ndarray", "uint8", None, 3, (8, 8, 3))


def run(stage: int, output: OutputKind = TENSOR, **fields: object) -> StageRun:
    """One successful stage run; ``fields`` are StageRun's other fields (metrics, facts ...)."""
    args: dict[str, object] = {"type_changed": False, "convention": UNIT, **fields}
    return StageRun(stage, output, **args)  # type: ignore[arg-type]


def facts(**values: object) -> Facts:
    """Facts of an 8-bit RGB tensor stage; ``values`` override single fields."""
    base: dict[str, object] = {
        "channels_in": 3,
        "channels_out": 3,
        "bits_in": 8,
        "bits_out": 8,
        "palette_in": False,
        "palette_out": False,
        "tensor_in": True,
    }
    return Facts(**{**base, **values})  # type: ignore[arg-type]


def reports(agg: Aggregator, *names: str):
    specs = tuple(StageSpec(name, None) for name in names)
    return agg.stage_reports(specs, ("photometric",) * len(names))


def test_stage_statistics_are_mean_min_max_and_count_over_every_sample() -> None:
    agg = Aggregator(2)
    samples = {  # image -> per sample: (psnr, ssim or None)
        "a.png": [(40.0, 0.5), (50.0, 1.0)],
        "b.png": [(30.0, None), (60.0, None)],
    }
    for image, values in samples.items():
        for sample, (psnr, ssim) in enumerate(values):
            metrics = SampleMetrics(psnr_vs_reference=psnr, ssim_vs_reference=ssim)
            agg.add(image, sample, [run(1, metrics=metrics), run(2)])
    first, second = reports(agg, "ColorJitter", "Identity")
    psnr = first.metrics["psnr_vs_reference"]
    assert psnr is not None
    # (40 + 50 + 30 + 60) / 4 = 45 over the four samples of both images.
    assert (psnr.mean, psnr.min, psnr.max, psnr.count) == (45.0, 30.0, 60.0, 4)
    ssim = first.metrics["ssim_vs_reference"]
    assert ssim is not None  # measured on a.png only: (0.5 + 1.0) / 2
    assert (ssim.mean, ssim.min, ssim.max, ssim.count) == (0.75, 0.5, 1.0, 2)
    assert ssim.ci95 is None  # no intervals without --max-images
    assert first.metrics["border_fill_fraction"] is None  # never measured
    assert all(value is None for value in second.metrics.values())
    assert [(s.index, s.name, s.kind, s.runs) for s in (first, second)] == [
        (1, "ColorJitter", "photometric", 4),
        (2, "Identity", "photometric", 4),
    ]


def test_output_types_are_counted_and_sorted_by_count() -> None:
    agg = Aggregator(1)
    outputs = [TENSOR, PIL_RGB, TENSOR, TENSOR]
    for sample, output in enumerate(outputs):
        agg.add("a.png", sample, [run(1, output, type_changed=output is PIL_RGB)])
    (stage,) = reports(agg, "Maybe")
    # Three tensors first, then the one PIL image; labels "<class> <dtype> CxHxW" and
    # "PIL <mode> CxHxW".
    assert [(t.label, t.kind, t.shape, t.count) for t in stage.outputs] == [
        ("Image float32 3x8x8", "tensor", (3, 8, 8), 3),
        ("PIL RGB 3x8x8", "pil", (3, 8, 8), 1),
    ]
    assert stage.type_changed is True  # one sample changed type: the stage is marked


def test_many_output_shapes_are_grouped_without_the_shape() -> None:
    agg = Aggregator(1)
    sizes = [(3, 10 + k, 12) for k in range(5)]  # five random crop sizes, one tensor type
    for sample, shape in enumerate(sizes):
        output = OutputKind("tensor", "Tensor", "float32", None, 3, shape)
        agg.add("a.png", sample, [run(1, output)])
    (stage,) = reports(agg, "RandomResizedCrop")
    ((grouped),) = stage.outputs
    assert (grouped.label, grouped.shape, grouped.count) == ("Tensor float32 3xHxW", None, 5)


def test_errors_are_kept_per_stage_and_take_no_part_in_the_statistics() -> None:
    agg = Aggregator(2)
    fine = SampleMetrics(psnr_vs_reference=64.0)
    agg.add("a.png", 0, [run(1, metrics=fine), run(2, metrics=fine)])
    failed = StageRun(2, None, False, None, error="ValueError: boom", traceback="tb a")
    agg.add("b.png", 0, [run(1, metrics=fine), failed])
    stopped = StageRun(2, None, False, None, error="StageTimeout", error_kind="timeout")
    agg.add("b.png", 1, [run(1, metrics=fine), stopped])
    again = StageRun(2, None, False, None, error="ValueError: boom", traceback="tb c")
    agg.add("c.png", 0, [run(1, metrics=fine), again])
    first, second = reports(agg, "ToImage", "Flaky")
    assert first.errors == () and first.runs == 4
    assert second.errors == (
        StageError("b.png", 0, "ValueError: boom", "raised"),
        StageError("b.png", 1, "StageTimeout", "timeout"),
        StageError("c.png", 0, "ValueError: boom", "raised"),
    )
    assert second.runs == 1  # only a.png's run succeeded
    psnr = second.metrics["psnr_vs_reference"]
    assert psnr is not None and psnr.count == 1
    assert [(t.label, t.count) for t in second.outputs] == [("Image float32 3x8x8", 1)]
    assert agg.tracebacks == {2: "tb a"}  # the first traceback of the stage
    assert set(agg.evidence()[2]) == {"a.png"}  # a failed run shows nothing about its image


def test_the_most_common_convention_and_each_note_once() -> None:
    agg = Aggregator(1)
    runs = [
        run(1, convention=UNIT, input_convention=BYTE, notes=("x", "y")),
        run(1, convention=BYTE, input_convention=BYTE, notes=("y", "z")),
        run(1, convention=UNIT, input_convention=UNIT, notes=()),
    ]
    for sample, one in enumerate(runs):
        agg.add("a.png", sample, [one])
    (stage,) = reports(agg, "Sometimes")
    assert stage.convention == UNIT  # two of three runs
    assert stage.input_convention == BYTE  # two of three runs
    assert stage.notes == ("x", "y", "z")  # first-seen order, no repeats


def test_intervals_are_over_per_image_means_centred_on_the_reported_mean() -> None:
    agg = Aggregator(1, intervals=True)
    fills = {"a.png": [0.25, 0.75], "b.png": [0.125], "c.png": [0.375]}
    for image, values in fills.items():
        for sample, value in enumerate(values):
            agg.add(image, sample, [run(1, metrics=SampleMetrics(border_fill_fraction=value))])
    (stage,) = reports(agg, "RandomErasing")
    stat = stage.metrics["border_fill_fraction"]
    assert stat is not None and stat.ci95 is not None
    # The reported mean is over the four samples: (0.25 + 0.75 + 0.125 + 0.375) / 4.
    assert stat.mean == 0.375
    # The spread is that of the per-image means 0.5, 0.125, 0.375 (n = 3, df = 2): their
    # sample standard deviation over sqrt(3), times Student's t(0.975, 2), which with two
    # degrees of freedom has the closed form (2p - 1) / sqrt(2p(1 - p)) = 4.3027.
    means = [0.5, 0.125, 0.375]
    centre = sum(means) / 3
    sd = math.sqrt(sum((m - centre) ** 2 for m in means) / 2)
    t = (2 * 0.975 - 1) / math.sqrt(2 * 0.975 * 0.025)
    half = t * sd / math.sqrt(3)
    assert half == pytest.approx(0.4743, abs=1e-4)
    # 0.375 - 0.4743 is below 0: a fraction's interval stops at 0.
    assert stat.ci95 == pytest.approx((0.0, 0.375 + half), rel=1e-9)


def test_evidence_spans_and_flags_per_image_over_its_samples() -> None:
    agg = Aggregator(1)
    # a.png: two samples; b.png: one.
    agg.add(
        "a.png",
        0,
        [
            run(
                1,
                metrics=SampleMetrics(psnr_vs_reference=40.0, saturated_fraction=0.5),
                facts=facts(saturation_growth=0.125, tensor_in=True, mutated_input=False),
            )
        ],
    )
    agg.add(
        "a.png",
        1,
        [
            run(
                1,
                metrics=SampleMetrics(psnr_vs_reference=50.0, saturated_fraction=0.25),
                facts=facts(saturation_growth=0.375, tensor_in=False, mutated_input=False),
            )
        ],
    )
    agg.add(
        "b.png",
        0,
        [
            run(
                1,
                metrics=SampleMetrics(psnr_vs_reference=30.0),
                facts=facts(bits_out=16, palette_in=True, truncated_fraction=0.0625),
            )
        ],
    )
    evidence = agg.evidence()
    assert list(evidence) == [1]
    a, b = evidence[1]["a.png"], evidence[1]["b.png"]
    assert a.psnr_vs_reference == Span(40.0, 50.0)
    assert a.saturated_fraction == Span(0.25, 0.5)
    assert a.saturation_growth == Span(0.125, 0.375)
    assert a.saturation_growth_mean == 0.25  # (0.125 + 0.375) / 2
    assert a.tensor_in == Flag(any=True, all=False)  # one sample of two
    assert a.mutated_input == Flag(any=False, all=False)
    assert a.palette_in == Flag(any=False, all=False)
    assert a.bits_in == a.bits_out == Span(8.0, 8.0)
    assert a.truncated_fraction is None and a.wrapped_fraction is None  # never measured
    assert b.psnr_vs_reference == Span(30.0, 30.0)
    assert b.bits_out == Span(16.0, 16.0) and b.truncated_fraction == Span(0.0625, 0.0625)
    assert b.palette_in == Flag(any=True, all=True) and b.tensor_in == Flag(True, True)
    assert b.saturation_growth is None and b.saturation_growth_mean is None


def test_only_the_stage_whose_output_type_varies_for_the_same_input_is_flagged() -> None:
    agg = Aggregator(2)
    # Stage 1 returns a tensor, then an array; stage 2 keeps whatever it was given. Stage 2's
    # output varies too, but only because its input did: for the same input type it is steady.
    agg.add("a.png", 0, [run(1, TENSOR), run(2, TENSOR)])
    agg.add("a.png", 1, [run(1, ARRAY), run(2, ARRAY)])
    agg.add("a.png", 2, [run(1, TENSOR), run(2, TENSOR)])
    evidence = agg.evidence()
    assert evidence[1]["a.png"].type_varies == Flag(any=True, all=False)
    assert evidence[2]["a.png"].type_varies == Flag(any=False, all=False)


def test_intervals_stay_within_what_a_metric_can_be() -> None:
    """A Student-t interval around a mean near a bound reaches past it (PSNR 200 dB is the cap;
    fractions are in [0, 1]): the reported interval stops at the bound."""
    from augaudit.aggregate.aggregator import Aggregator
    from augaudit.measure.records import OutputKind, StageRun
    from augaudit.model import Convention, SampleMetrics
    from augaudit.spec.model import StageSpec

    agg = Aggregator(1, intervals=True)
    out = OutputKind("tensor", "Tensor", "float32", None, 3, (3, 8, 8))
    for image, psnr, fill in (("a", 200.0, 0.0), ("b", 200.0, 0.0), ("c", 120.0, 0.3)):
        metrics = SampleMetrics(psnr_vs_reference=psnr, border_fill_fraction=fill)
        agg.add(image, 0, [StageRun(1, out, False, Convention("float [0,1]"), metrics)])
    (stage,) = agg.stage_reports((StageSpec("Identity", None),), ("photometric",))
    psnr_stat, fill_stat = stage.metrics["psnr_vs_reference"], stage.metrics["border_fill_fraction"]
    assert psnr_stat is not None and psnr_stat.ci95 is not None
    assert fill_stat is not None and fill_stat.ci95 is not None
    # Unclamped: 173.3 +- 114.7 dB and 0.1 +- 0.43.
    assert psnr_stat.ci95[1] == 200.0 and psnr_stat.ci95[0] < psnr_stat.mean
    assert fill_stat.ci95[0] == 0.0 and 0.1 < fill_stat.ci95[1] < 1.0
