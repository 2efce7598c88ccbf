"""The HTML report: acceptance in headless Chromium, overlays against outside truths, budget.

Outside truths:
- out of range in bad.yaml's bicubic Resize: recomputed here with torchvision directly
  (ToImage, ConvertImageDtype(float32), Resize(320, bicubic): no randomness), values beyond
  [0, 1] by more than 1e-6, reduced by a 2x2 block "any" to the 160 px thumbnail;
- fill in seed example 1's rotation: the stage's own measured border_fill_fraction for the
  same sample (the fill overlay is its area average, so the means agree to 1/255);
- the 20 MB budget: bytes of a rendered 50 images x 8 samples x 12 stages report.

The last tests audit the run-control stages (``tests/helpers/run_control.py``): an empty
output and ``--html-images`` leave out pictures, never the page.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision.transforms import v2

from augaudit import audit
from augaudit.measure.capture import capture
from augaudit.model import Finding
from augaudit.model.visuals import SampleVisuals
from augaudit.reporters.html.images import BUDGET, MARKUP_PER_CELL, encode_cell
from augaudit.reporters.html.page import render_html
from augaudit.spec import load_spec
from tests.helpers.images import view
from tests.helpers.reports import report_with
from tests.helpers.run_control import make_workspace, run_py, write_stages

ASTRONAUT = "sample_images/astronaut.jpg"
BAD_IMAGES = [ASTRONAUT, "sample_images/camera.png", "sample_images/checkerboard.png"]


@pytest.fixture(scope="module")
def bad():
    return audit("configs/bad.yaml", BAD_IMAGES, samples=1, visuals=True)


@pytest.fixture(scope="module")
def seed1():
    return audit("configs/seed_example1_dtype.yaml", [ASTRONAUT], samples=2, visuals=True)


def figure(html: str, title: str) -> str:
    """The markup of the grid cell whose title is ``title``."""
    for part in html.split("<figure")[1:]:
        if f'title="{title}"' in part:
            return part.split("</figure>")[0]
    raise AssertionError(f"no cell {title!r}")


def test_seed_example1_fill_overlay_shows_the_rotation_corners(seed1):
    assert [s.sample for s in seed1.visuals] == [0, 1]
    html = render_html(seed1)
    for sv in seed1.visuals:
        rot = next(v for v in sv.stages if v.stage == 2)
        measured = rot.metrics["border_fill_fraction"]
        assert measured is not None and measured > 0.01
        assert rot.fill is not None
        assert abs(float(rot.fill.mean()) / 255 - measured) < 1 / 255
        h, w = rot.fill.shape
        assert all(rot.fill[y, x] > 0 for y, x in ((0, 0), (0, w - 1), (h - 1, 0), (h - 1, w - 1)))
        assert rot.fill[h // 2, w // 2] == 0
        cell = figure(html, f"{ASTRONAUT} · sample {sv.sample} · 2 RandomRotation")
        assert 'class="ov ov-fill"' in cell
        # The input has no fill: no overlay is drawn for it.
        assert "ov-fill" not in figure(html, f"{ASTRONAUT} · sample {sv.sample} · input")
    stat = seed1.stages[1].metrics["border_fill_fraction"]
    per_sample = [next(v for v in s.stages if v.stage == 2).metrics for s in seed1.visuals]
    assert stat is not None
    assert stat.mean == pytest.approx(np.mean([m["border_fill_fraction"] for m in per_sample]))


def test_bad_bicubic_out_of_range_overlay_is_where_values_left_the_range(bad):
    x = v2.ToImage()(Image.open(ASTRONAUT).convert("RGB"))
    x = v2.ConvertImageDtype(torch.float32)(x)
    x = v2.Resize(320, interpolation=v2.InterpolationMode.BICUBIC)(x)
    # augaudit's range test allows 1e-6 of the range (float32 rounding of exact 0 and 1).
    outside = ((x < -1e-6) | (x > 1 + 1e-6)).any(dim=0).numpy()
    expected = outside.reshape(160, 2, 160, 2).any(axis=(1, 3))
    assert expected.any()
    sv = next(s for s in bad.visuals if s.image == ASTRONAUT)
    resize = next(v for v in sv.stages if v.stage == 3)
    assert resize.out_of_range is not None
    np.testing.assert_array_equal(resize.out_of_range, expected)
    to_pil = next(v for v in sv.stages if v.stage == 4)
    assert to_pil.wrapped is not None and to_pil.wrapped.any()
    assert not (to_pil.wrapped & ~expected).any()  # only values that had left [0,1] wrap
    html = render_html(bad)
    assert 'class="ov ov-oor"' in figure(html, f"{ASTRONAUT} · sample 0 · 3 Resize")
    assert 'class="ov ov-wrap"' in figure(html, f"{ASTRONAUT} · sample 0 · 4 ToPILImage")


def test_report_summary_findings_link_to_stages_and_normalize_note(bad):
    html = render_html(bad)
    for f in bad.findings:
        assert f.code in html
        if f.stage is not None:
            assert f'href="#stage-{f.stage}"' in html and f'id="stage-{f.stage}"' in html
    assert '<span class="verdict fail">fail</span>' in html
    assert html.count("<svg") >= 4  # fidelity PSNR/SSIM, fill, out of range (and wrapped)
    normalize = next(s.index for s in bad.stages if s.name == "Normalize")
    header = re.search(rf'<th id="col-{normalize}">.*?</th>', html)
    assert header is not None and "de-normalized" in header.group(0)


def test_escapes_user_strings_and_is_deterministic(bad, tmp_path):
    evil = '<script>alert("x")</script>'
    finding = Finding("AUG999", "error", 1, f"bad {evil}", f"hint {evil}", (f"img{evil}.png",))
    report = dataclasses.replace(bad, spec=f"configs/{evil}.yaml", findings=(finding,))
    html = render_html(report)
    assert evil not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert html == render_html(report)
    assert str(Path.cwd()) not in html and "/tmp/" not in html


def test_html_images_cap_says_what_it_left_out(bad):
    html = render_html(bad, max_images=1)
    assert "2 images left out of the grid by --html-images 1" in html
    assert "sample_images/camera.png" in html.split("left out of the grid")[1]
    assert f"{BAD_IMAGES[1]} · sample 0 · input" not in html


def _big_report() -> tuple[object, int]:
    """50 images x 8 samples x 12 stages, pictures from real photos (shared to stay fast)."""
    pictures = []
    for n, name in enumerate(("astronaut.jpg", "chelsea.jpg", "coffee.jpg", "rocket.jpg")):
        img = v2.functional.to_dtype(
            v2.functional.to_image(Image.open(f"sample_images/{name}").convert("RGB")),
            torch.float64,
            scale=True,
        )
        cov = v2.functional.rotate(torch.ones(1, *img.shape[1:], dtype=torch.float64), 10.0 + n)[0]
        rot = v2.functional.rotate(img, 10.0 + n) + 0.002 * torch.rand(img.shape)
        oor = (rot > 1).any(dim=0)
        pictures.append(capture(view(img, stage=0, reference=img)))
        pictures.append(capture(view(rot, coverage=cov, out_of_range=oor, reference=img)))
    rows = []
    for i in range(50):
        for s in range(8):
            stages = [
                dataclasses.replace(pictures[(i + s + k) % len(pictures)], stage=k)
                for k in range(13)
            ]
            rows.append(SampleVisuals(f"data/img_{i:02d}.jpg", s, tuple(stages)))
    names = tuple(f"Stage{k}" for k in range(1, 13))
    return report_with(tuple(rows), names), 50 * 8 * 13


@pytest.mark.slow
def test_size_budget_50_images_8_samples_12_stages():
    report, cells = _big_report()
    html = render_html(report)  # type: ignore[arg-type]
    size = len(html.encode("utf-8"))
    found = re.search(r'class=th alt="[^"]*" src="[^"]*" width="(\d+)"', html)
    assert found is not None
    side = int(found.group(1))
    shown = html.count("<figure")
    per_cell = np.mean([encode_cell(v, side).nbytes() for v in report.visuals[0].stages])
    # The arithmetic: encoded bytes per cell (thumbnail, error map and overlays, base64)
    # plus ~1 kB of markup, times the cells shown, fits the 19 MB budget; full-size
    # views only fill what is left.
    assert (per_cell + MARKUP_PER_CELL) * shown <= BUDGET, (side, per_cell, shown)
    assert size < 20 * 1024 * 1024, size
    assert side >= 64
    note = re.search(r"(\d+) images left out of the grid by the 19 MB budget", html)
    if shown < cells:  # what did not fit is said, per image, never silently cut
        assert note is not None and int(note.group(1)) * 8 * 13 == cells - shown
    else:
        assert note is None


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.subprocess  # Chromium and playwright's driver
def test_bad_report_in_headless_chromium(bad, tmp_path):
    exe = _chromium()
    if exe is None:
        pytest.skip("Chromium is missing (Debian: apt-get install chromium; .ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(bad), encoding="utf-8")
    problems: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=exe,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )  # fmt: skip
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri())
            page.wait_for_function("document.body.dataset.ready === '1'")
            loaded = page.evaluate(
                """() => Array.from(document.querySelectorAll('table.grid tr')).slice(1).map(
                    tr => Array.from(tr.querySelectorAll('td')).map(td => {
                        const img = td.querySelector('img.th');
                        return img !== null && img.complete && img.naturalWidth > 0;
                    }))"""
            )
            page.check("input[data-layer=oor]")
            page.click("figure.cell >> nth=3")
            opened = page.evaluate("document.getElementById('lightbox').classList.contains('open')")
            page.keyboard.press("Escape")
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert problems == []
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    columns = len(bad.stages) + 1
    assert len(loaded) == len(bad.visuals)
    for row, sv in zip(loaded, bad.visuals, strict=True):
        assert len(row) == columns
        assert sum(row) == len(sv.stages) == columns  # every stage ran on these samples
    assert opened
    shot = Image.open(tmp_path / "report.png")
    assert shot.size[0] >= 1400 and shot.size[1] > 1000


# --- pictures kept for the page: empty outputs, --html-images ------------------------------------


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("runctl"))


@pytest.fixture(scope="module")
def stages_py(ws: Path) -> Path:
    return write_stages(ws)


def test_an_empty_output_does_not_break_the_visual_report(ws: Path, stages_py: Path) -> None:
    from augaudit.reporters.html.page import render_html

    report = run_py(stages_py, "empty", [str(ws / "imgs" / "img06.png")], samples=1, visuals=True)
    (sample,) = report.visuals
    assert [v.stage for v in sample.stages] == [0, 1, 2]  # no picture of the empty output
    # An empty output is an error of its stage (AUG501), not a clean run with null metrics.
    assert report.stages[2].runs == 0
    assert "stage returned an empty image (3x0x48)" in report.stages[2].errors[0].message
    assert [(f.code, f.stage) for f in report.findings if f.code == "AUG501"] == [("AUG501", 3)]
    assert "<html" in render_html(report)


def test_visual_reports_keep_only_the_pictures_they_show(ws: Path) -> None:
    from augaudit.reporters.html.page import render_html

    pipeline = load_spec(str(ws / "pipeline.yaml"))
    images = [str(ws / "imgs" / f"img0{i}.png") for i in range(4)]
    report = audit(pipeline, images, samples=2, visuals=True, visual_images=2)
    assert [(v.image.rsplit("/", 1)[-1], v.sample) for v in report.visuals] == [
        ("img00.png", 0),
        ("img00.png", 1),
        ("img01.png", 0),
        ("img01.png", 1),
    ]
    page = render_html(report, max_images=2)
    assert "2 images left out of the grid by --html-images 2" in page
    assert "img03.png" in page.split("left out of the grid", 1)[1].split("</p>", 1)[0]
    grid_only = audit(pipeline, images[:2], samples=3, visuals=True, visual_samples=1)
    assert [v.sample for v in grid_only.visuals] == [0, 0]
    assert all(len(v.stages) == 6 for v in grid_only.visuals)  # input + 5 stages
