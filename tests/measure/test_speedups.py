"""The audit loop's shortcuts give the numbers the long way gives.

Each shortcut of issue 5 is checked against the computation it replaces:
SSIM carried over from the previous stage, the probes skipped for
torchvision classes that never fill, the run at real precision skipped when
the real output already agrees with the float run, the range fast path.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torchvision.transforms as v1
import torchvision.transforms.v2 as v2
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

import augaudit.knowledge as knowledge
import augaudit.measure.runner as runner
import augaudit.measure.stage_metrics as measure
import augaudit.measure.twin as twin
from augaudit.api import audit
from augaudit.measure.coverage import keeps_full_coverage, probe, probe_inputs, read_probes
from augaudit.measure.seeding import seed_everything
from augaudit.measure.stage_metrics import fidelity, pinned_fraction, range_metrics
from augaudit.measure.values import BYTE, UNIT, Convention
from tests.helpers import REPO

SAMPLES = REPO / "sample_images"


def _photo_pair(size: int = 96) -> tuple[torch.Tensor, torch.Tensor]:
    img = Image.open(SAMPLES / "astronaut.jpg").convert("RGB").resize((size, size))
    ref = torch.from_numpy(np.asarray(img, dtype=np.float64) / 255.0).permute(2, 0, 1)
    test = ((ref * 255).round() / 255 + 0.02 * torch.sin(ref * 40)).clamp(0, 1)
    return ref.contiguous(), test.contiguous()


def _count_ssim(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    real = measure.ssim

    def counted(*args: object, **kwargs: object) -> float | None:
        calls[0] += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(measure, "ssim", counted)
    return calls


@pytest.mark.parametrize(
    "dims", [(), (-1,), (-2,), (-2, -1)], ids=["same", "mirrored", "upside-down", "turned"]
)
def test_ssim_is_carried_over_for_the_same_pair(monkeypatch, dims):
    ref, test = _photo_pair()
    cover = torch.ones(ref.shape[1:], dtype=torch.float64)
    cover[:, :7] = 0.5  # a partly covered image, so the mask has to move with the flip
    first = fidelity(ref, test, cover)
    moved = [t.flip(dims) if dims else t for t in (ref, test, cover)]
    calls = _count_ssim(monkeypatch)
    carried = fidelity(*moved, previous=first)
    assert calls[0] == 0
    fresh = fidelity(*moved)
    assert calls[0] == 1
    assert carried.ssim == first.ssim
    assert carried.psnr == fresh.psnr
    # float32 sums a mirrored map in another order: up to ~6e-6 on photos.
    assert fresh.ssim is not None and abs(carried.ssim - fresh.ssim) <= 1e-5


def test_carried_over_ssim_is_compared_with_the_pair_it_was_computed_on(monkeypatch):
    """Moves under the tolerance one stage at a time cannot add up unseen."""
    ref, test = _photo_pair()
    first = fidelity(ref, test, None)
    step = 0.7 * measure.REUSE_WITHIN
    calls = _count_ssim(monkeypatch)
    second = fidelity(ref, test + step, None, first)
    assert calls[0] == 0 and second.ssim == first.ssim
    third = fidelity(ref, test + 2 * step, None, second)  # 1.4x the tolerance from the first
    assert calls[0] == 1
    assert third.ssim == fidelity(ref, test + 2 * step, None).ssim


def test_ssim_is_carried_over_across_rerounding_within_the_tolerance(monkeypatch):
    ref, test = _photo_pair()
    first = fidelity(ref, test, None)
    # What ToDtype(float32) and Normalize do to the pair: one float32 rounding.
    rounded = test.float().double() + torch.where(test > 0.5, 5.96e-8, -2.98e-8)
    calls = _count_ssim(monkeypatch)
    carried = fidelity(ref, rounded, None, first)
    assert calls[0] == 0
    fresh = fidelity(ref, rounded, None)
    assert fresh.ssim is not None and carried.ssim is not None
    assert abs(carried.ssim - fresh.ssim) <= 2e-6


@pytest.mark.parametrize("change", ["content", "mask", "shape"])
def test_ssim_is_recomputed_when_the_pair_changed(monkeypatch, change):
    ref, test = _photo_pair()
    first = fidelity(ref, test, None)
    cover = None
    if change == "content":
        test = (test + 1e-3 * torch.cos(ref * 9)).clamp(0, 1)
    elif change == "mask":
        cover = torch.ones(ref.shape[1:], dtype=torch.float64)
        cover[:20] = 0.0
    else:
        ref, test = ref[:, :90], test[:, :90]
    calls = _count_ssim(monkeypatch)
    again = fidelity(ref, test, cover, first)
    assert calls[0] == 1
    assert again.ssim == fidelity(ref, test, cover).ssim


SPEC_NO_ERROR_STAGES = """\
api: v2
input: uint8
pipeline:
  - RandomRotation: {degrees: 20, interpolation: bilinear}
  - ColorJitter: {brightness: 0.3, contrast: 0.3, saturation: 0.3, hue: 0.05}
  - RandomHorizontalFlip: {p: 0.5}
  - RandomVerticalFlip: {p: 0.5}
  - ToDtype: {dtype: float32, scale: true}
  - Normalize: {mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}
