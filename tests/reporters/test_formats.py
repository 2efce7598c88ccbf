"""The CI output formats: markdown, GitHub workflow commands, SARIF 2.1.0 and JUnit XML.

Real Reports come from ``augaudit.audit`` on tiny synthetic images, built once for the
module (samples=1); edge cases (huge, hostile text, info findings) are real Reports changed
with ``dataclasses.replace``.

The SARIF schema in tests/data/sarif-schema-2.1.0.json is the official OASIS SARIF 2.1.0
JSON schema (Draft 7), vendored verbatim from oasis-tcs/sarif-spec, path
Documents/CommitteeSpecifications/2.1.0/sarif-schema-2.1.0.json at commit
3682e9ee648f2f3e11ba1fcd47fc390a0b8f9dab (see tests/data/README.md).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace

import numpy as np
import pytest
from PIL import Image

import augaudit
from augaudit.api import validate
from augaudit.checks.registry import all_checks
from augaudit.model import Finding, Report
from augaudit.reporters import github, junit, markdown, sarif
from augaudit.reporters.common import DEFAULT_OPTIONS, RenderOptions
from tests.helpers import REPO

SCHEMA = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"
HOSTILE = 'a <b> & "c" | d \\ `e` *f* [g](h) 50% ::x,y\r\nnext line\x1b[0m \x00'
ROTATE = """\
api: v2
input: pil
pipeline:
  - ToImage
  - ToDtype: {dtype: float32, scale: true}
  - RandomRotation: {degrees: [45, 45]}
