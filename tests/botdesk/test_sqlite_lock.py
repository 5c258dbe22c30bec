"""One ``botdesk run`` per SQLite file: the second refuses, a killed one blocks nobody."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from botdesk.sqlite_lock import (
    SEVERAL_INSTANCES,
    SqliteInUse,
    lock_path,
    one_desk_per_sqlite_file,
)
from sandbox.telegram import BotAccount, Chat, TelegramSandbox
from tests.botdesk.checking import setup
from tests.botdesk.processes import botdesk, clean_env, read_until, stop, web_env


def desk_env(sb: TelegramSandbox, account: BotAccount, group: Chat) -> dict[str, str]:
    """A desk on ``group`` with the default database, its web server on a free port."""
    return {
        "TELEGRAM_API_BASE": sb.base_url,
        "BOT_TOKEN": account.token,
        "OPERATOR_GROUP_ID": str(group.id),
        **web_env(),
    }


async def _start_desk(cwd: Path, env: dict[str, str]) -> tuple[asyncio.subprocess.Process, str]:
    """``botdesk run`` in ``cwd``, once it logged its start line (and that log)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "botdesk", "run",
        cwd=cwd, env=clean_env(**env), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    try:
        return process, await read_until(process.stderr, " started: ")
    except BaseException:
        process.kill()
        await process.wait()
        raise


async def _healthz(env: dict[str, str]) -> int:
    url = f"http://{env['WEB_HOST']}:{env['WEB_PORT']}/healthz"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status


async def test_a_second_desk_on_the_same_sqlite_file_exits_2_and_points_to_postgresql(
    telegram_sandbox: TelegramSandbox, desk_bot_account: BotAccount, tmp_path: Path
) -> None:
    group = setup(telegram_sandbox, desk_bot_account, forum=True)
    # both on the default DATABASE_URL, sqlite://data/botdesk.sqlite3 in the same directory
    first_env = desk_env(telegram_sandbox, desk_bot_account, group)
    first, _ = await _start_desk(tmp_path, first_env)
    try:
        second = await botdesk(
            "run", cwd=tmp_path, within=30, **desk_env(telegram_sandbox, desk_bot_account, group)
        )
        assert second.returncode == 2, second.output
        assert "Traceback" not in second.output
        database = tmp_path / "data" / "botdesk.sqlite3"
        assert (
            "Start-up check failed: another botdesk is already running on the SQLite "
            f"database {database} (process {first.pid} holds {database}.lock; "
        ) in second.stderr
        assert "SQLite serves one botdesk process" in second.stderr
        assert "PostgreSQL and Redis (DATABASE_URL=postgres://..., REDIS_URL=redis://...), as " in (
            second.stderr
        )
        assert 'the README\'s section "Running several instances"' in second.stderr
        # the refused one changed nothing: the first desk goes on serving
        assert await _healthz(first_env) == 200
    finally:
        # SIGKILL: no clean-up ran, yet the kernel dropped the lock with the process
        first.send_signal(signal.SIGKILL)
        await first.wait()
    third, log = await _start_desk(tmp_path, desk_env(telegram_sandbox, desk_bot_account, group))
    finished = await stop(third)
    assert finished.returncode == 0, log + finished.output
    assert "Traceback" not in log + finished.output


def test_the_lock_holds_the_pid_while_held_and_nothing_after(tmp_path: Path) -> None:
    database = tmp_path / "data" / "desk.sqlite3"
    url = f"sqlite://{database}"
    with one_desk_per_sqlite_file(url) as held:
        assert held == lock_path(database)
        assert held.read_text() == f"{os.getpid()}\n"
        # another open file of the same lock is another holder, even in this process
        with pytest.raises(SqliteInUse, match=f"process {os.getpid()} holds"):
            with one_desk_per_sqlite_file(url):
                pass
    assert held.read_text() == ""
    with one_desk_per_sqlite_file(url):  # free again
        pass


@pytest.mark.parametrize("url", ["sqlite://:memory:", "postgres://postgres@127.0.0.1:5432/botdesk"])
def test_nothing_to_lock_beside_an_in_memory_database_or_postgresql(url: str) -> None:
    with one_desk_per_sqlite_file(url) as held:
        assert held is None


def test_the_readme_has_the_section_the_refusal_points_to() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"\n## {SEVERAL_INSTANCES}\n" in readme
