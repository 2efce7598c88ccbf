"""The recorded torchvision catalog and the torch-free ``validate`` path built on it.

Outside truth: the installed torchvision itself. The catalog is regenerated from it and must
equal the shipped file; every spec validated with shadow transforms must give the same
findings, stages and errors as building the real transforms (``validate(build=True)``), and
the shadows must read like the real objects through the checks' own introspection helpers.
"""

from __future__ import annotations

import importlib.util
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from augaudit import knowledge as introspect
from augaudit.api import validate
from augaudit.checks.registry import all_checks
from augaudit.errors import SpecError
from augaudit.knowledge import is_torchvision_class, stage_kind, walk
from augaudit.spec import load_spec, static
from augaudit.spec.catalog import CATALOG_FILE, decode_default, encode_default
from augaudit.spec.static import load_static
from tests.helpers import REPO

CONFIGS = sorted(REPO.glob("configs/*.yaml"))


def _tool() -> Any:
    spec = importlib.util.spec_from_file_location("make_catalog", REPO / "tools/make_catalog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_catalog_matches_the_installed_torchvision() -> None:
    tool = _tool()
    shipped = (REPO / "augaudit" / "spec" / CATALOG_FILE).read_text("utf-8")
    assert tool.render(tool.build_catalog()) == shipped, (
        "augaudit/spec/torchvision_catalog.json is out of date for the installed torchvision: "
        "run `python tools/make_catalog.py` and commit the result"
    )


def test_defaults_round_trip_through_json() -> None:
    import torch
    from torchvision.transforms import InterpolationMode

    assert decode_default(encode_default((0.08, 1.0))) == (0.08, 1.0)
    assert decode_default(encode_default([1, (2, 3)])) == [1, (2, 3)]
    assert decode_default(encode_default(InterpolationMode.NEAREST_EXACT)) == "nearest-exact"
    assert decode_default(encode_default(torch.float32)) == "float32"
    assert decode_default(encode_default(float("inf"))) == float("inf")
    assert repr(decode_default(encode_default(object))) == repr(object)


def _examples() -> list[tuple[str, str]]:
    """Every YAML example in the checks' documentation (what `augaudit explain` shows)."""
    found = []
    for check in all_checks():
        lines = check.doc.splitlines()
        for i, line in enumerate(lines):
            if re.match(r"^(Fails|Passes)\b.*::$", line.strip()):
                block = []
                for body in lines[i + 1 :]:
                    if body.strip() and not body.startswith("    "):
                        break
                    block.append(body)
                label = f"{check.code}-{line.split()[0].rstrip(':').lower()}"
                found.append((label, textwrap.dedent("\n".join(block)).strip() + "\n"))
    return found


EXAMPLES = _examples()

# Specs that exercise what the static checks read: interpolation as names, ints and enums,
# fills, dtype aliases, containers at every depth, v1 and v2, Hydra form, suppressions.
EXTRA = {
    "v1-resampling": """
        api: v1
        pipeline:
          - RandomRotation: {degrees: 10, interpolation: 2}
          - RandomAffine: {degrees: 5, interpolation: NEAREST}
          - RandomPerspective: {interpolation: InterpolationMode.NEAREST_EXACT}
          - ToTensor
          - ElasticTransform: {alpha: 10.0}
          - RandomRotation: {degrees: 3, interpolation: bilinear, fill: [0, 0, 0]}
          - Resize: {size: 64, interpolation: 0}
          - ConvertImageDtype: float
        """,
    "v2-tensor-fills": """
        api: v2
        input: uint8
        pipeline:
          - RandomRotation: {degrees: 10, interpolation: bilinear}
          - RandomAffine: {degrees: 5, interpolation: bicubic, fill: null}
          - RandomPerspective: {fill: {Image: 0}}
          - ElasticTransform: {fill: 1}
          - Resize: [32, nearest-exact]
        """,
    "nested-containers": """
        pipeline:
          - ToImage
          - RandomApply:
              p: 0.5
              transforms:
                - RandomChoice:
                    transforms:
                      - RandomRotation: {degrees: 10}
                      - RandomOrder: {transforms: [RandomAffine: {degrees: 3}, Grayscale]}
          - v1.RandomApply: [[v1.RandomRotation: 5]]
        """,
    "compose-and-ignores": """
        api: v2
        pipeline:
          - Compose:
              transforms:
                - RandomRotation: {degrees: 10}   # augaudit: ignore[AUG302]
                - RandomAffine: {degrees: 5}
            ignore: [AUG303]
          - RandomPerspective: {p: 1.0}
          - ToImage
          - RandomRotation: {degrees: 1, interpolation: bilinear}
            ignore: AUG303
        """,
    "hydra": """
        _target_: torchvision.transforms.v2.Compose
        transforms:
          - _target_: torchvision.transforms.v2.RandomRotation
            degrees: 15
          - _target_: torchvision.transforms.v2.ToImage
          - _target_: torchvision.transforms.v2.ToDtype
            dtype: torch.half
            scale: true
          - _target_: torchvision.transforms.Normalize
            _args_: [[0.5], [0.2]]
          - _target_: torchvision.transforms.v2.ToDtype
            _args_: [uint8]
        """,
    "normalize-order": """
        pipeline:
          - ToImage
          - ToDtype: {dtype: double, scale: true}
          - Normalize: [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]
          - ColorJitter: {brightness: 0.1}
          - Normalize: {mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}
          - GaussianNoise
          - RandomApply: {transforms: [RandomSolarize: {threshold: 0.5}, ToPILImage]}
          - v1.ConvertImageDtype: torch.uint8
          - ToTensor
        """,
}


def _spec_files(tmp_path: Path) -> list[Path]:
    files = list(CONFIGS)
    for label, text in [*EXAMPLES, *((k, textwrap.dedent(v)) for k, v in EXTRA.items())]:
        path = tmp_path / f"{label}.yaml"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    return files


def _summary(report: Any) -> Any:
    findings = [(f.code, f.severity, f.stage, f.message, f.hint, f.images) for f in report.findings]
    stages = [(s.index, s.name, s.line, s.kind) for s in report.stages]
    return findings, stages, report.checks, report.settings, report.summary


def test_every_example_was_found() -> None:
    # The docs hold a failing and a passing example for every static check at least.
    labels = {label for label, _ in EXAMPLES}
    for check in all_checks():
        if check.static:
            assert {f"{check.code}-fails", f"{check.code}-passes"} <= labels


def test_static_validate_gives_the_findings_building_gives(tmp_path: Path) -> None:
    files = _spec_files(tmp_path)
    assert len(files) >= len(CONFIGS) + len(EXTRA) + 20
    fired: set[str] = set()
    for path in files:
        ref = str(path)
        assert load_static(ref) is not None, f"{ref}: the static path fell back to building"
        shadowed = _summary(validate(ref))
        built = _summary(validate(ref, build=True))
        assert shadowed == built, ref
        fired.update(code for code, *_ in shadowed[0])
    # The comparison means something only if every static check fired somewhere.
    assert fired >= {c.code for c in all_checks() if c.static}


def test_shadows_read_like_the_real_transforms(tmp_path: Path) -> None:
    for path in _spec_files(tmp_path):
        shadows = load_static(str(path))
        real = load_spec(str(path))
        assert shadows is not None
        assert shadows.api == real.api and shadows.input == real.input
        for mine, theirs in zip(shadows.stages, real.stages, strict=True):
            assert (mine.name, mine.line, mine.ignore) == (theirs.name, theirs.line, theirs.ignore)
            assert stage_kind(mine.transform) == stage_kind(theirs.transform)
            for a, b in zip(walk(mine.transform), walk(theirs.transform), strict=True):
                assert _reads(a) == _reads(b), (path, type(b).__name__)


def _reads(t: Any) -> tuple[Any, ...]:
    """What the static checks read from one transform, through their own helpers."""
    mode = introspect.interpolation(t)
    fill = getattr(t, "fill", None)
    return (
        type(t).__name__,
        type(t).__module__,
        is_torchvision_class(t),
        mode,
        mode is not None and introspect.is_default(t, "interpolation", mode),
        introspect.is_zero_fill(fill),
        introspect.dtype_name(t),
        bool(getattr(t, "clip", False)),
        _floats(introspect.attribute(t, "mean")),
        _floats(introspect.attribute(t, "std")),
    )


def _floats(value: Any) -> Any:
    return tuple(float(v) for v in value) if isinstance(value, list | tuple) else None


BAD = {
    "misspelt-name": "pipeline:\n  - RandomRotatoin: {degrees: 5}\n",
    "v2-name-in-v1": "api: v1\npipeline:\n  - ToTensor\n  - GaussianNoise: {sigma: 0.1}\n",
    "v2-near-miss": "api: v2\npipeline:\n  - ToImag\n",
    "no-close-match": "pipeline:\n  - Zzzzqqq\n",
    "misspelt-keyword": "pipeline:\n  - RandomRotation: {degree: 5}\n",
    "missing-argument": "pipeline:\n  - ToImage\n  - RandomRotation: {fill: 0}\n",
    "too-many": "pipeline:\n  - RandomHorizontalFlip: [0.5, 1, 2]\n",
    "bad-dtype": "pipeline:\n  - ToImage\n  - ToDtype: {dtype: float31}\n",
    "bad-interpolation": "pipeline:\n  - Resize: {size: 4, interpolation: trilinear}\n",
    "nested-bad-name": "pipeline:\n  - RandomApply:\n      transforms: [RandomFlipp]\n",
    "nested-bad-args": "pipeline:\n  - RandomApply: [[RandomCrop: {size: 3, pad: 1}]]\n",
    "compose-without-list": "pipeline:\n  - Compose: {transforms: ToImage}\n",
    "hydra-misspelt": "_target_: torchvision.transforms.v2.RandomCropp\nsize: 3\n",
    "outside-namespace": "pipeline:\n  - ToImage\n  - _target_: os.system\n    command: ls\n",
    "private-name": "pipeline:\n  - v2._utils.foo\n",
    "module-itself": "pipeline:\n  - _target_: torchvision.transforms.v2\n",
}


@pytest.mark.parametrize("label", sorted(BAD))
def test_static_errors_are_the_errors_building_gives(tmp_path: Path, label: str) -> None:
    path = tmp_path / f"{label}.yaml"
    path.write_text(BAD[label], encoding="utf-8")
    with pytest.raises(SpecError) as built:
        load_spec(str(path))
    with pytest.raises(SpecError) as shadowed:  # raised by the static path, not a fallback
        load_static(str(path))
    assert type(shadowed.value) is type(built.value)
    assert str(shadowed.value) == str(built.value)


def test_specs_the_catalog_cannot_decide_are_built(tmp_path: Path, monkeypatch: Any) -> None:
    own = tmp_path / "own.yaml"
    own.write_text("pipeline:\n  - _target_: json.JSONDecoder\n", encoding="utf-8")
    submodule = tmp_path / "submodule.yaml"
    submodule.write_text("pipeline:\n  - v2.functional.to_image\n", encoding="utf-8")
    plain = tmp_path / "plain.yaml"
    plain.write_text("pipeline:\n  - RandomRotation: {degrees: 4}\n", encoding="utf-8")
    assert load_static(str(own), allow_modules=["json"]) is None
    report = validate(str(own), allow_modules=["json"])  # built: a real JSONDecoder stage
    assert report.stages[0].name == "JSONDecoder" and report.stages[0].kind == "unknown"
    with pytest.raises(SpecError, match="is a function, not a transform class"):
        assert load_static(str(submodule)) is None  # undecided, so building reports it
        validate(str(submodule))
    assert load_static(str(plain)) is not None
    monkeypatch.setattr(static, "installed_torchvision", lambda: "0.0.1")
    assert load_static(str(plain)) is None
    assert [f.code for f in validate(str(plain)).findings] == ["AUG302"]


def test_values_a_constructor_refuses_need_build(tmp_path: Path) -> None:
    path = tmp_path / "negative.yaml"
    path.write_text("pipeline:\n  - RandomRotation: {degrees: -5}\n", encoding="utf-8")
    assert [f.code for f in validate(str(path)).findings] == ["AUG302"]
    with pytest.raises(SpecError, match=r"negative\.yaml:2: cannot build RandomRotation"):
        validate(str(path), build=True)


def test_the_torchvision_version_is_read_as_importlib_metadata_reads_it() -> None:
    import importlib.metadata

    assert static.installed_torchvision() == importlib.metadata.version("torchvision")


def test_a_default_the_checks_read_but_json_cannot_hold_is_undecided() -> None:
    import inspect

    from augaudit.spec.catalog import ClassInfo, Opaque
    from augaudit.spec.shadow import Undecided, shadow_class

    def info(default: Any) -> ClassInfo:
        param = inspect.Parameter("fill", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default)
        return ClassInfo(
            "Odd",
            "torchvision.transforms.v2.odd",
            f"Odd{id(default)}",
            False,
            False,
            inspect.Signature([param]),
        )

    with pytest.raises(Undecided):
        shadow_class(info(Opaque("<object>")))
    assert shadow_class(info(0))().fill == 0
