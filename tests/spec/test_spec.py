"""Tests for augaudit.spec: YAML short and Hydra forms, Python specs, errors and safety."""

from __future__ import annotations

import sys
import textwrap
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import torch
import torchvision.transforms as v1
import torchvision.transforms.v2 as v2
from torchvision.transforms import InterpolationMode

from augaudit.errors import SpecError, UnsafeSpecError
from augaudit.spec import Pipeline, load_spec

# Modules written by these tests get unique names so sys.modules never holds a stale copy.
TEST_MODULES = ("aa_mymod", "aa_mypkg", "aa_mypkg.sub", "aa_probe", "aa_specmod")


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    # Specs are referred to relative to the cwd, as a user would type them.
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    for name in TEST_MODULES:
        sys.modules.pop(name, None)


def write(name: str, text: str) -> str:
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    Path(name).write_text(textwrap.dedent(text))
    return name


def load_yaml(text: str, allow_modules: Sequence[str] = ()) -> Pipeline:
    return load_spec(write("spec.yaml", text), allow_modules=allow_modules)


def spec_error(text: str, allow_modules: Sequence[str] = ()) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_yaml(text, allow_modules)
    assert "\n" not in str(info.value)  # the CLI prints it on one line
    return info.value


@pytest.fixture
def mymod(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A trusted module of the user's, importable but not allow-listed by default."""
    folder = tmp_path / "mods"
    folder.mkdir()
    (folder / "aa_mymod.py").write_text(
        textwrap.dedent(
            """\
            import os
            from subprocess import Popen  # re-exported on purpose: must stay refused

            class Recorder:
                def __init__(self, *args, **kwargs):
                    self.args = args
                    self.kwargs = kwargs

                def __call__(self, x):
                    return x

            class Strict:
                def __init__(self, size, dtype=None, interpolation=None, transforms=None):
                    self.size = size
                    self.dtype = dtype
                    self.interpolation = interpolation
                    self.transforms = transforms

                def __call__(self, x):
                    return x

            def helper(x):
                return x
            """
        )
    )
    (folder / "aa_mypkg").mkdir()
    (folder / "aa_mypkg" / "__init__.py").write_text("class Top:\n    pass\n")
    (folder / "aa_mypkg" / "sub.py").write_text("class SubAug:\n    pass\n")
    # Importing this module leaves a marker file: proof of whether it was imported.
    (folder / "aa_probe.py").write_text(
        "import pathlib\n"
        "pathlib.Path(__file__).with_name('probe-imported').touch()\n"
        "class Probe:\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(folder))
    return folder


EXAMPLE = """\
api: v2             # optional, v1 | v2, default v2
input: pil
pipeline:
  - RandomRotation: {degrees: 15, interpolation: bilinear}
  - v1.ToTensor
  - RandomApply:
      p: 0.5
      transforms:
        - ColorJitter: {brightness: 0.2}
  - Resize: 256                 # a scalar is the single positional argument
  - Normalize: [[0.485, 0.456, 0.406], [0.229, 0.224, 0.225]]
  - RandomCrop: {size: 224}
    ignore: [AUG301]
  - RandomRotation: {degrees: 30}   # augaudit: ignore[AUG301, AUG302]
  - ToDtype: {dtype: float32, scale: true}
"""


# --- YAML short form ---------------------------------------------------------------------------


def test_short_form_example() -> None:
    pipeline = load_yaml(EXAMPLE)
    assert pipeline.source == "spec.yaml"
    assert (pipeline.api, pipeline.input) == ("v2", "pil")
    got = [(s.name, s.line, s.ignore) for s in pipeline.stages]
    assert got == [
        ("RandomRotation", 4, ()),
        ("v1.ToTensor", 5, ()),
        ("RandomApply", 6, ()),
        ("Resize", 10, ()),
        ("Normalize", 11, ()),
        ("RandomCrop", 12, ("AUG301",)),
        ("RandomRotation", 14, ("AUG301", "AUG302")),
        ("ToDtype", 15, ()),
    ]
    rot, to_tensor, apply, resize, norm, crop, rot30, to_dtype = (
        s.transform for s in pipeline.stages
    )
    assert isinstance(rot, v2.RandomRotation)
    assert rot.interpolation == InterpolationMode.BILINEAR
    assert list(rot.degrees) == [-15.0, 15.0]
    assert type(to_tensor) is v1.ToTensor
    assert isinstance(apply, v2.RandomApply) and apply.p == 0.5
    assert [type(t) for t in apply.transforms] == [v2.ColorJitter]
    assert apply.transforms[0].brightness == (0.8, 1.2)
    assert isinstance(resize, v2.Resize) and resize.size == [256]
    assert isinstance(norm, v2.Normalize) and norm.std == [0.229, 0.224, 0.225]
    assert isinstance(crop, v2.RandomCrop) and crop.size == (224, 224)
    assert list(rot30.degrees) == [-30.0, 30.0]
    assert to_dtype.dtype == torch.float32 and to_dtype.scale is True


def test_bare_list_bare_names_and_null() -> None:
    pipeline = load_yaml(
        """\
        - ToImage
        - RandomHorizontalFlip: null
        - CenterCrop: 8
        """
    )
    assert [type(s.transform) for s in pipeline.stages] == [
        v2.ToImage,
        v2.RandomHorizontalFlip,
        v2.CenterCrop,
    ]
    assert [s.line for s in pipeline.stages] == [1, 2, 3]
    assert pipeline.input is None and pipeline.api == "v2"


def test_api_v1_and_explicit_prefixes() -> None:
    pipeline = load_yaml(
        """\
        api: v1
        pipeline:
          - RandomCrop: 8
          - v2.RandomCrop: 8
          - v1.CenterCrop: 4
        """
    )
    assert pipeline.api == "v1"
    assert [s.name for s in pipeline.stages] == ["RandomCrop", "v2.RandomCrop", "v1.CenterCrop"]
    assert [type(s.transform) for s in pipeline.stages] == [
        v1.RandomCrop,
        v2.RandomCrop,
        v1.CenterCrop,
    ]


def test_api_inferred_when_all_stages_are_v1() -> None:
    assert load_yaml("- v1.ToTensor\n- v1.CenterCrop: 4\n").api == "v1"
    assert load_yaml("- v1.ToTensor\n- CenterCrop: 4\n").api == "v2"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("NEAREST", InterpolationMode.NEAREST),
        ("InterpolationMode.BICUBIC", InterpolationMode.BICUBIC),
        ("nearest_exact", InterpolationMode.NEAREST_EXACT),
        ("nearest-exact", InterpolationMode.NEAREST_EXACT),
        ("Lanczos", InterpolationMode.LANCZOS),
    ],
)
def test_interpolation_strings(written: str, expected: InterpolationMode) -> None:
    stage = load_yaml(f"- Resize: {{size: 8, interpolation: {written}}}\n").stages[0]
    assert stage.transform.interpolation is expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [("float32", torch.float32), ("torch.uint8", torch.uint8), ("float16", torch.float16),
     ("int64", torch.int64), ("torch.float64", torch.float64), ("double", torch.float64)],
)  # fmt: skip
def test_dtype_strings(written: str, expected: torch.dtype) -> None:
    stage = load_yaml(f"- ToDtype: {{dtype: '{written}'}}\n").stages[0]
    assert stage.transform.dtype is expected


