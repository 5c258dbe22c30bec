"""The README's table of Bot API methods is what the registry implements, and nothing else.

The method list is also checked against the official spec: ``../shared/telegram-bot-api/api.json``
beside the checkout, or the file ``BOT_API_SPEC`` names.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from sandbox.telegram import coverage
from sandbox.telegram.methods import find

SHARED_SPEC = Path(__file__).resolve().parents[3] / "shared" / "telegram-bot-api" / "api.json"


def table_cells() -> dict[str, bool]:
    """The README table: method name -> marked implemented."""
    readme = coverage.README.read_text()
    block = readme.split(coverage.BEGIN)[1].split(coverage.END)[0]
    return {name: mark == "✓" for name, mark in re.findall(r"`(\w+)` ([✓—])", block)}


def test_the_readme_table_is_up_to_date() -> None:
    readme = coverage.README.read_text()
    assert coverage.with_table(readme) == readme, "run: python -m sandbox.telegram.coverage"


def test_every_method_in_the_table_is_a_bot_api_method_and_marked_truly() -> None:
    _, names = coverage.spec_methods()
    cells = table_cells()
    assert set(cells) == set(names)
    for name, done in cells.items():
        assert (find(name) is not None) == done, name
    assert cells["banChatMember"] and cells["sendPoll"] and not cells["sendInvoice"]


def test_every_registered_handler_is_a_bot_api_method() -> None:
    _, names = coverage.spec_methods()
    assert coverage.unknown_handlers(names) == []


def test_the_method_list_is_the_official_one() -> None:
    spec = os.environ.get("BOT_API_SPEC") or (str(SHARED_SPEC) if SHARED_SPEC.is_file() else "")
    if not spec:
        pytest.skip(f"no Bot API spec at {SHARED_SPEC} and BOT_API_SPEC is not set")
    data = json.loads(Path(spec).read_text())
    version, names = coverage.spec_methods()
    assert version == data["version"]
    assert names == [method["name"] for method in data["methods"].values()]