"""


@dataclass(frozen=True)
class Audits:
    bad: Report  # configs/bad.yaml: errors and warnings, fail-on error
    clean: Report  # configs/well_built.yaml on images: no findings
    rotated: Report  # AUG301 + AUG101 warnings, an AUG504 (no stage), fail-on warning
    static: Report  # engine.validate: no images


@pytest.fixture(scope="module")
def audits(tmp_path_factory, monkeypatch_module) -> Audits:
    tmp = tmp_path_factory.mktemp("formats")
    rng = np.random.default_rng(0)
    image = tmp / "noise.png"
    Image.fromarray((rng.random((24, 24, 3)) * 255).astype(np.uint8)).save(image)
    (tmp / "broken.png").write_bytes(b"not a png")
    (tmp / "rotate.yaml").write_text(ROTATE)
    monkeypatch_module.chdir(REPO)  # spec paths show relative to the repo, as in CI
    bad = augaudit.audit("configs/bad.yaml", [str(image)], samples=1)
    clean = augaudit.audit("configs/well_built.yaml", [str(image)], samples=1)
    rotated = augaudit.audit(
        str(tmp / "rotate.yaml"),
        [str(image), str(tmp / "broken.png")],
        samples=1,
        fail_on="warning",
    )
    return Audits(bad, clean, rotated, validate("configs/well_built.yaml"))


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def test_the_audits_are_what_the_tests_assume(audits):
    assert audits.bad.spec == "configs/bad.yaml"
    assert {"AUG202", "AUG101"} <= {f.code for f in audits.bad.findings}
    assert audits.bad.summary.exit_code == 1 and audits.bad.settings.fail_on == "error"
    assert audits.clean.findings == () and audits.clean.checks
    codes = {f.code: f for f in audits.rotated.findings}
    assert {"AUG301", "AUG504"} <= set(codes) and codes["AUG504"].stage is None
    assert audits.rotated.summary.exit_code == 1 and audits.rotated.summary.errors == 0
    assert audits.static.images == () and audits.static.findings == ()


FORMATS = [markdown.render, github.render, sarif.render, junit.render]


@pytest.mark.parametrize("render", FORMATS, ids=["markdown", "github", "sarif", "junit"])
def test_every_format_is_deterministic_and_pure(audits, render):
    reports = [audits.bad, audits.clean, audits.rotated, audits.static]
    first = render(reports)
    assert first == render(reports)
    assert first == render(tuple(reports))
    assert "/tmp" not in first and str(REPO) not in first  # no absolute paths


# --- markdown ---------------------------------------------------------------------------


def test_markdown_failing_pipeline(audits):
    out = markdown.render([audits.bad])
    lines = out.splitlines()
    assert lines[0] == "## augaudit :x: fail: configs/bad.yaml"
    s = audits.bad.summary
    verdict = re.search(
        r"\*\*FAIL\*\*: (\d+) errors?, (\d+) warnings?, (\d+) infos? \(fail-on error\)", out
    )
    assert verdict and verdict.groups() == (str(s.errors), str(s.warnings), str(s.infos))
    assert "1 of 1 image, 1 sample each, seed 0, input pil" in out
    assert "| 4 | ToPILImage | PIL RGB 3x320x320 |" in out  # the stage table
    assert re.search(r"\| 5 \| RandomRotation \| .* \| \d+\.\d\d% \| \d+\.\d dB \|", out)
    aug202 = next(f for f in audits.bad.findings if f.code == "AUG202")
    finding_line = next(line for line in lines if "**AUG202**" in line)
    assert finding_line.startswith("- :x: **AUG202** error, stage 4 (ToPILImage, line 8): ")
    assert "wraps" in finding_line and finding_line.endswith("\\")  # hard break before hint
    assert lines[lines.index(finding_line) + 1].startswith("  hint: clamp before converting")
    assert out.count("**AUG") == len(audits.bad.findings) >= 4
    # errors come first
    severities = re.findall(r"^- :\w+: \*\*AUG\d+\*\* (\w+),", out, re.MULTILINE)
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    assert severities.count("error") == s.errors >= 2
    assert aug202.images == ("noise.png",)


def test_markdown_passing_and_static_pipelines(audits):
    out = markdown.render([audits.clean])
    assert out.startswith("## augaudit :white_check_mark: pass: configs/well\\_built.yaml\n")
    assert "No findings." in out and "**AUG" not in out
    assert "| 3 | RandomResizedCrop | Image float32 3x224x224 |" in out
    static = markdown.render([audits.static])
    assert "spec checks only, no images" in static
    assert "| 1 | ToImage | - | - | - |" in static


def test_markdown_several_pipelines(audits):
    out = markdown.render([audits.bad, audits.clean, audits.rotated])
    assert out.startswith("## augaudit: 3 pipelines, 2 of 3 failed\n")
    bad, rotated = audits.bad.summary, audits.rotated.summary
    assert f"| configs/bad.yaml | :x: fail | {bad.errors} | {bad.warnings} | {bad.infos} |" in out
    assert "| configs/well\\_built.yaml | :white_check_mark: pass | 0 | 0 | 0 |" in out
    assert f"| rotate.yaml | :x: fail | 0 | {rotated.warnings} | 0 |" in out
    headings = [line for line in out.splitlines() if line.startswith("### ")]
    assert headings == [
        "### :x: fail: configs/bad.yaml",
        "### :white_check_mark: pass: configs/well\\_built.yaml",
        "### :x: fail: rotate.yaml",
    ]
    assert ":warning: **AUG504** warning, pipeline: " in out  # a finding without a stage


def test_markdown_escapes_text(audits):
    hostile = Finding("AUG202", "error", 4, HOSTILE * 3, "hint <i>x</i>")
    stage = replace(audits.bad.stages[0], name="Evil|Stage<b>")
    report = replace(audits.bad, findings=(hostile,), stages=(stage, *audits.bad.stages[1:]))
    out = markdown.render([report])
    assert "<b>" not in out and "<i>" not in out and "\x1b" not in out and "\x00" not in out
    assert "\\<b\\>" in out and "\\<i\\>x\\</i\\>" in out
    assert "| 1 | Evil\\|Stage\\<b\\> |" in out
    row = next(line for line in out.splitlines() if line.startswith("| 1 |"))
    assert len(re.findall(r"(?<!\\)\|", row)) == 6  # still five cells
    finding = next(line for line in out.splitlines() if "**AUG202**" in line)
    assert "\\[g\\](h)" in finding and "\\*f\\*" in finding and "\\`e\\`" in finding


def test_markdown_stays_under_the_limit_for_huge_reports(audits):
    long = "overshoot " * 2000  # 20,000 characters
    findings = [
        Finding("AUG202" if i % 3 else "AUG101", "error" if i % 3 else "warning", 4, long, long)
        for i in range(5000)
    ]
    stages = tuple(replace(audits.bad.stages[0], index=i + 1) for i in range(1000))
    huge = replace(audits.bad, findings=tuple(findings), stages=stages)
    out = markdown.render([huge])
    size = len(out.encode("utf-8"))
    assert size <= DEFAULT_OPTIONS.max_bytes
    assert out.count("**AUG") == DEFAULT_OPTIONS.max_findings
    assert "- _4950 more findings not shown (3283 errors, 1667 warnings)_" in out
    assert "| | _940 more stages not shown_ | | | |" in out
    first = next(line for line in out.splitlines() if "**AUG202**" in line)
    assert first.endswith("…\\") and len(first) < markdown.MAX_TEXT + 200
    # many pipelines: whole lines up to the budget, then a note on what was left out
    many = markdown.render([huge] * 200)
    assert len(many.encode("utf-8")) <= DEFAULT_OPTIONS.max_bytes
    assert len(many.encode("utf-8")) > DEFAULT_OPTIONS.max_bytes - 4096  # the budget is used
    assert "| _100 more pipelines not listed_ | | | | |" in many
    assert re.search(
        r"_Summary cut to stay under 1048576 bytes: the rest of configs/bad\.yaml and "
        r"\d+ more pipelines not shown\. The JSON report has everything\._\n$",
        many,
    )
    # a pull-request comment holds 65536 characters
    comment = markdown.render([huge] * 3, RenderOptions(max_bytes=65536))
    assert len(comment.encode("utf-8")) <= 65536 and "Summary cut" in comment
    with pytest.raises(ValueError):
        markdown.render([huge], RenderOptions(max_bytes=100))


# --- GitHub workflow commands -------------------------------------------------------------


def _unescape(text: str) -> str:
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, raw)
    return text


def _parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Split a workflow command the way the runner does: ``::name k=v,k=v::data``."""
    match = re.fullmatch(r"::(\w+)(?: ([^:]*))?::(.*)", line)
    assert match, line
    props = dict(p.split("=", 1) for p in match[2].split(",")) if match[2] else {}
    return match[1], {k: _unescape(v) for k, v in props.items()}, _unescape(match[3])


