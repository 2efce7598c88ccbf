"""``--max-images``: a reproducible subset, and Student-t intervals over per-image means
(checked against scipy, tests/data/REFERENCES.md, "Statistics")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from augaudit.aggregate.sampling import confidence_interval, subset, t_quantile
from augaudit.api import audit
from augaudit.spec import load_spec
from tests.helpers.run_control import make_workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("runctl"))


def test_subset_is_reproducible_and_ordered() -> None:
    items = [f"img{i:04d}" for i in range(1000)]
    picked = subset(items, 25, seed=3)
    assert picked == subset(items, 25, seed=3) and picked == sorted(picked)
    assert len(set(picked)) == 25 and picked != subset(items, 25, seed=4)
    assert subset(items[:10], 25, seed=3) == items[:10]


def test_t_quantile_matches_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    for df in (1, 2, 4, 9, 30, 200):
        for p in (0.9, 0.975, 0.995):
            assert t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-9)


def test_max_images_intervals_match_per_image_means(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The interval is Student's t over per-image means, checked against scipy on means
    measured by auditing each image alone (seeds derive from the image's path as reported and
    the sample, not from its neighbours)."""
    stats = pytest.importorskip("scipy.stats")
    monkeypatch.chdir(ws)
    pipeline = load_spec("pipeline.yaml")
    report = audit(pipeline, ["imgs"], samples=2, max_images=5, seed=7)
    audited = [img.path for img in report.images]
    assert len(audited) == 5 and report.images_found == 12
    assert report.settings.max_images == 5
    stat = report.stages[1].metrics["border_fill_fraction"]
    assert stat is not None and stat.ci95 is not None
    per_image = []
    for path in audited:
        alone = audit(pipeline, [path], samples=2, seed=7)
        one = alone.stages[1].metrics["border_fill_fraction"]
        assert one is not None
        per_image.append(one.mean)
    lo, hi = stats.t.interval(
        0.95, len(per_image) - 1, loc=np.mean(per_image), scale=stats.sem(per_image)
    )
    assert stat.ci95 == pytest.approx((lo, hi), rel=1e-9)
    assert stat.mean == pytest.approx(np.mean(per_image), rel=1e-12)
    # Without --max-images there are no intervals in the report.
    full = audit(pipeline, [str(ws / "imgs" / "img00.png")], samples=1)
    assert all(s is None or s.ci95 is None for st in full.stages for s in st.metrics.values())


def test_confidence_interval_needs_two_values() -> None:
    assert confidence_interval([0.3]) is None
    assert confidence_interval([1.0, 1.0, 1.0]) == (1.0, 1.0)