"""


def _stage_means(report) -> list[dict[str, tuple[float, float, float] | None]]:
    """Each stage's (mean, min, max) per measurement."""
    return [
        {
            name: (s.mean, s.min, s.max) if s is not None else None
            for name, s in stage.metrics.items()
        }
        for stage in report.stages
    ]


@pytest.mark.slow
def test_audit_with_carried_over_ssim_matches_recomputing_every_stage(tmp_path, monkeypatch):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC_NO_ERROR_STAGES)
    images = [str(SAMPLES / "astronaut.jpg"), str(SAMPLES / "coffee.jpg")]
    calls = _count_ssim(monkeypatch)
    fast = _stage_means(audit(str(spec), images, samples=3, seed=4))
    carried_calls = calls[0]
    monkeypatch.setattr(measure, "REUSE_WITHIN", -1.0)  # nothing is ever the same pair
    calls[0] = 0
    slow = _stage_means(audit(str(spec), images, samples=3, seed=4))
    # Flips, the float conversion and Normalize add no error: 4 of 6 stages reuse.
    assert carried_calls < calls[0] - 2 * 3 * 3
    for fast_stage, slow_stage in zip(fast, slow, strict=True):
        assert fast_stage.keys() == slow_stage.keys()
        for name, value in fast_stage.items():
            other = slow_stage[name]
            if name.startswith("ssim") and value is not None and other is not None:
                assert max(abs(a - b) for a, b in zip(value, other, strict=True)) <= 1e-5, name
            else:
                assert value == other, name


@pytest.mark.parametrize(
    "transform",
    [
        v2.RandomResizedCrop(40, scale=(0.2, 1.0), ratio=(0.5, 2.0), antialias=True),
        v2.Resize((37, 53), antialias=True),
        v2.RandomHorizontalFlip(p=1.0),
        v2.RandomVerticalFlip(p=1.0),
        v1.RandomResizedCrop(40, scale=(0.2, 1.0), ratio=(0.5, 2.0)),
        v1.Resize(41),
        v1.RandomHorizontalFlip(p=1.0),
        v1.RandomVerticalFlip(p=1.0),
    ],
    ids=lambda t: f"{type(t).__module__.split('.')[2]}.{type(t).__name__}",
)
@pytest.mark.parametrize("as_pil", [False, True], ids=["tensor", "pil"])
def test_fill_free_classes_are_measured_full_by_their_probes(transform, as_pil):
    """The classes whose probes are skipped: the probes would have said fully covered."""
    assert keeps_full_coverage(transform)
    rng = np.random.default_rng(3)
    arr = rng.integers(0, 256, (3, 64, 80), dtype=np.uint8)
    image = Image.fromarray(arr.transpose(1, 2, 0)) if as_pil else torch.from_numpy(arr)
    full = torch.ones(64, 80, dtype=torch.float64)
    for seed in range(12):
        probe_a, probe_b = probe_inputs(image, BYTE, full, 3)
        seed_everything(seed)
        out_a = transform(probe_a)
        seed_everything(seed)
        out_b = transform(probe_b)
        measured = read_probes(out_a, out_b, BYTE, 3).coverage
        assert bool((measured == 1.0).all()), seed


