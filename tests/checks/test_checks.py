"""Every check in the catalogue fires on a pipeline that has its problem and stays quiet on one
that does not, through the real CLI (typer's CliRunner, in-process: torch is imported once).

Images are small synthetic PNGs with structure (a textured photo-like image with a black third,
a hard-edged checkerboard) plus files in the modes the loading checks are about. Each distinct
command line runs once per module (``cli`` caches results). Static checks are also exercised
through ``augaudit.api.validate``, which runs them without images.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from augaudit.aggregate.evidence import Evidence, Flag
from augaudit.api import validate
from augaudit.checks.context import CheckContext
from augaudit.checks.introspect import receives_tensor
from augaudit.checks.registry import all_checks
from augaudit.cli import app
from augaudit.model.codes import DEFAULT_THRESHOLDS
from tests.helpers import REPO

RUNNER = CliRunner()
# AUG503's own subject warns when built; the finding is what these tests look at.
pytestmark = pytest.mark.filterwarnings("ignore:The transform `ToTensor\\(\\)` is deprecated")
NAMES_IMAGES = {"AUG102", "AUG103", "AUG201", "AUG202", "AUG204", "AUG205", "AUG401", "AUG504"}
TO_FLOAT = "  - ToImage\n  - ToDtype: {dtype: float32, scale: true}\n"


def spec(body: str, header: str = "api: v2\n") -> str:
    return f"{header}pipeline:\n{body}"


def textured(w: int, h: int, seed: int) -> np.ndarray:
    """A structured RGB image whose left third is pure black content."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = 127 + 100 * np.sin(xx / 7.0) * np.cos(yy / 11.0)
    img = np.stack([base, base[::-1], np.roll(base, 13, axis=1)], axis=-1)
    img = np.clip(img + rng.normal(0, 8, img.shape), 0, 255).astype(np.uint8)
    img[:, : w // 3] = 0
    return img


def checkerboard(size: int, square: int) -> np.ndarray:
    board = (np.indices((size, size)) // square).sum(0) % 2 * 255
    return np.repeat(board[..., None], 3, axis=2).astype(np.uint8)


# Python specs (a stage that is the user's own code) for the checks on how stages behave.
PY_SLEEP = """import time
from torchvision.transforms import v2
def wait(img):
    time.sleep({seconds})
    return img
pipeline = [v2.ToImage(), wait, v2.RandomHorizontalFlip()]
"""
PY_DARKEN = """import torch
from torchvision.transforms import v2
def darken(t):
    {body}
pipeline = [v2.ToImage(), v2.ToDtype(torch.float32, scale=True), darken]
"""
# A stage whose draws augaudit cannot seed: every other call crops, so its probes never
# see the grid of the real run (AUG508), unlike a stage that always crops.
PY_COUNTED = """import itertools
from torchvision.transforms import v2
_calls = itertools.count()
def crop(x):
    return {body}
pipeline = [v2.ToImage(), crop, v2.RandomRotation(10)]
"""
PY_SEEDED_OWN = """import random
from torchvision.transforms import v2
class OwnDraws:  # its own generator, as an attribute: augaudit seeds it
    def __init__(self):
        self.rng = random.Random()
    def __call__(self, x):
        return v2.functional.center_crop(x, [32, 32]) if self.rng.random() < 0.5 else x
pipeline = [v2.ToImage(), OwnDraws(), v2.RandomRotation(10)]
"""
SIX = ("--samples", "6")

# --- the cases: (code, spec, images folder, extra CLI args, stage the finding names) -----------

FIRES: list[tuple[str, str, str, tuple[str, ...], int | None]] = [
    (
        "AUG101",
        spec(
            "  - ToTensor\n  - ToPILImage\n  - RandomRotation: {degrees: 10, interpolation: "
            "bilinear}\n",
            "api: v1\n",
        ),
        "imgs",
        (),
        2,
    ),
    ("AUG102", spec(TO_FLOAT + "  - Resize: {size: 40}\n  - ToPILImage\n"), "imgs", (), 4),
    ("AUG103", spec("  - ToImage\n  - Grayscale: {num_output_channels: 1}\n"), "imgs", (), 2),
    ("AUG103", spec(TO_FLOAT), "modes", (), None),  # alpha and 16 bits lost at loading
    ("AUG103", spec("  - ToImage\n"), "palette", ("--mode", "keep"), 1),  # indices as gray
    ("AUG201", spec(TO_FLOAT + "  - GaussianNoise: {sigma: 0.1, clip: false}\n"), "imgs", (), 3),
    (
        "AUG202",
        spec(TO_FLOAT + "  - Resize: {size: 96, interpolation: bicubic}\n  - ToPILImage\n"),
        "imgs",
        (),
        4,
    ),
    (
        "AUG203",
        spec("  - ToImage\n  - ToDtype: {dtype: float32}\n  - ColorJitter: {brightness: 0.2}\n"),
        "imgs",
        (),
        3,
    ),
    (
        "AUG204",
        spec(TO_FLOAT + "  - RandomErasing: {p: 1.0, value: .nan}\n"),
        "imgs",
        (),
        3,
    ),
    ("AUG205", spec(TO_FLOAT + "  - ColorJitter: {brightness: [1.8, 2.0]}\n"), "imgs", (), 3),
    ("AUG301", spec("  - RandomRotation: {degrees: [45, 45]}\n"), "imgs", (), 1),
    ("AUG302", spec("  - RandomRotation: {degrees: 10}\n"), "imgs", (), 1),
    (
        "AUG303",
        spec(TO_FLOAT + "  - RandomRotation: {degrees: 10, interpolation: bilinear}\n"),
        "imgs",
        (),
        3,
    ),
    (
        "AUG401",
        spec(TO_FLOAT + "  - Resize: {size: 96, interpolation: bicubic}\n  - ToPILImage\n"),
        "imgs",
        (),
        4,
    ),
    ("AUG501", spec("  - ToTensor\n", "api: v1\ninput: float\n"), "imgs", (), 1),
    (
        "AUG502",
        spec(
            TO_FLOAT + "  - Normalize: {mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]}\n"
            "  - ColorJitter: {brightness: 0.2}\n"
        ),
        "imgs",
        (),
        4,
    ),
    ("AUG503", spec("  - ToTensor\n"), "imgs", (), 1),
    ("AUG503", spec("  - ToImage\n  - ConvertImageDtype: {dtype: float32}\n"), "imgs", (), 2),
    ("AUG504", spec(TO_FLOAT), "broken", (), None),
    ("AUG505", PY_SLEEP.format(seconds=30), "imgs", ("--stage-timeout", "0.3"), 2),
    ("AUG506", spec("  - RandomApply: {transforms: [ToImage], p: 0.5}\n"), "imgs", SIX, 1),
    ("AUG507", PY_DARKEN.format(body="t.mul_(0.5)\n    return t"), "imgs", (), 3),
    (
        "AUG508",  # crops real images, refuses the constant probes
        PY_COUNTED.format(body="v2.CenterCrop(32)(x) if x.float().std() > 0 else None"),
        "imgs",
        (),
        2,
    ),
    (
        "AUG509",
        spec(
            "  - ToImage\n  - RandomApply:\n      p: 0.0\n"
            "      transforms: [{GaussianBlur: {kernel_size: 5}}]\n"
        ),
        "imgs",
        SIX,
        2,
    ),
    (
        "AUG510",  # draws from a call counter: the second call with the same seed differs
        PY_COUNTED.format(body="v2.CenterCrop(32)(x) if next(_calls) % 2 else x"),
        "imgs",
        (),
        2,
    ),
]

QUIET: list[tuple[str, str, str, tuple[str, ...]]] = [
    (
        "AUG101",
        spec(TO_FLOAT + "  - RandomRotation: {degrees: 10, interpolation: bilinear}\n"),
        "imgs",
        (),
    ),
    # Rounding, and a truncating cast of values already on the 8-bit grid, lose nothing.
    (
        "AUG102",
        spec(TO_FLOAT + "  - Resize: {size: 40}\n  - ToDtype: {dtype: uint8, scale: true}\n"),
        "imgs",
        (),
    ),
    ("AUG102", spec("  - ToTensor\n  - ToPILImage\n", "api: v1\n"), "imgs", ()),
    ("AUG103", spec("  - ToImage\n  - RandomGrayscale: {p: 1.0}\n"), "imgs", ()),
    ("AUG103", spec(TO_FLOAT), "modes", ("--mode", "keep")),  # alpha and 16 bits kept
    ("AUG103", spec(TO_FLOAT), "palette", ()),  # a palette expanded to RGB keeps its colours
    ("AUG201", spec(TO_FLOAT + "  - GaussianNoise: {sigma: 0.1, clip: true}\n"), "imgs", ()),
    # Overshoot that a conversion wraps is AUG202's, not reported twice.
    (
        "AUG201",
        spec(TO_FLOAT + "  - Resize: {size: 96, interpolation: bicubic}\n  - ToPILImage\n"),
        "imgs",
        (),
    ),
    (
        "AUG202",
        spec(TO_FLOAT + "  - Resize: {size: 96, interpolation: bilinear}\n  - ToPILImage\n"),
        "imgs",
        (),
    ),
    # ToDtype(uint8, scale=True) multiplies by 255.999: 0.996 -> 254 is not a wrap.
    (
        "AUG202",
        spec(TO_FLOAT + "  - Resize: {size: 40}\n  - ToDtype: {dtype: uint8, scale: true}\n"),
        "imgs",
        (),
    ),
    (
        "AUG203",
        spec(TO_FLOAT + "  - ColorJitter: {brightness: 0.2}\n"),
        "imgs",
        (),
    ),
    ("AUG204", spec(TO_FLOAT + "  - RandomErasing: {p: 1.0, value: 0}\n"), "imgs", ()),
    ("AUG205", spec(TO_FLOAT + "  - ColorJitter: {brightness: 0.1}\n"), "imgs", ()),
    (
        "AUG301",
        spec("  - RandomRotation: {degrees: 5, interpolation: bilinear}\n  - CenterCrop: 32\n"),
        "imgs",
        (),
    ),
    ("AUG302", spec("  - RandomRotation: {degrees: 10, interpolation: bilinear}\n"), "imgs", ()),
    (
        "AUG303",
        spec(TO_FLOAT + "  - RandomRotation: {degrees: 10, interpolation: bilinear, fill: null}\n"),
        "imgs",
        (),
    ),
    # PIL resamples with hard edges: fill=0 is harmless there.
    ("AUG303", spec("  - RandomRotation: {degrees: 10, interpolation: bilinear}\n"), "imgs", ()),
    (
        "AUG401",
        spec(TO_FLOAT + "  - Resize: {size: 96, interpolation: bilinear}\n  - ToPILImage\n"),
        "imgs",
        (),
    ),
    ("AUG501", spec("  - ToTensor\n", "api: v1\ninput: pil\n"), "imgs", ()),
    (
        "AUG502",
        spec(
            TO_FLOAT + "  - ColorJitter: {brightness: 0.2}\n"
            "  - Normalize: {mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]}\n"
            "  - RandomErasing: {p: 1.0}\n"
        ),
        "imgs",
        (),
    ),
    ("AUG503", spec(TO_FLOAT), "imgs", ()),
    ("AUG503", spec("  - ToTensor\n", "api: v1\n"), "imgs", ()),  # v1 ToTensor is not deprecated
    (
        "AUG503",  # nor is v1 ConvertImageDtype (torchvision 0.29: only v2's is)
        spec("  - PILToTensor\n  - ConvertImageDtype: {dtype: float32}\n", "api: v1\n"),
        "imgs",
        (),
    ),
    ("AUG504", spec(TO_FLOAT), "imgs", ()),
    ("AUG505", PY_SLEEP.format(seconds=0), "imgs", ("--stage-timeout", "5")),
    ("AUG506", spec("  - ToImage\n"), "imgs", SIX),
    ("AUG507", PY_DARKEN.format(body="return t * 0.5"), "imgs", ()),
    ("AUG508", PY_COUNTED.format(body="v2.CenterCrop(32)(x)"), "imgs", ()),
    (
        "AUG509",
        spec(
            "  - ToImage\n  - RandomApply:\n      p: 1.0\n"
            "      transforms: [{GaussianBlur: {kernel_size: 5}}]\n"
        ),
        "imgs",
        SIX,
    ),
    ("AUG510", PY_SEEDED_OWN, "imgs", ()),
]


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The working directory of every run: images, and a config of its own (no repo config)."""
    root = tmp_path_factory.mktemp("checks")
    for folder in ("imgs", "modes", "palette", "broken"):
        (root / folder).mkdir()
    Image.fromarray(textured(64, 64, seed=1)).save(root / "imgs" / "photo.png")
    Image.fromarray(checkerboard(48, 8)).save(root / "imgs" / "chart.png")
    rgba = np.dstack([textured(48, 48, seed=2), np.tile(np.linspace(0, 255, 48), (48, 1))])
    Image.fromarray(rgba.astype(np.uint8), "RGBA").save(root / "modes" / "rgba.png")
    deep = np.random.default_rng(3).integers(0, 65536, (48, 48)).astype(np.uint16)
    Image.fromarray(deep).save(root / "modes" / "gray16.png")
    Image.fromarray(textured(48, 48, seed=4)).quantize(16).save(root / "palette" / "p.png")
    Image.fromarray(textured(48, 48, seed=5)).save(root / "broken" / "ok.png")
    (root / "broken" / "empty.png").write_bytes(b"")
    (root / "augaudit.toml").write_text("samples = 1\n")
    (root / "lenient.toml").write_text(
        '[thresholds]\n"saturation-growth-max" = 0.99\n"final-psnr-min" = 5\n'
        '"final-ssim-min" = 0.1\n'
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setenv("COLUMNS", "200")
        mp.delenv("AUGAUDIT_FORMAT", raising=False)
        yield root


@pytest.fixture(scope="module")
def cli(ws: Path) -> Callable[..., dict[str, Any]]:
    """Run ``augaudit run SPEC IMAGES --samples 1 --format json [args]``, once per command line."""
    cache: dict[tuple[str, ...], dict[str, Any]] = {}
    specs: dict[str, str] = {}

    def run(text: str, images: str, *args: str) -> dict[str, Any]:
        suffix = ".py" if text.startswith("import") else ".yaml"
        name = specs.setdefault(text, f"spec{len(specs)}{suffix}")
        (ws / name).write_text(text)
        argv = ("run", name, images, "--samples", "1", "--format", "json", *args)
        if argv not in cache:
            result = RUNNER.invoke(app, list(argv), catch_exceptions=False)
            assert result.exit_code in (0, 1), (argv, result.output)
            cache[argv] = json.loads(result.stdout)
        return cache[argv]

    return run


def findings(doc: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["code"] == code]


# --- fires and stays quiet ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "text", "images", "args", "stage"),
    FIRES,
    ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(FIRES)],
)
def test_check_fires(cli, code, text, images, args, stage) -> None:
    doc = cli(text, images, *args)
    found = findings(doc, code)
    assert found, doc["findings"]
    severity = {c.code: c.severity for c in all_checks()}[code]

    def expected(f: dict[str, Any]) -> str:
        # What --mode rgb loading loses is about the images, reported as info (README).
        return "info" if code == "AUG103" and f["stage"] is None else severity

    assert all(f["severity"] == expected(f) and f["hint"] for f in found)
    assert stage in [f["stage"] for f in found]
    if code in NAMES_IMAGES:  # findings from per-image measurements name their images
        assert all(f["images"] for f in found), found


@pytest.mark.parametrize(
    ("code", "text", "images", "args"),
    QUIET,
    ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(QUIET)],
)
def test_check_stays_quiet(cli, code, text, images, args) -> None:
    doc = cli(text, images, *args)
    assert findings(doc, code) == [], findings(doc, code)
    # The pipeline really ran: every stage produced output and none raised.
    assert all(st["errors"] == [] and st["output"]["types"] for st in doc["stages"])


def test_every_check_has_both_cases() -> None:
    codes = {c.code for c in all_checks()}
    assert {case[0] for case in FIRES} == codes
    assert {case[0] for case in QUIET} == codes


# --- what the findings say ----------------------------------------------------------------------


def test_loading_losses_name_their_images(cli) -> None:
    found = findings(cli(spec(TO_FLOAT), "modes"), "AUG103")
    by_images = {tuple(f["images"]): f["message"] for f in found}
    assert set(by_images) == {("modes/rgba.png",), ("modes/gray16.png",)}
    assert "alpha dropped" in by_images[("modes/rgba.png",)]
    assert "8 bits" in by_images[("modes/gray16.png",)]
    assert all(f["stage"] is None for f in found)


def test_grayscale_is_reported_as_colour_dropped(cli) -> None:
    text = spec("  - ToImage\n  - Grayscale: {num_output_channels: 1}\n")
    (finding,) = findings(cli(text, "imgs"), "AUG103")
    assert "colour dropped" in finding["message"]
    assert finding["images"] == ["imgs/chart.png", "imgs/photo.png"]


def test_colorjitter_on_0_255_floats_saturates_most_values(cli) -> None:
    text = spec("  - ToImage\n  - ToDtype: {dtype: float32}\n  - ColorJitter: {brightness: 0.2}\n")
    (finding,) = findings(cli(text, "imgs"), "AUG205")
    # The photo's two non-black thirds end at 1.0; the chart's black and white were pinned already.
    worst = float(re.search(r"up to ([\d.]+)% more", finding["message"]).group(1))
    assert 60 < worst < 70
    assert finding["images"] == ["imgs/photo.png"]


def test_truncation_finding_reports_about_half_the_values(cli) -> None:
    text = spec(TO_FLOAT + "  - Resize: {size: 40}\n  - ToPILImage\n")
    (finding,) = findings(cli(text, "imgs"), "AUG102")
    share = float(re.search(r"up to ([\d.]+)% of values", finding["message"]).group(1))
    assert 20 < share < 60  # a fraction above .5 on about half of continuous values


def test_nearest_default_is_named_as_the_default(cli) -> None:
    (finding,) = findings(cli(spec("  - RandomRotation: {degrees: 10}\n"), "imgs"), "AUG302")
    assert "(its default)" in finding["message"]
    explicit = spec("  - Resize: {size: 40, interpolation: nearest}\n")
    (finding,) = findings(cli(explicit, "imgs"), "AUG302")
    assert "(its default)" not in finding["message"]


def test_thresholds_come_from_the_config(cli) -> None:
    saturating = spec(TO_FLOAT + "  - ColorJitter: {brightness: [1.8, 2.0]}\n")
    wrapping = spec(TO_FLOAT + "  - Resize: {size: 96, interpolation: bicubic}\n  - ToPILImage\n")
    assert findings(cli(saturating, "imgs", "--config", "lenient.toml"), "AUG205") == []
    assert findings(cli(wrapping, "imgs", "--config", "lenient.toml"), "AUG401") == []
    for key in (
        "truncated-fraction-max",
        "out-of-range-max",
        "saturation-growth-max",
        "final-psnr-min",
        "final-ssim-min",
    ):
        assert key in DEFAULT_THRESHOLDS


def test_shipped_well_built_config_has_no_findings(cli) -> None:
    doc = cli((REPO / "configs" / "well_built.yaml").read_text(), "imgs")
    assert doc["findings"] == []


# --- static checks without images ---------------------------------------------------------------


def validate_text(ws: Path, text: str) -> list[tuple[str, int | None]]:
    path = ws / "static.yaml"
    path.write_text(text)
    report = validate(str(path))
    return [(f.code, f.stage) for f in report.findings]


def test_static_checks_run_in_validate_and_open_containers(ws: Path) -> None:
    text = spec(
        "  - ToTensor\n"  # AUG503 (v2)
        "  - Normalize: {mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5]}\n"
        "  - RandomApply:\n"
        "      p: 0.5\n"
        "      transforms:\n"
        "        - RandomAffine: {degrees: 5}\n"  # AUG302 inside a container
        "        - RandomSolarize: {threshold: 0.5}\n"  # AUG502 after Normalize
        "  - RandomRotation: {degrees: 5, interpolation: bilinear}\n"  # AUG303 on tensors
        "  - RandomErasing: {p: 0.5}\n"  # fine after Normalize
    )
    assert sorted(validate_text(ws, text)) == [
        ("AUG302", 3),
        ("AUG303", 4),
        ("AUG502", 3),
        ("AUG503", 1),
    ]


def test_static_checks_infer_the_data_type_for_aug303(ws: Path, cli) -> None:
    rotation = "  - RandomRotation: {degrees: 5, interpolation: bilinear}\n"
    assert validate_text(ws, spec(rotation)) == []  # PIL input, the default
    assert validate_text(ws, spec("  - ToImage\n" + rotation)) == [("AUG303", 2)]
    assert validate_text(ws, spec("  - ToImage\n  - ToPILImage\n" + rotation)) == []
    elastic = spec("  - ElasticTransform: {alpha: 20.0}\n")  # a tensor grid even for PIL
    assert validate_text(ws, elastic) == [("AUG303", 1)]
    # In a run, what the stage received decides (here a float tensor from --input).
    (finding,) = findings(cli(spec(rotation), "imgs", "--input", "float"), "AUG303")
    assert finding["stage"] == 1


def test_the_pipeline_input_decides_for_stages_before_any_conversion() -> None:
    from torchvision.transforms import v2

    transforms = (v2.RandomRotation(5), v2.ToImage(), v2.ToPILImage(), v2.RandomRotation(5))
    for kind, expected in (("pil", False), ("uint8", True), ("float", True), (None, False)):
        ctx = CheckContext(stages=(), transforms=transforms, input_kind=kind)
        assert receives_tensor(ctx, 1) is expected, kind
        assert receives_tensor(ctx, 3) is True  # after ToImage
        assert receives_tensor(ctx, 4) is False  # after ToPILImage
    tensor = Evidence(tensor_in=Flag(any=True, all=True))
    measured = CheckContext(stages=(), evidence={1: {"a.png": tensor}})
    assert receives_tensor(measured, 1) is True  # what a run saw beats the spec


def test_validate_runs_exactly_the_static_checks(ws: Path) -> None:
    (ws / "plain.yaml").write_text(spec(TO_FLOAT))
    report = validate(str(ws / "plain.yaml"))
    assert set(report.checks) == {c.code for c in all_checks() if c.static}
    assert {"AUG302", "AUG303", "AUG502", "AUG503"} <= set(report.checks)
    assert report.findings == ()


# --- the catalogue ------------------------------------------------------------------------------


def test_every_check_is_documented() -> None:
    checks = all_checks()
    assert len(checks) == len({c.code for c in checks}) >= 16
    for check in checks:
        assert re.fullmatch(r"AUG\d{3}", check.code), check.code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", check.name), check.name
        assert check.severity in ("error", "warning", "info")
        assert check.summary_for() and check.hint, check.code
        assert "Fails" in check.doc and "Passes" in check.doc, check.code
        assert check.doc.index("Fails") < check.doc.index("Passes"), check.code
        first = check.doc.splitlines()[0]
        assert first and not first.startswith(("Fails", "Passes")), check.code


def test_the_check_table_and_the_code_table_name_the_same_codes() -> None:
    from augaudit.checks.registry import CHECKS
    from augaudit.model.codes import CODES

    assert [c.code for c in CHECKS] == [info.code for info in CODES]
    assert all(check.info is info for check, info in zip(CHECKS, CODES, strict=True))


def test_summaries_state_the_thresholds_in_effect() -> None:
    from augaudit.checks.registry import REGISTRY

    fill = REGISTRY["AUG301"]
    assert "above 5% on average or 15% at worst" in fill.summary_for()
    changed = fill.summary_for({"border-fill-mean": 0.1, "border-fill-max": 0.25})
    assert "above 10% on average or 25% at worst" in changed
    final = REGISTRY["AUG401"].summary_for({"final-psnr-min": 35.5, "final-ssim-min": 0.9})
    assert "below 35.5 dB PSNR or 0.9 SSIM" in final
    assert "{" not in "".join(c.summary_for() for c in REGISTRY.values())
