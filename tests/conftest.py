"""Fixtures shared across the test packages, and the order rule for tests that read others.

Plain helpers (image makers, hand-built reports, the bad-image corpus, spec strategies, the
CLI scenarios, the run-control workspace) live in ``tests/helpers``; test modules import them
from there and never from each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.helpers.cli_scenarios import WORKERS, Runs, make_workspace, scenarios


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move each test marked ``after_module`` behind the last other test of its module.

    Such a test reads what its module's other tests recorded (the fuzzers' case counts), so
    it must run after them whatever order the tests were put in (``-p randomly``, files
    given in reverse); it stays within its module, next to the module's fixtures.
    """
    for item in [i for i in items if i.get_closest_marker("after_module")]:
        items.remove(item)
        module = getattr(item, "module", None)
        last = max(
            (n for n, other in enumerate(items) if getattr(other, "module", None) is module),
            default=len(items) - 1,
        )
        items.insert(last + 1, item)


# --- the CLI scenarios (tests/helpers/cli_scenarios.py) -----------------------------------------


@pytest.fixture(scope="session")
def scenario_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder most CLI scenarios run in: synthetic images and specs."""
    return make_workspace(tmp_path_factory.mktemp("augaudit_cli"))


@pytest.fixture(scope="session")
def scenario_runs(scenario_ws: Path) -> Iterator[Runs]:
    """Every scenario's result, each run once in the session, on a small thread pool."""
    pool = ThreadPoolExecutor(max_workers=WORKERS)
    try:
        yield Runs(scenarios(scenario_ws), pool)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # e.g. after -x: skip what has not started


@pytest.fixture
def ws(scenario_ws: Path) -> Path:
    """The CLI scenarios' working directory (a module with a workspace of its own overrides
    this name; ``runs`` does not read it, so the scenarios always run in theirs)."""
    return scenario_ws


@pytest.fixture
def runs(scenario_runs: Runs, request: pytest.FixtureRequest) -> Runs:
    """Scenario results by name (``@uses``).

    The first test of a module that asks starts the scenarios all the module's selected tests
    read, in test order, so the first tests get their results first; a scenario another module
    already ran is not run again. The module's tests read every scenario it started, so the
    pool is idle again once the module is done and never loads the CPU under other modules.
    """
    for item in request.session.items:
        if getattr(item, "module", None) is request.module:
            for name in getattr(getattr(item, "function", None), "augaudit_scenarios", ()):
                scenario_runs.start(name)  # once per name
    return scenario_runs
