"""Untrusted YAML specs cannot run code: each payload is refused and nothing it asks for happens.

Every payload points at its own marker file (what it would create if it ran) and at a module,
``augaudit_marker_mod``, that sits on ``sys.path`` and writes a marker when imported. All
payloads are loaded in one fresh interpreter, through ``load_spec`` and through
``augaudit validate`` in-process (which goes through the static loader), and that interpreter
then reports whether the marker module or ``antigravity`` (which nothing else imports) is in
``sys.modules``. The tests read that report; each proves, for its payload, the refusal, the
one-line exit-2 message and the absent marker.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
MARKER_MODULE = "augaudit_marker_mod"

# {m}: this payload's marker file; {pkl}: a pickle that creates {m} when loaded.
UNSAFE = {
    "os.system short form": 'pipeline:\n  - os.system: ["touch {m}"]\n',
    "os.system hydra": '_target_: os.system\n_args_: ["touch {m}"]\n',
    "subprocess.run": '- _target_: subprocess.run\n  args: [touch, "{m}"]\n',
    "subprocess.Popen": '- subprocess.Popen: [[touch, "{m}"]]\n',
    "builtins.eval": "- _target_: builtins.eval\n  _args_: [\"open('{m}', 'w')\"]\n",
    "builtins.exec short": "- builtins.exec: \"open('{m}', 'w')\"\n",
    "importlib.import_module": f"- _target_: importlib.import_module\n  name: {MARKER_MODULE}\n",
    "torch.load": '- _target_: torch.load\n  f: "{pkl}"\n  weights_only: false\n',
    "pickle.loads": '- _target_: pickle.loads\n  _args_: ["{pkl}"]\n',
    "marker module": f"- _target_: {MARKER_MODULE}.Thing\n",
    "antigravity": "- _target_: antigravity.geohash\n  _args_: [1.0, 2.0, b]\n",
    "after a valid stage": f"- ToImage\n- {MARKER_MODULE}.Thing\n",
    "nested in transforms": (
        "- RandomApply:\n    transforms:\n"
        '      - _target_: os.system\n        _args_: ["touch {m}"]\n'
    ),
    "nested as an argument": (
        '- RandomCrop:\n    size: 8\n    fill: {{_target_: os.system, _args_: ["touch {m}"]}}\n'
    ),
    "__class__ bare": "- __class__\n",
    "__class__ path": "- torchvision.transforms.v2.RandomCrop.__class__\n",
    "__globals__": "- _target_: torchvision.transforms.v2.Compose.__init__.__globals__\n",
    "__builtins__": "- torchvision.transforms.v2.__builtins__.eval: [\"open('{m}', 'w')\"]\n",
    # torchvision.transforms.functional does `import torch`: a path through it is refused.
    "re-exported module": '- torchvision.transforms.functional.torch.load: ["{pkl}"]\n',
    "transforms list name": "- RandomApply: {{transforms: [__class__]}}\n",
    "!!python/object/apply": 'pipeline:\n  - !!python/object/apply:os.system ["touch {m}"]\n',
    "!!python/object/new": '- !!python/object/new:subprocess.Popen [[touch, "{m}"]]\n',
    "!!python/object": f"- !!python/object:{MARKER_MODULE}.Thing {{{{}}}}\n",
    "!!python/name": "- RandomCrop: {{size: !!python/name:os.system ''}}\n",
    "!!python/module": f"- !!python/module:{MARKER_MODULE} ''\n",
    "%TAG directive": (
        '%TAG !p! tag:yaml.org,2002:python/\n---\n- !p!object/apply:os.system ["touch {m}"]\n'
    ),
    "tag on a key": '- ? !!python/object/apply:os.system ["touch {m}"]\n  : 1\n',
    "tag in a merge": '- RandomCrop: {{<<: !!python/object/apply:os.system ["touch {m}"]}}\n',
}
# Argument values that look like paths are data: never resolved, so nothing runs; the spec
# either loads with the text kept as text or is refused for a plain reason.
AS_DATA = {
    "dtype value": '- ToDtype: {{dtype: "__class__"}}\n',
    "interpolation value": '- RandomRotation: {{degrees: 5, interpolation: "os.system"}}\n',
    "lambd value": '- Lambda: {{lambd: "builtins.eval"}}\n',
    "fill value": '- RandomCrop: {{size: 8, fill: "__builtins__.eval"}}\n',
    "normalize values": '- Normalize: {{mean: ["os.system", "{m}"], std: [1, 1]}}\n',
}

CHILD = r"""
import json, sys
from pathlib import Path
from typer.testing import CliRunner
from augaudit.cli import main
from augaudit.errors import AugauditError
from augaudit.spec import load_spec

