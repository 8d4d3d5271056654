"""Imports run one way: adapters -> application -> formats / algorithms / domain.

Read from the source (``ast``), so a wrong import fails here even in a module no other test
imports.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("graph_model", "loaders", "algorithms", "services", "api", "cli", "runtime")

# What each package may import, of yima's packages and of the frameworks whose use is confined.
ALLOWED: dict[str, set[str]] = {
    "graph_model": {"graph_model", "neo4j"},
    "algorithms": {"algorithms"},
    # loaders read outside formats into domain values or into algorithms' plain inputs
    "loaders": {"loaders", "graph_model", "algorithms"},
    "services": {"services", "loaders", "algorithms", "graph_model"},
    "api": {"api", "services", "loaders", "graph_model", "strawberry", "starlette", "graphql"},
    "cli": {"cli", "services", "loaders", "algorithms", "graph_model", "runtime"},
    "runtime": {"runtime"},
}
GUARDED = {*PACKAGES, "neo4j", "strawberry", "starlette", "graphql"}


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """``(line, top-level module)`` of every import in ``path``."""
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module.split(".")[0]


def violations(package: str, root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted((root / package).rglob("*.py")):
        for line, module in imports(path):
            if module in GUARDED and module not in ALLOWED[package]:
                found.append(f"{path.relative_to(root)}:{line} imports {module}")
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_run_one_way(package: str) -> None:
    assert violations(package) == []


@pytest.mark.parametrize(
    ("package", "source", "wrong"),
    [
        ("graph_model", "from loaders.epcis import hash\n", "loaders"),
        ("algorithms", "import neo4j\n", "neo4j"),
        ("services", "from neo4j import GraphDatabase\n", "neo4j"),
        ("loaders", "import services.capture\n", "services"),
        ("api", "import neo4j\n", "neo4j"),
        ("services", "from starlette.requests import Request\n", "starlette"),
    ],
)
def test_a_wrong_import_is_caught(tmp_path: Path, package: str, source: str, wrong: str) -> None:
    (tmp_path / package).mkdir()
    (tmp_path / package / "bad.py").write_text(source, "utf-8")
    assert violations(package, tmp_path) == [f"{package}/bad.py:1 imports {wrong}"]