def test_lists_become_tuples_and_transforms_a_built_list(mymod: Path) -> None:
    pipeline = load_yaml(
        """\
        - aa_mymod.Recorder:
            - [1, [2, 3]]
            - {k: [4, 5]}
        - aa_mymod.Strict:
            size: [8, 8]
            dtype: uint8
            interpolation: bilinear
            transforms: [Grayscale, {CenterCrop: 2}]
        """,
        allow_modules=["aa_mymod"],
    )
    recorder, strict = (s.transform for s in pipeline.stages)
    assert recorder.args == ((1, (2, 3)), {"k": (4, 5)})
    assert strict.size == (8, 8)
    assert strict.dtype is torch.uint8
    assert strict.interpolation is InterpolationMode.BILINEAR
    assert isinstance(strict.transforms, list)
    assert [type(t) for t in strict.transforms] == [v2.Grayscale, v2.CenterCrop]
    assert [s.name for s in pipeline.stages] == ["Recorder", "Strict"]


def test_top_level_compose_is_flattened_with_member_lines() -> None:
    pipeline = load_yaml(
        """\
        pipeline:
          - Compose:    # augaudit: ignore[AUG101]
              transforms:
                - CenterCrop: 8
                - Compose: [[Grayscale, {v1.RandomCrop: 4}]]
          - RandomChoice: {transforms: [Grayscale, {CenterCrop: 2}]}
          - RandomOrder: [[Grayscale]]
        """
    )
    assert [(s.name, s.line) for s in pipeline.stages] == [
        ("CenterCrop", 4),
        ("Grayscale", 5),
        ("v1.RandomCrop", 5),
        ("RandomChoice", 6),
        ("RandomOrder", 7),
    ]
    # A comment on the Compose applies to every member it is flattened into.
    assert [s.ignore for s in pipeline.stages[:3]] == [("AUG101",)] * 3
    assert pipeline.stages[3].ignore == ()
    choice = pipeline.stages[3].transform
    assert isinstance(choice, v2.RandomChoice)
    assert [type(t) for t in choice.transforms] == [v2.Grayscale, v2.CenterCrop]