def test_classes_that_can_fill_are_probed():
    class PaddedFlip(v2.RandomHorizontalFlip):
        """A subclass may add padding: it is probed like any other stage."""

    for transform in (
        v2.RandomRotation(10),
        v2.RandomCrop(32, padding=4),
        v2.CenterCrop(500),
        v2.RandomAffine(0, translate=(0.1, 0.1)),
        v1.RandomPerspective(),
        PaddedFlip(),
    ):
        assert not keeps_full_coverage(transform), transform


def test_skipping_the_probes_changes_no_number(tmp_path, monkeypatch):
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "api: v2\ninput: uint8\npipeline:\n"
        "  - RandomResizedCrop: {size: 64, scale: [0.3, 1.0]}\n"
        "  - RandomHorizontalFlip\n"
        "  - RandomRotation: {degrees: 25}\n"
        "  - RandomHorizontalFlip\n"
    )
    images = [str(SAMPLES / "chelsea.jpg")]
    fast = _stage_means(audit(str(spec), images, samples=4, seed=1))
    monkeypatch.setattr(runner, "keeps_full_coverage", lambda transform: False)
    slow = _stage_means(audit(str(spec), images, samples=4, seed=1))
    assert fast == slow
    assert fast[2]["border_fill_fraction"][0] > 0.01  # the rotation's fill is still measured


UNIT_FREE_STAGES = [
    "ColorJitter: {brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0.2}",
    "GaussianBlur: {kernel_size: 5, sigma: [0.5, 2.0]}",
    "Grayscale: {num_output_channels: 3}",
    "RandomGrayscale: {p: 1.0}",
    "RandomInvert: {p: 1.0}",
    "RandomAdjustSharpness: {sharpness_factor: 3, p: 1.0}",
    "RandomAutocontrast: {p: 1.0}",
    "RandomChannelPermutation",
    "RandomPhotometricDistort: {p: 1.0}",
]


def test_every_unit_free_class_is_listed():
    assert {stage.split(":")[0] for stage in UNIT_FREE_STAGES} == knowledge.UNIT_FREE


@pytest.mark.slow
@pytest.mark.parametrize("api", ["v1", "v2"])
@pytest.mark.parametrize("stage", UNIT_FREE_STAGES, ids=lambda s: s.split(":")[0])
def test_unit_free_classes_skip_a_rerun_that_would_keep_the_float_run(
    tmp_path, monkeypatch, stage, api
):
    """With the list emptied every stage on integers reruns at 8 bits; the reports agree."""
    if api == "v1" and stage.split(":")[0] in (
        "RandomChannelPermutation",
        "RandomPhotometricDistort",
    ):
        pytest.skip("a v2-only class")
    spec = tmp_path / "spec.yaml"
    # After a rotation, so the real input has drifted from the twin.
    spec.write_text(
        f"api: {api}\ninput: uint8\npipeline:\n  - RandomRotation: {{degrees: 20}}\n  - {stage}\n"
    )
    images = [str(SAMPLES / "coffee.jpg"), str(SAMPLES / "camera.png")]
    fast = audit(str(spec), images, samples=3, seed=2)
    monkeypatch.setattr(twin, "unit_free", lambda transform: False)
    slow = audit(str(spec), images, samples=3, seed=2)
    assert _stage_means(fast) == _stage_means(slow)
    assert [s.notes for s in fast.stages] == [s.notes for s in slow.stages]


