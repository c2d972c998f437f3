"""The engine stands alone: it imports nothing of the project it serves."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent
ROOT = ENGINE.parent


def project_packages() -> set[str]:
    """Every top-level Python package of the repository other than the engine itself."""
    return {path.parent.name for path in ROOT.glob("*/__init__.py")} - {ENGINE.name}


def imported_roots(source: str) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_engine_imports_no_package_of_the_project() -> None:
    project = project_packages()
    assert {"shop", "targetdemo", "checkout_mcp"} <= project  # the check sees the project
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path.read_text()) & project)
        for path in ENGINE.rglob("*.py")
        if "tests" not in path.relative_to(ENGINE).parts
    }
    assert {path: names for path, names in offenders.items() if names} == {}