def test_ignore_codes_of_nested_entries_go_to_their_stage() -> None:
    pipeline = load_yaml(
        """\
        - RandomApply:
            transforms:
              - ColorJitter: {brightness: 0.1}   # augaudit: ignore[AUG201]
              - Grayscale: null
                ignore: AUG202
          ignore: [AUG205]
        """
    )
    assert pipeline.stages[0].ignore == ("AUG205", "AUG201", "AUG202")


def test_anchors_aliases_and_merge_keys() -> None:
    pipeline = load_yaml(
        """\
        pipeline:
          - CenterCrop: &base {size: 8}
          - RandomCrop: {<<: *base, padding: 2}
          - RandomApply: {transforms: &jitter [{ColorJitter: {hue: 0.1}}]}
          - RandomApply: {transforms: *jitter}
        """
    )
    center, crop, first, second = (s.transform for s in pipeline.stages)
    assert center.size == (8, 8)
    assert crop.size == (8, 8) and crop.padding == [2, 2, 2, 2]
    # An alias is expanded into its own objects, not shared between stages.
    assert first.transforms[0] is not second.transforms[0]
    assert second.transforms[0].hue == (-0.1, 0.1)


# --- YAML Hydra form ---------------------------------------------------------------------------


def test_hydra_list_with_args_and_ignored_keys() -> None:
    pipeline = load_yaml(
        """\
        - _target_: torchvision.transforms.v2.RandomRotation
          degrees: 15
          interpolation: bilinear
          _convert_: all
          _recursive_: false
        - _target_: torchvision.transforms.v2.Normalize
          _args_: [[0.5, 0.5, 0.5], [0.2, 0.2, 0.2]]
        - _target_: torchvision.transforms.RandomCrop
          size: 8
        """
    )
    assert [(s.name, s.line) for s in pipeline.stages] == [
        ("RandomRotation", 1),
        ("Normalize", 6),
        ("RandomCrop", 8),
    ]
    rot, norm, crop = (s.transform for s in pipeline.stages)
    assert isinstance(rot, v2.RandomRotation) and rot.interpolation is InterpolationMode.BILINEAR
    assert norm.mean == [0.5, 0.5, 0.5]
    assert type(crop) is v1.RandomCrop  # torchvision.transforms.X is v1


def test_hydra_pipeline_mapping_with_nested_targets() -> None:
    pipeline = load_yaml(
        """\
        input: uint8
        pipeline:
          - _target_: torchvision.transforms.v2.RandomApply
            p: 0.3
            transforms:
              - _target_: torchvision.transforms.v2.ColorJitter
                brightness: 0.2
          - _target_: torchvision.transforms.v2.ToDtype
            dtype: torch.float32
        """
    )
    assert pipeline.input == "uint8"
    apply, to_dtype = (s.transform for s in pipeline.stages)
    assert apply.p == 0.3 and isinstance(apply.transforms[0], v2.ColorJitter)
    assert to_dtype.dtype is torch.float32