def test_a_rerun_on_the_real_input_itself_reuses_the_real_output(tmp_path, monkeypatch):
    """First stage on integers: the twin, rounded, is the real input, so no second call."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "api: v2\ninput: uint8\npipeline:\n  - RandomSolarize: {threshold: 128, p: 1.0}\n"
    )
    images = [str(SAMPLES / "coffee.jpg")]
    fast = audit(str(spec), images, samples=2, seed=2)
    monkeypatch.setattr(twin, "same_values", lambda a, b: False)
    slow = audit(str(spec), images, samples=2, seed=2)
    assert _stage_means(fast) == _stage_means(slow)
    assert any("input's precision" in note for note in fast.stages[0].notes)


def test_a_raw_unit_threshold_is_caught_after_the_real_data_drifted():
    """A float threshold on uint8 data, after a PIL round trip that floors (review case)."""
    from augaudit.knowledge import stage_kind
    from augaudit.measure.runner import run_sample

    g = torch.Generator().manual_seed(0)
    x = 0.6 + 0.4 * torch.rand(3, 48, 48, generator=g)
    x[:, 16:32, :] = 0.7 / 255  # 0 after ToPILImage's floor, 1 when rounded
    stages = [v2.ToPILImage(), v2.PILToTensor(), v2.RandomSolarize(threshold=0.5, p=1.0)]
    runs, _ = run_sample(
        stages, [stage_kind(t) for t in stages], x.float(), image_key="k", sample=0, seed=0
    )
    assert any("input's precision" in note for note in runs[2].notes)
    assert runs[2].metrics["psnr_vs_reference"] < 10


def test_solarize_threshold_in_raw_units_still_runs_the_reference_at_8_bits(tmp_path):
    spec = tmp_path / "spec.yaml"
    stage = "RandomSolarize: {threshold: 128, p: 1.0}"
    spec.write_text(
        f"api: v2\ninput: uint8\npipeline:\n  - RandomRotation: {{degrees: 5}}\n  - {stage}\n"
    )
    report = audit(str(spec), [str(SAMPLES / "coffee.jpg")], samples=1)
    assert any("input's precision" in note for note in report.stages[1].notes)


class _HalvesFloatsInPlace:
    """Leaves integer input alone but writes into float input: the twin's."""

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if x.is_floating_point():
            return x.mul_(0.5)
        return x // 2


def test_a_stage_writing_into_the_twin_loses_the_reference_instead_of_corrupting_it():
    from augaudit.knowledge import StageKind
    from augaudit.measure.runner import run_sample

    image = torch.from_numpy(np.array(Image.open(SAMPLES / "coffee.jpg").convert("RGB")))
    x = image.permute(2, 0, 1)[:, :64, :64].contiguous()
    kinds: list[StageKind] = ["photometric"]
    runs, _ = run_sample([_HalvesFloatsInPlace()], kinds, x, image_key="k", sample=0, seed=0)
    assert runs[0].metrics["psnr_vs_reference"] is None
    assert any("modified the reference" in note for note in runs[0].notes)


class _HalvesFloatsThroughNumpy:
    """Writes into float input where torch's version counter cannot see it."""

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if x.is_floating_point():
            x.numpy()[...] *= 0.5
            return x
        return x // 2


def test_code_outside_torchvision_always_gets_a_copy_of_the_twin():
    from augaudit.measure.runner import run_sample

    # Bright, so that halving the twin twice (x / 4 against x / 2) is a gap
    # the rerun cannot take for rounding.
    bright = torch.from_numpy(np.random.default_rng(1).integers(128, 256, (3, 64, 64), np.uint8))
    stages = [_HalvesFloatsThroughNumpy()]
    runs, _ = run_sample(stages, ["unknown"], bright, image_key="k", sample=0, seed=0)
    # Shared, the rerun at 8 bits would read the halved twin and call the stage
    # a different operation; copied, the float run stands (x // 2 vs x / 2).
    assert not any("input's precision" in note for note in runs[0].notes)
    assert runs[0].metrics["psnr_vs_reference"] > 40