results = {}
for path in sorted(Path(sys.argv[1]).glob("*.yaml")):
    entry = {}
    try:
        pipeline = load_spec(str(path))
        entry["loaded"] = [repr(s.transform) for s in pipeline.stages]
    except AugauditError as exc:
        entry["error"] = [type(exc).__name__, str(exc)]
    with CliRunner().isolation() as streams:
        sys.argv = ["augaudit", "validate", str(path)]
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code
        entry["cli"] = [code, streams[1].getvalue().decode()]
    results[path.stem] = entry
imported = [m for m in ("augaudit_marker_mod", "antigravity", "webbrowser") if m in sys.modules]
print(json.dumps({"results": results, "imported": imported}))
"""


class _Payload:
    """Unpickling this creates the marker file (the classic pickle attack)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.marker), "w"))


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)


# The tests that read ``outcome`` are marked subprocess: it loads the payloads in a child.
@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("safety")
    site = root / "site"
    site.mkdir()
    (site / f"{MARKER_MODULE}.py").write_text(
        "from pathlib import Path\n"
        f"Path({str(root / 'imported.marker')!r}).write_text('imported')\n"
        "class Thing:\n    pass\n"
    )
    specs = root / "specs"
    specs.mkdir()
    for name, template in {**UNSAFE, **AS_DATA}.items():
        slug = _slug(name)
        marker = root / f"{slug}.marker"
        pkl = root / f"{slug}.pkl"
        pkl.write_bytes(pickle.dumps(_Payload(marker)))
        (specs / f"{slug}.yaml").write_text(template.format(m=marker, pkl=pkl))
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(root)}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(specs)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout)
    data["root"] = root
    return data


@pytest.mark.slow
@pytest.mark.subprocess
def test_the_marker_module_would_have_been_importable(outcome: dict[str, Any]) -> None:
    # Guards the test itself: the child could import the marker module, had anything tried.
    root = outcome["root"]
    probe = subprocess.run(
        [sys.executable, "-c", f"import {MARKER_MODULE}"],
        env={"PYTHONPATH": str(root / "site"), "PATH": "/usr/bin:/bin"},
        cwd=root / "specs",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0 and (root / "imported.marker").exists()
    (root / "imported.marker").unlink()


@pytest.mark.slow
@pytest.mark.subprocess
def test_nothing_was_imported(outcome: dict[str, Any]) -> None:
    assert outcome["imported"] == []


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.parametrize("name", list(UNSAFE))
def test_unsafe_payload_is_refused_and_nothing_ran(outcome: dict[str, Any], name: str) -> None:
    entry = outcome["results"][_slug(name)]
    assert "loaded" not in entry, entry
    kind, message = entry["error"]
    assert kind == "UnsafeSpecError", (kind, message)
    code, stderr = entry["cli"]
    assert code == 2 and stderr.startswith("augaudit: error: "), entry["cli"]
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert not (outcome["root"] / f"{_slug(name)}.marker").exists()


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.parametrize("name", list(AS_DATA))
def test_path_like_values_stay_data(outcome: dict[str, Any], name: str) -> None:
    entry = outcome["results"][_slug(name)]
    if "loaded" in entry:
        code = entry["cli"][0]
        assert code in (0, 1), entry
    else:
        kind, _ = entry["error"]
        assert kind == "SpecError", entry  # refused as a bad argument, not as unsafe
        # validate without --build does not construct, so it may accept what building refuses.
        assert entry["cli"][0] in (0, 1, 2)
    assert not (outcome["root"] / f"{_slug(name)}.marker").exists()


@pytest.mark.slow
@pytest.mark.subprocess
def test_normalize_keeps_path_like_strings_as_strings(outcome: dict[str, Any]) -> None:
    entry = outcome["results"][_slug("normalize values")]
    assert "'os.system'" in entry["loaded"][0], entry


def test_allowing_a_module_still_only_builds_classes(tmp_path: Path) -> None:
    from augaudit.errors import SpecError, UnsafeSpecError
    from augaudit.spec import load_spec

    marker = tmp_path / "m.marker"
    spec = tmp_path / "s.yaml"
    spec.write_text(f'- _target_: os.system\n  _args_: ["touch {marker}"]\n')
    with pytest.raises(SpecError, match="not a transform class") as info:
        load_spec(str(spec), allow_modules=["os"])
    assert not isinstance(info.value, UnsafeSpecError) and not marker.exists()