def test_hydra_compose_document_is_flattened() -> None:
    pipeline = load_yaml(
        """\
        _target_: torchvision.transforms.v2.Compose
        transforms:
          - _target_: torchvision.transforms.v2.CenterCrop
            size: 8
          - _target_: torchvision.transforms.v2.Compose
            transforms:
              - {_target_: torchvision.transforms.v2.Grayscale}
        """
    )
    assert [(s.name, s.line) for s in pipeline.stages] == [("CenterCrop", 3), ("Grayscale", 7)]
    assert isinstance(pipeline.stages[1].transform, v2.Grayscale)


def test_hydra_partial_is_refused() -> None:
    error = spec_error(
        "- _target_: torchvision.transforms.v2.RandomCrop\n  size: 8\n  _partial_: true\n"
    )
    assert error.where == "spec.yaml:3"
    assert "_partial_" in error.message and error.hint is not None


# --- Python specs ------------------------------------------------------------------------------

PY_SPEC = """\
import torch
import torchvision.transforms.v2 as T

inner = T.Compose([T.CenterCrop(8), T.Compose([T.Grayscale()])])
pipeline = T.Compose([T.RandomCrop(16), inner, T.RandomApply([T.ColorJitter(0.1)])])
other = [T.ToImage(), T.ToDtype(torch.float32, scale=True)]
seq = torch.nn.Sequential(T.CenterCrop(4), T.Grayscale())
single = T.Grayscale()

def brighten(x):
    return x

funcs = [brighten]

if __name__ == "__main__":
    raise SystemExit("must not run as a script")
"""


def test_python_file_default_name_and_nested_compose() -> None:
    pipeline = load_spec(write("pipe.py", PY_SPEC))
    assert pipeline.source == "pipe.py"
    assert [s.name for s in pipeline.stages] == [
        "RandomCrop",
        "CenterCrop",
        "Grayscale",
        "RandomApply",
    ]
    assert all(s.line is None and s.ignore == () for s in pipeline.stages)
    assert isinstance(pipeline.stages[3].transform, v2.RandomApply)  # containers stay one stage
    assert pipeline.api == "v2" and pipeline.input is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("other", ["ToImage", "ToDtype"]),
        ("seq", ["CenterCrop", "Grayscale"]),
        ("single", ["Grayscale"]),
        ("funcs", ["brighten"]),
    ],
)
def test_python_file_named_object(name: str, expected: list[str]) -> None:
    write("pipe.py", PY_SPEC)
    pipeline = load_spec(f"pipe.py:{name}")
    assert [s.name for s in pipeline.stages] == expected
    assert pipeline.source == f"pipe.py:{name}"


def test_python_file_falls_back_to_transform() -> None:
    write("t.py", "import torchvision.transforms as T\ntransform = T.Compose([T.ToTensor()])\n")
    pipeline = load_spec("t.py")
    assert [type(s.transform) for s in pipeline.stages] == [v1.ToTensor]
    assert pipeline.api == "v1"


def test_python_file_errors() -> None:
    write("boom.py", "x = 1\n\nraise ValueError('bad\\nthing')\n")
    with pytest.raises(SpecError) as info:
        load_spec("boom.py")
    assert str(info.value).startswith("boom.py:3: running the spec raised ValueError: bad thing")
    write("syntax.py", "x = 1\ny = (\n")
    with pytest.raises(SpecError, match=r"^syntax\.py:2: syntax error"):
        load_spec("syntax.py")
    write("none.py", "x = 1\n")
    with pytest.raises(SpecError, match="neither 'pipeline' nor 'transform'"):
        load_spec("none.py")
    write("pipe.py", PY_SPEC)
    with pytest.raises(SpecError, match=r"'pipelin' is not defined.*did you mean pipeline"):
        load_spec("pipe.py:pipelin")
    write("cls.py", "import torchvision.transforms.v2 as T\npipeline = [T.Grayscale]\n")
    with pytest.raises(SpecError, match="is a class, not a transform"):
        load_spec("cls.py")
    with pytest.raises(SpecError, match=r"spec file not found: missing\.py"):
        load_spec("missing.py")


