"""DESIGN.md's dependency arrows, enforced: core/ knows no SDK, adapters don't cross."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package -> top-level modules it must never import
FORBIDDEN: dict[str, set[str]] = {
    "core": {"aiogram", "vkbottle", "aiohttp", "botdesk", "bots", "operators_group", "sandbox"},
    "bots": {"operators_group", "botdesk", "sandbox"},
    "operators_group": {"bots", "botdesk", "sandbox"},
    "sandbox": {"core", "bots", "operators_group", "botdesk", "aiogram", "vkbottle"},
}


def imported_roots(path: Path) -> set[str]:
    """Top-level names of every module that ``path`` imports (absolute imports only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_respects_the_arrows(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no Python files"
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in files
    }
    offenders = {name: bad for name, bad in offenders.items() if bad}
    assert offenders == {}, f"{package}/ imports across the arrows: {offenders}"


def test_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import aiogram.types\nfrom aiohttp import web\nfrom . import x\n")
    assert imported_roots(sample) == {"aiogram", "aiohttp"}