def test_github_annotations_for_findings(audits):
    out = github.render([audits.bad])
    lines = out.splitlines()
    assert out.endswith("\n") and len(lines) == len(audits.bad.findings)
    wrap = next(x for x in lines if "title=AUG202::" in x)
    assert wrap.startswith("::error file=configs/bad.yaml,line=8,title=AUG202::stage 4")
    assert "% " not in wrap and "%25" in wrap  # the percent sign is escaped
    for line, finding in zip(lines, audits.bad.findings, strict=True):
        command, props, data = _parse_command(line)
        assert (
            command == {"error": "error", "warning": "warning", "info": "notice"}[finding.severity]
        )
        stage = next(st for st in audits.bad.stages if st.index == finding.stage)
        assert props == {"file": "configs/bad.yaml", "line": str(stage.line), "title": finding.code}
        assert data == f"{finding.message} (hint: {finding.hint})"


def test_github_no_findings_and_several_pipelines(audits):
    assert github.render([audits.clean]) == ""
    assert github.render([audits.static, audits.clean]) == ""
    lines = github.render([audits.bad, audits.clean, audits.rotated]).splitlines()
    assert len(lines) == len(audits.bad.findings) + len(audits.rotated.findings)
    rotated = [_parse_command(line) for line in lines[len(audits.bad.findings) :]]
    assert {props["file"] for _, props, _ in rotated} == {"rotate.yaml"}
    by_code = {props["title"]: (command, props) for command, props, _ in rotated}
    assert by_code["AUG301"] == ("warning", {"file": "rotate.yaml", "line": "6", "title": "AUG301"})
    assert by_code["AUG504"] == ("warning", {"file": "rotate.yaml", "title": "AUG504"})  # no line


def test_github_escaping_and_levels(audits):
    info = Finding("AUG999", "info", None, HOSTILE, "hint, with: colon")
    report = replace(audits.bad, spec="my dir/a,b:c.yaml", findings=(info,))
    (line,) = github.render([report]).splitlines()
    assert line.startswith("::notice file=my dir/a%2Cb%3Ac.yaml,title=AUG999::a <b> & ")
    assert "50%25 ::x,y%0D%0Anext line" in line and "\r" not in line
    command, props, data = _parse_command(line)
    assert (command, props["file"]) == ("notice", "my dir/a,b:c.yaml")
    assert data == HOSTILE + " (hint: hint, with: colon)"
    assert github.escape_property("a%b:c,d\n") == "a%25b%3Ac%2Cd%0A"
    assert github.escape_data("a%b:c,d\r\n") == "a%25b:c,d%0D%0A"
    # file specs only: an import path has no file, the message names the pipeline
    imported = replace(audits.bad, spec="pkg.aug:train", findings=(info,))
    command, props, data = _parse_command(github.render([imported]).strip())
    assert "file" not in props and data.startswith("pkg.aug:train: a <b>")
    assert github.spec_file("./configs/x.py:build") == "configs/x.py"
    assert github.spec_file("C:\\specs\\a.yaml") == "C:/specs/a.yaml"