def test_import_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "aa_specmod.py").write_text(
        "import torchvision.transforms as T\n"
        "train = T.Compose([T.RandomCrop(8), T.Compose([T.ToTensor()])])\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    pipeline = load_spec("aa_specmod:train")
    assert pipeline.source == "aa_specmod:train"
    assert [type(s.transform) for s in pipeline.stages] == [v1.RandomCrop, v1.ToTensor]
    with pytest.raises(SpecError, match=r"'tran' is not defined.*did you mean train"):
        load_spec("aa_specmod:tran")
    with pytest.raises(SpecError, match="cannot import module 'aa_nosuchmod'"):
        load_spec("aa_nosuchmod:train")


def test_unrecognised_ref() -> None:
    with pytest.raises(SpecError, match=r"cannot tell what kind of spec 'spec\.json' is"):
        load_spec("spec.json")
    with pytest.raises(SpecError, match=r"spec file not found: nope\.yaml"):
        load_spec("nope.yaml")


# --- Errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "message", "hint"),
    [
        pytest.param(
            "pipeline:\n  - RandomCrop: 4\n  - RandomRotatoin: {degrees: 3}\n",
            "spec.yaml:3",
            "unknown transform 'RandomRotatoin' in torchvision.transforms.v2",
            "did you mean RandomRotation?",
            id="unknown-transform",
        ),
        pytest.param(
            "api: v1\npipeline:\n  - ToImage\n",
            "spec.yaml:3",
            "unknown transform 'ToImage' in torchvision.transforms",
            "write v2.ToImage",
            id="unknown-in-v1-known-in-v2",
        ),
        pytest.param(
            "- RandomRotation: {degree: 3}\n",
            "spec.yaml:1",
            "bad arguments for RandomRotation: got an unexpected keyword argument 'degree' "
            "(did you mean 'degrees'?)",
            "RandomRotation(degrees, interpolation=..., expand=False, center=None, fill=0)",
            id="misspelt-argument",
        ),
        pytest.param(
            "- ToImage\n- RandomRotation: null\n",
            "spec.yaml:2",
            "bad arguments for RandomRotation: missing a required argument: 'degrees'",
            "RandomRotation(degrees, interpolation=..., expand=False, center=None, fill=0)",
            id="missing-argument",
        ),
        pytest.param(
            "- RandomRotation: -5\n",
            "spec.yaml:1",
            "cannot build RandomRotation: ValueError: If degrees is a single number, "
            "it must be positive.",
            "RandomRotation(degrees,",
            id="constructor-raises",
        ),
        pytest.param(
            "- ToDtype: {dtype: float33}\n",
            "spec.yaml:1",
            "unknown dtype 'float33'",
            "float32",
            id="unknown-dtype",
        ),
        pytest.param(
            "- Resize:\n    size: 8\n    interpolation: bilinaer\n",
            "spec.yaml:3",
            "unknown interpolation 'bilinaer'",
            "nearest, nearest_exact, bilinear, bicubic",
            id="unknown-interpolation",
        ),
        pytest.param(
            "pipeline:\n  - RandomCrop: [8\n",
            "spec.yaml:3",
            "invalid YAML",
            "YAML syntax",
            id="yaml-syntax",
        ),
        pytest.param(
            "pipeline:\n  - !foo RandomCrop\n",
            "spec.yaml:2",
            "unsupported YAML tag !foo",
            "plain YAML",
            id="unknown-tag",
        ),
        pytest.param(
            "pipeline: [ToImage]\npipline: [ToImage]\n",
            "spec.yaml:2",
            "unknown top-level key 'pipline'",
            "did you mean pipeline?",
            id="unknown-top-key",
        ),
        pytest.param(
            "api: v3\npipeline: [ToImage]\n",
            "spec.yaml:1",
            "'api' must be one of v1, v2, not 'v3'",
            "api: v2",
            id="bad-api",
        ),
        pytest.param(
            "input: rgb\npipeline: [ToImage]\n",
            "spec.yaml:1",
            "'input' must be one of pil, uint8, float, not 'rgb'",
            "input: pil",
            id="bad-input",
        ),
        pytest.param(
            "api: v2\npipeline: ToImage\n",
            "spec.yaml:2",
            "'pipeline' must be a list",
            "'- '",
            id="pipeline-not-list",
        ),
        pytest.param("pipeline: []\n", "spec.yaml:1", "pipeline is empty", "", id="empty-list"),
        pytest.param("# nothing\n", "spec.yaml:1", "spec is empty", "pipeline", id="empty-file"),
        pytest.param(
            "api: v2\n", "spec.yaml:1", "spec has no 'pipeline:' key", "", id="no-pipeline"
        ),
        pytest.param(
            "- Compose: {transforms: []}\n",
            "spec.yaml:1",
            "pipeline is empty",
            "",
            id="empty-compose",
        ),
        pytest.param(
            "pipeline:\n  - RandomCrop:\n    size: 8\n",
            "spec.yaml:2",
            "entry names 2 transforms: 'RandomCrop', 'size'",
            "indent its arguments under its name",
            id="two-transform-keys",
        ),
        pytest.param(
            "- RandomCrop: {size: 8, size: 9}\n",
            "spec.yaml:1",
            "duplicate key 'size'",
            "",
            id="duplicate-key",
        ),
        pytest.param(
            "- 42\n", "spec.yaml:1", "must be a name or a mapping, not int 42", "", id="bad-entry"
        ),
        pytest.param(
            "- RandomCrop: 8\n  ignore: [AUG 1]\n",
            "spec.yaml:2",
            "bad ignore code 'AUG 1'",
            "ignore: [AUG301, AUG302]",
            id="bad-ignore",
        ),
        pytest.param(
            "- RandomApply: {transforms: Grayscale}\n",
            "spec.yaml:1",
            "'transforms' must be a list of transforms",
            "",
            id="transforms-not-list",
        ),
        pytest.param(
            "- _target_: torchvision.transforms.v2.functional.rotate\n",
            "spec.yaml:1",
            "is a function, not a transform class",
            "transform classes",
            id="function-target",
        ),
        pytest.param(
            "- _target_: torchvision.transforms.v2.functional\n",
            "spec.yaml:1",
            "is a module, not a transform class",
            "",
            id="module-target",
        ),
    ],
)
def test_errors(text: str, where: str, message: str, hint: str) -> None:
    error = spec_error(text)
    assert error.where == where
    assert message in error.message
    assert error.hint is not None and hint in error.hint
    assert str(error).startswith(f"{where}: ")


