"""The package's layout holds: layers, no import cycles, torch only in measure/, small units."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "augaudit"
MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.subprocess
def test_the_layer_contracts_hold() -> None:
    """The import-linter contracts in pyproject.toml (layers, torch, reporters, typer)."""
    lint = shutil.which("lint-imports")
    assert lint is not None, "import-linter is a test dependency"
    done = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "BROKEN" not in done.stdout


def _cycles(graph: grimp.ImportGraph) -> list[tuple[str, ...]]:
    """Each import cycle's modules: an import a -> b where b also leads back to a."""
    cycles = set()
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                cycles.add(tuple(sorted({importer, *back})))
    return sorted(cycles)


def test_no_import_cycles_counting_imports_inside_functions() -> None:
    graph = grimp.build_graph("augaudit", exclude_type_checking_imports=True, cache_dir=None)
    assert _cycles(graph) == []


def test_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("p", "p.a", "p.b", "p.c"):
        graph.add_module(name)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.a")
    graph.add_import(importer="p.b", imported="p.c")
    assert _cycles(graph) == [("p.a", "p.b")]


def _module_level_imports(tree: ast.Module) -> set[str]:
    """Top-level names imported outside functions and outside ``if TYPE_CHECKING:``."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_measure_imports_torch_at_module_level() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in MODULES
        if "measure" not in path.relative_to(PACKAGE).parts
        and _module_level_imports(ast.parse(path.read_text())) & {"torch", "torchvision"}
    ]
    assert offenders == []


def test_units_stay_small() -> None:
    top = [p.name for p in PACKAGE.glob("*.py")]
    assert len(top) <= 6, top
    big = [str(p) for p in MODULES if len(p.read_text().splitlines()) > 350]
    assert big == []
    long = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
        for path in MODULES
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > 80
    ]
    assert long == []