# --- SARIF ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


def _sarif(validator, reports: list[Report]) -> dict:
    log = json.loads(sarif.render(reports))
    validator.validate(log)
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    return log["runs"][0]


def test_sarif_for_findings_is_valid_and_complete(audits, sarif_validator):
    run = _sarif(sarif_validator, [audits.bad])
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("augaudit", augaudit.__version__)
    checks = {c.code: c for c in all_checks()}
    rules = driver["rules"]
    assert [r["id"] for r in rules] == sorted(audits.bad.checks)
    for rule in rules:
        check = checks[rule["id"]]
        assert rule["name"] == check.name
        assert rule["shortDescription"] == {"text": check.summary_for()}
        assert rule["help"] == {"text": check.hint}
        level = {"error": "error", "warning": "warning", "info": "note"}[check.severity]
        assert rule["defaultConfiguration"] == {"level": level}
    results = run["results"]
    assert len(results) == len(audits.bad.findings)
    for result, finding in zip(results, audits.bad.findings, strict=True):
        assert result["ruleId"] == finding.code == rules[result["ruleIndex"]]["id"]
        # error and warning map to themselves, info to SARIF's "note"
        assert result["level"] == {"info": "note"}.get(finding.severity, finding.severity)
        assert result["message"] == {"text": finding.message}
        (location,) = result["locations"]
        stage = next(st for st in audits.bad.stages if st.index == finding.stage)
        assert location["physicalLocation"] == {
            "artifactLocation": {"uri": "configs/bad.yaml"},
            "region": {"startLine": stage.line},
        }
    wrap = next(r for r in results if r["ruleId"] == "AUG202")
    assert wrap["locations"][0]["physicalLocation"]["region"] == {"startLine": 8}  # ToPILImage


def test_sarif_without_findings_and_several_pipelines(audits, sarif_validator):
    run = _sarif(sarif_validator, [audits.clean])
    assert run["results"] == [] and len(run["tool"]["driver"]["rules"]) == len(audits.clean.checks)
    static = _sarif(sarif_validator, [audits.static])
    assert static["results"] == []
    assert [r["id"] for r in static["tool"]["driver"]["rules"]] == sorted(audits.static.checks)
    empty = _sarif(sarif_validator, [])
    assert empty["results"] == [] and empty["tool"]["driver"]["name"] == "augaudit"
    run = _sarif(sarif_validator, [audits.bad, audits.clean, audits.rotated])
    assert len(run["results"]) == len(audits.bad.findings) + len(audits.rotated.findings)
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    ]
    assert uris.count("rotate.yaml") == len(audits.rotated.findings)
    skipped = next(r for r in run["results"] if r["ruleId"] == "AUG504")
    assert "region" not in skipped["locations"][0]["physicalLocation"]  # no stage, no line
    assert skipped["properties"]["stage"] is None and skipped["level"] == "warning"


def test_sarif_escaping_levels_and_paths(audits, sarif_validator):
    info = Finding("AUG999", "info", 4, HOSTILE, "hint")
    report = replace(audits.bad, spec="my dir/ü spec.yaml", findings=(info,))
    run = _sarif(sarif_validator, [report])
    (result,) = run["results"]
    assert result["level"] == "note" and result["message"]["text"] == HOSTILE
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "my%20dir/%C3%BC%20spec.yaml"
    assert run["tool"]["driver"]["rules"][-1] == {
        "id": "AUG999",
        "name": "AUG999",
        "shortDescription": {"text": "AUG999"},
    }
    imported = _sarif(sarif_validator, [replace(report, spec="pkg.aug:train")])
    (location,) = imported["results"][0]["locations"]
    assert location == {
        "logicalLocations": [{"fullyQualifiedName": "pkg.aug:train", "kind": "module"}]
    }
    text = sarif.render([report])
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_sarif_schema_rejects_what_it_should(sarif_validator):
    # the vendored schema really constrains: a wrong level and a missing message fail
    log = json.loads(sarif.render([]))
    log["runs"][0]["results"] = [{"ruleId": "AUG202", "level": "fatal", "message": {"text": "x"}}]
    assert not sarif_validator.is_valid(log)
    log["runs"][0]["results"] = [{"ruleId": "AUG202"}]
    assert not sarif_validator.is_valid(log)


