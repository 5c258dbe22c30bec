"""A malformed [[rules]] block stops `botdesk run` and `botdesk check` before anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.botdesk.processes import botdesk, closed_port

BAD_RULES = """
[[rules]]
name = "urgent"
when.keywords = ["срочно"]
then.priority = "high"

[[rules]]
name = "refunds"
when.keywords = ["возврат", 42]
then.tags = ["billing"]
"""

GOOD_RULES = """
[[rules]]
name = "refunds"
when.keywords = ["возврат", "refund"]
when.regex = ['order\\s*#?\\d+']
then.priority = "high"
then.tags = ["billing"]
"""


def env() -> dict[str, str]:
    """Settings that would let the desk start, against a Bot API nobody serves."""
    return {
        "BOT_TOKEN": "123456789:AAEabcdefghijklmnopqrstuvwxyz012345",
        "OPERATOR_GROUP_ID": "-1001234567890",
        "TELEGRAM_API_BASE": f"http://127.0.0.1:{closed_port()}",
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(closed_port()),
    }


@pytest.mark.parametrize("command", ["run", "check"])
async def test_a_bad_rule_exits_2_naming_the_rule_and_the_key(tmp_path: Path, command: str) -> None:
    (tmp_path / "botdesk.toml").write_text(BAD_RULES, encoding="utf-8")
    result = await botdesk(command, cwd=tmp_path, within=60, **env())
    assert result.returncode == 2, result.output
    assert result.stderr.startswith(
        'Configuration error: rules[2] ("refunds").when.keywords[2]: must be a non-empty text'
    ), result.output
    assert 'see README, "Automation rules"' in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "data").exists()  # it stopped before touching the database


async def test_good_rules_let_the_desk_go_on(tmp_path: Path) -> None:
    (tmp_path / "botdesk.toml").write_text(GOOD_RULES, encoding="utf-8")
    result = await botdesk("migrate", cwd=tmp_path, within=60, **env())
    assert result.returncode == 0, result.output
