"""Helpers shared by the test modules, which never import each other.

``images``: synthetic images and the ``StageView`` maker; ``reports``: hand-built Reports;
``bad_images``: the bad-image corpus; ``spec_strategies``: hypothesis strategies for specs;
``cli_scenarios``: the command lines ``tests/conftest.py`` runs once for the CLI tests;
``run_control``: the workspace and stage specs of the run-control tests.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