# --- JUnit XML ------------------------------------------------------------------------------


def _junit(reports: list[Report]) -> ET.Element:
    text = junit.render(reports)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert root.get("tests") == str(sum(int(s.get("tests", "")) for s in suites))
    assert root.get("failures") == str(sum(int(s.get("failures", "")) for s in suites))
    for suite in suites:
        cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(cases))
        assert suite.get("failures") == str(sum(c.find("failure") is not None for c in cases))
    return root


def test_junit_for_findings(audits):
    root = _junit([audits.bad])
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "configs/bad.yaml"
    names = {c.code: c.name for c in all_checks()}
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert list(cases) == [f"{code} {names[code]}" for code in audits.bad.checks]
    assert {c.get("classname") for c in cases.values()} == {"configs/bad.yaml"}
    failing = {f.code for f in audits.bad.findings if f.severity == "error"}
    assert suite.get("failures") == str(len(failing)) and {"AUG202", "AUG203"} <= failing
    failure = cases["AUG202 wrap-around"].find("failure")
    assert failure is not None and failure.get("type") == "AUG202"
    aug202 = next(f for f in audits.bad.findings if f.code == "AUG202")
    assert failure.get("message") == aug202.message
    assert aug202.message in (failure.text or "") and aug202.hint in (failure.text or "")
    assert "stage 4 (ToPILImage, line 8)" in (failure.text or "")
    # warnings are below fail-on error: they pass, with the findings as output
    quantization = cases["AUG101 quantization"]
    assert quantization.find("failure") is None
    out = quantization.findtext("system-out") or ""
    warnings = [f for f in audits.bad.findings if f.code == "AUG101"]
    assert out.count("[warning]") == len(warnings) >= 2
    assert "hint: keep the image in float32" in out
    assert list(cases["AUG204 non-finite"]) == []  # ran, found nothing


def test_junit_follows_fail_on(audits):
    # rotate.yaml ran with --fail-on warning: its warnings fail, as its exit code says
    (suite,) = _junit([audits.rotated]).findall("testsuite")
    failed = {c.get("name", "").split()[0] for c in suite if c.find("failure") is not None}
    assert failed == {f.code for f in audits.rotated.findings} >= {"AUG301", "AUG504"}
    assert audits.rotated.summary.exit_code == 1
    never = replace(audits.rotated, settings=replace(audits.rotated.settings, fail_on="never"))
    (suite,) = _junit([never]).findall("testsuite")
    assert suite.get("failures") == "0"
    assert sum(c.find("system-out") is not None for c in suite) == len(failed)


def test_junit_without_findings_and_several_pipelines(audits):
    root = _junit([audits.clean])
    assert root.get("failures") == "0" and root.get("tests") == str(len(audits.clean.checks))
    assert all(len(case) == 0 for case in root.iter("testcase"))
    static = _junit([audits.static])
    assert static.get("tests") == str(len(audits.static.checks))
    root = _junit([audits.bad, audits.clean, audits.rotated, audits.static])
    assert [s.get("name") for s in root] == [
        "configs/bad.yaml",
        "configs/well_built.yaml",
        "rotate.yaml",
        "configs/well_built.yaml",
    ]
    failing = {f.code for f in audits.bad.findings if f.severity == "error"}
    assert root.get("failures") == str(
        len(failing) + len({f.code for f in audits.rotated.findings})
    )
    assert _junit([]).get("tests") == "0"


def test_junit_escapes_text(audits):
    evil = Finding("AUG202", "error", 4, 'x <&> "q" \x1b[1m', 'use <clamp> & "clip"')
    spec = 'a&b<"c">.yaml'
    report = replace(audits.bad, spec=spec, findings=(evil, replace(evil, severity="warning")))
    text = junit.render([report])
    assert '<&> "q"' not in text and "\x1b" not in text
    root = _junit([report])
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == spec
    case = next(c for c in suite if c.get("name") == "AUG202 wrap-around")
    assert case.get("classname") == spec
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == 'x <&> "q" \ufffd[1m'
    assert 'hint: use <clamp> & "clip"' in (failure.text or "")
    # the warning twin is below fail-on error: output, not a failure
    assert 'x <&> "q"' in (case.findtext("system-out") or "")
    newline = replace(report, findings=(replace(evil, message="two\nlines"),))
    failure = _junit([newline]).find(".//failure")
    assert failure is not None and failure.get("message") == "two\nlines"