# --- Safety ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'pipeline:\n  - os.system: ["touch pwned"]\n',
        "pipeline:\n  - _target_: os.system\n    _args_: [touch pwned]\n",
        "pipeline:\n  - subprocess.run: [[touch, pwned]]\n",
        "- RandomApply:\n    transforms:\n      - _target_: os.system\n        cmd: touch pwned\n",
        "- RandomCrop:\n    size: 8\n    fill: {_target_: subprocess.Popen, args: [touch]}\n",
    ],
)
def test_forbidden_callables_never_run(text: str, tmp_path: Path) -> None:
    error = spec_error(text)
    assert isinstance(error, UnsafeSpecError)
    assert "outside the allowed namespaces" in error.message
    assert error.hint is not None and "--allow-module MODULE" in error.hint
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    ("target", "module"),
    [("xml.dom.minidom.parseString", "xml.dom.minidom"), ("tabnanny.check", "tabnanny")],
)
def test_forbidden_module_is_not_imported(target: str, module: str) -> None:
    assert module not in sys.modules
    error = spec_error(f"- _target_: {target}\n  string: <a/>\n")
    assert isinstance(error, UnsafeSpecError) and error.where == "spec.yaml:1"
    assert module not in sys.modules


def test_refusal_happens_before_any_allowed_import(mymod: Path) -> None:
    # The allowed module comes first, yet nothing is imported: all names are checked up front.
    error = spec_error("- aa_probe.Probe\n- builtins.eval: ['1']\n", allow_modules=["aa_probe"])
    assert isinstance(error, UnsafeSpecError) and error.where == "spec.yaml:2"
    assert "aa_probe" not in sys.modules
    assert not (mymod / "probe-imported").exists()


