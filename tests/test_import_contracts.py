"""DESIGN.md's arrows, enforced by import-linter with the contracts in pyproject.toml.

The first test runs ``lint-imports`` on the tree as it is. The others run it on a copy of
the tree with one bad import added, so a contract that no longer catches what it is
meant to catch fails here too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "bots", "operators_group", "botdesk", "sandbox")
# The console script sits next to the interpreter running the tests (the project's venv).
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run ``lint-imports`` in ``root``, importing our packages from there."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_tree_keeps_every_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """Our packages and pyproject.toml copied into a scratch directory."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "bad_import", "contract"),
    [
        ("core/clock.py", "import aiogram", "core knows no messenger SDK"),
        ("core/tickets/tags.py", "import bots.telegram", "core knows no messenger SDK"),
        ("bots/telegram/__init__.py", "import operators_group", "never import each other"),
        ("sandbox/__init__.py", "import core.enums", "sandbox imports nothing of ours"),
        ("core/outbox/queues.py", "import core.relay.ingest", "form layers"),
        ("core/messaging/views.py", "import core.tickets.queries", "form layers"),
        ("core/enums.py", "import core.staff.events", "form layers"),
    ],
)
def test_a_broken_arrow_breaks_its_contract(
    tree_copy: Path, module: str, bad_import: str, contract: str
) -> None:
    path = tree_copy / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{bad_import}\n", encoding="utf-8")
    result = lint_imports(tree_copy)
    assert result.returncode != 0, result.stdout
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout


def test_a_new_circle_breaks_the_acyclic_contract(tree_copy: Path) -> None:
    channel = tree_copy / "bots" / "telegram" / "channel.py"
    assert channel.exists()
    errors = tree_copy / "bots" / "telegram" / "errors.py"
    assert errors.exists()
    channel.write_text(channel.read_text(encoding="utf-8") + "\nimport bots.telegram.errors\n")
    errors.write_text(errors.read_text(encoding="utf-8") + "\nimport bots.telegram.channel\n")
    result = lint_imports(tree_copy)
    assert result.returncode != 0, result.stdout
    assert "No import cycle" in result.stdout.split("Broken contracts", 1)[-1], result.stdout
