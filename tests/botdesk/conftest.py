"""Fixtures of the command-line tests.

``check(account, group, **settings)`` runs ``botdesk check``'s own function with real
clients against the Telegram sandbox (a test may name another database, Redis, VK…) and
gives back its exit code and what it printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from botdesk.checks import check_command
from core.config import isolated_settings
from sandbox.telegram import BotAccount, Chat, TelegramSandbox
from tests.botdesk.processes import Finished
from tests.fixtures.database import copy_migrated_sqlite


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """Where the database of a check lives unless a test names another."""
    return f"sqlite://{tmp_path / 'data' / 'botdesk.sqlite3'}"


@pytest.fixture
async def migrated(sqlite_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """``sqlite_url``, migrated (a copy of the session's migrated template)."""
    await copy_migrated_sqlite(sqlite_url, tmp_path_factory)
    return sqlite_url


@pytest.fixture
def check(
    telegram_sandbox: TelegramSandbox, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> Any:
    """``botdesk check`` with the bot's token and group, plus settings; what it printed."""

    async def run(account: BotAccount | str, group: Chat | int, **values: Any) -> Finished:
        defaults = {"telegram_api_base": telegram_sandbox.base_url, "database_url": sqlite_url}
        settings = isolated_settings(
            bot_token=account if isinstance(account, str) else account.token,
            operator_group_id=group if isinstance(group, int) else group.id,
            **(defaults | values),
        )
        code = await check_command(settings)
        printed = capsys.readouterr()
        assert "Traceback" not in printed.out + printed.err, printed
        return Finished(code, printed.out, printed.err)

    return run