@pytest.mark.parametrize(
    "name",
    [
        "torchvision.transforms.v2.RandomCrop.__class__",
        "torchvision.transforms.v2.RandomCrop.__init__.__globals__",
        "torchvision.transforms.__builtins__",
        "torchvision.transforms.v2._geometry.RandomCrop",
    ],
)
def test_private_and_dunder_paths_are_refused(name: str) -> None:
    for text in (f"- _target_: {name}\n", f"- {name}\n"):
        error = spec_error(text)
        assert isinstance(error, UnsafeSpecError)
        assert "private or special name" in error.message
        assert error.hint is not None and "--allow-module MODULE" in error.hint
    error = spec_error("- __class__\n")  # bare names too
    assert isinstance(error, UnsafeSpecError)


def test_python_tag_is_refused(tmp_path: Path) -> None:
    error = spec_error("pipeline:\n  - !!python/object/apply:os.system ['touch pwned']\n")
    assert isinstance(error, UnsafeSpecError)
    assert error.where == "spec.yaml:2"
    assert "!!python/object/apply:os.system" in error.message
    assert not (tmp_path / "pwned").exists()


def test_billion_laughs_is_stopped_quickly() -> None:
    lines = ['a0: &a0 ["lol"]']
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append("pipeline: [*a9]")
    start = time.perf_counter()
    error = spec_error("\n".join(lines) + "\n")
    assert time.perf_counter() - start < 2
    assert error.message == "spec too large or too deeply nested"


def test_deep_nesting_and_recursive_alias_are_stopped() -> None:
    deep = "- RandomCrop: " + "[" * 60 + "1" + "]" * 60 + "\n"
    assert spec_error(deep).message == "spec too large or too deeply nested"
    assert spec_error("- &a [*a]\n").message == "spec too large or too deeply nested"


def test_allow_modules(mymod: Path) -> None:
    text = "- aa_mymod.Recorder: {x: 1}\n"
    error = spec_error(text)
    assert isinstance(error, UnsafeSpecError) and "aa_mymod.Recorder" in error.message
    stage = load_yaml(text, allow_modules=["aa_mymod"]).stages[0]
    assert type(stage.transform).__name__ == "Recorder" and stage.transform.kwargs == {"x": 1}
    # A submodule of an allowed module is allowed; a sibling or a longer name is not.
    sub = load_yaml("- _target_: aa_mypkg.sub.SubAug\n", allow_modules=["aa_mypkg"])
    assert type(sub.stages[0].transform).__name__ == "SubAug"
    for text, allowed in [
        ("- aa_mypkg.Top\n", ["aa_mypkg.sub"]),
        ("- aa_mymodx.Thing\n", ["aa_mymod"]),
    ]:
        assert isinstance(spec_error(text, allow_modules=allowed), UnsafeSpecError)


def test_allowed_module_cannot_reach_outside(mymod: Path) -> None:
    allowed = ["aa_mymod"]
    error = spec_error("- aa_mymod.os.system: [touch pwned]\n", allow_modules=allowed)
    assert isinstance(error, UnsafeSpecError) and "reaches module os" in error.message
    error = spec_error("- aa_mymod.Popen: [[touch, pwned]]\n", allow_modules=allowed)
    assert isinstance(error, UnsafeSpecError) and "subprocess.Popen" in error.message
    error = spec_error("- aa_mymod.helper: [1]\n", allow_modules=allowed)
    assert not isinstance(error, UnsafeSpecError) and "is a function" in error.message
    assert not (mymod.parent / "pwned").exists()