def test_a_pil_stage_that_works_in_place_on_tensors_keeps_its_reference():
    """The real run on PIL says nothing about in-place writes to the tensor twin (review case)."""
    from augaudit.knowledge import stage_kind
    from augaudit.measure.runner import run_sample

    rng = np.random.default_rng(0)
    x = Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    stages = [
        v2.RandomErasing(p=1.0, inplace=True),
        v2.RandomHorizontalFlip(p=1.0),
        v2.PILToTensor(),
    ]
    runs, _ = run_sample(
        stages, [stage_kind(t) for t in stages], x, image_key="k", sample=0, seed=0
    )
    assert [r.metrics["psnr_vs_reference"] is not None for r in runs] == [True, True, True]
    assert not any("modified the reference" in note for r in runs for note in r.notes)


def test_ssim_works_outside_inference_mode_after_a_call_inside_it():
    from augaudit.measure.metrics import ssim

    ref, test = _photo_pair(40)
    with torch.inference_mode():
        inside = ssim(ref.float(), test.float(), data_range=1.0)
    assert ssim(ref.float(), test.float(), data_range=1.0) == inside
    with torch.inference_mode():
        assert twin._version(torch.zeros(2)) is None


def test_an_empty_image_reports_no_border_fill_rather_than_nan():
    from augaudit.knowledge import stage_kind
    from augaudit.measure.runner import run_sample

    stages = [v2.RandomHorizontalFlip(p=1.0), v2.RandomRotation(10)]
    x = torch.zeros(3, 0, 7, dtype=torch.uint8)
    runs, _ = run_sample(
        stages, [stage_kind(t) for t in stages], x, image_key="k", sample=0, seed=0
    )
    fills = [r.metrics.get("border_fill_fraction") for r in runs]
    assert all(f is None or not math.isnan(f) for f in fills), fills


def _range_metrics_long_way(raw: torch.Tensor, conv: Convention) -> dict[str, float]:
    total = raw.numel()
    lo, hi = conv.bounds(raw.shape[0])
    tol = 1e-6 * (hi - lo)
    finite = torch.isfinite(raw)
    values = torch.where(finite, raw, lo)
    outside = finite & ((values < lo - tol) | (values > hi + tol))
    ends = finite & (((values - lo).abs() <= tol) | ((values - hi).abs() <= tol))
    return {
        "out_of_range_fraction": float(outside.sum()) / total,
        "saturated_fraction": float(ends.sum()) / total,
        "nonfinite_fraction": 1.0 - float(finite.sum()) / total,
    }


NORMALIZED = UNIT.normalized((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
_VALUES = st.sampled_from([0.0, 1.0, 255.0, -1e-7, 1.0 + 1e-7, 0.5, 2.1, -2.2, math.nan, math.inf])


@settings(max_examples=150, deadline=None)
@given(
    conv=st.sampled_from([BYTE, UNIT, NORMALIZED]),
    base=st.floats(-0.5, 1.5),
    specials=st.lists(st.tuples(st.integers(0, 47), _VALUES), max_size=6),
)
def test_range_fast_path_matches_the_elementwise_definition(conv, base, specials):
    lo, hi = conv.bounds(3)
    raw = (lo + (hi - lo) * base).expand(3, 4, 4).clone()
    raw += torch.linspace(-0.01, 0.01, 48, dtype=torch.float64).view(3, 4, 4) * (hi - lo)
    flat = raw.view(-1)
    for index, value in specials:
        flat[index] = value
    assert range_metrics(raw, conv) == pytest.approx(_range_metrics_long_way(raw, conv))
    mask = torch.ones(4, 4, dtype=torch.bool)
    mask[0] = False
    for m in (None, mask):
        ends = ((raw - lo).abs() <= 1e-6 * (hi - lo)) | ((raw - hi).abs() <= 1e-6 * (hi - lo))
        if not conv.integer:
            ends |= (raw.abs() <= 1e-6) | ((raw - 1).abs() <= 1e-6)
        valid = torch.isfinite(raw) & (True if m is None else m.unsqueeze(0))
        count = int(valid.sum())
        expected = float((ends & valid).sum()) / count if count else None
        assert pinned_fraction(raw, conv, m) == pytest.approx(expected)


def _full_probes(transform, image, conv, coverage, seed):
    probe_a, probe_b = probe_inputs(image, conv, coverage, image.shape[0])
    seed_everything(seed)
    out_a = transform(probe_a)
    seed_everything(seed)
    out_b = transform(probe_b)
    return read_probes(out_a, out_b, conv, image.shape[0])


@pytest.mark.parametrize(
    "transform",
    [
        v2.RandomRotation(30, interpolation=v2.InterpolationMode.BILINEAR, fill=[9, 200, 40]),
        v2.RandomAffine(20, translate=(0.2, 0.1), scale=(0.7, 1.2), shear=10),
        v2.RandomPerspective(0.6, p=1.0, fill=17),
        v2.RandomCrop(50, padding=6, padding_mode="constant"),
        v2.Pad([3, 5, 7, 2], fill=255),
        v2.RandomZoomOut(fill=100, side_range=(1.0, 2.0), p=1.0),
        v2.CenterCrop(70),
        v2.Compose([v2.RandomHorizontalFlip(), v2.RandomRotation(15)]),
        v2.RandomApply([v2.RandomAffine(0, translate=(0.3, 0.3))], p=0.7),
        v1.RandomRotation(25, fill=[30, 60, 90]),
        v1.RandomAffine(10, translate=(0.1, 0.2)),
        v1.RandomPerspective(0.5, p=1.0),
        v1.RandomCrop(48, padding=4),
    ],
    ids=lambda t: f"{type(t).__module__.split('.')[2]}.{type(t).__name__}",
)
@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32])
@pytest.mark.parametrize("incoming", ["full", "partial"])
def test_probes_in_one_call_measure_what_the_full_probes_measure(transform, dtype, incoming):
    from augaudit.measure.coverage import probe_together, probes_share_a_call

    conv = BYTE if dtype == torch.uint8 else UNIT
    image = torch.zeros(3, 64, 80, dtype=dtype)
    assert probes_share_a_call(transform, image, conv)
    coverage = torch.ones(64, 80, dtype=torch.float64)
    if incoming == "partial":
        coverage[:, :9] = 0.0
        coverage[:, 9] = 0.4
    per_channel_fill = isinstance(getattr(transform, "fill", None), list)
    for seed in range(8):
        full = _full_probes(transform, image, conv, coverage, seed)
        # What the runner measures: one call, or the full probes when the
        # stage refuses the single-channel batch (a fill per channel).
        measured = probe(transform, image, conv, coverage, 3, seed).coverage
        assert torch.allclose(measured, full.coverage, rtol=0, atol=1e-12), seed
        seed_everything(seed)
        if per_channel_fill:
            with pytest.raises(ValueError):
                probe_together(transform, image, conv, coverage)
        else:
            together = probe_together(transform, image, conv, coverage)
            assert torch.allclose(together.coverage, full.coverage, rtol=0, atol=1e-12), seed


def test_probes_run_separately_for_anything_else():
    from augaudit.measure.coverage import probes_share_a_call

    tensor = torch.zeros(3, 8, 8, dtype=torch.uint8)
    pil = Image.new("RGB", (8, 8))
    normalized = UNIT.normalized((0.5, 0.4, 0.3), (0.2, 0.25, 0.3))
    assert not probes_share_a_call(v2.RandomRotation(10), tensor.float(), normalized)
    assert not probes_share_a_call(v2.RandomRotation(10), pil, BYTE)
    assert not probes_share_a_call(v2.RandomRotation(10), tensor[None], BYTE)  # a batch already
    assert not probes_share_a_call(_HalvesFloatsInPlace(), tensor, BYTE)
    jittered = v2.Compose([v2.RandomRotation(5), v2.ColorJitter(0.2)])
    assert not probes_share_a_call(jittered, tensor, BYTE)
    mixed = v2.Compose([v2.RandomRotation(5), _HalvesFloatsInPlace()])
    assert not probes_share_a_call(mixed, tensor, BYTE)
    from torchvision import tv_tensors

    assert not probes_share_a_call(v2.RandomRotation(10), tv_tensors.Image(tensor), BYTE)
