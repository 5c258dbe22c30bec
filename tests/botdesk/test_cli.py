"""The command line as a person meets it: exit code 2 and a clear paragraph on bad config."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import Settings
from tests.botdesk.processes import web_env

ROOT = Path(__file__).resolve().parents[2]


def botdesk(
    *args: str, cwd: Path, timeout: float = 60, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m botdesk`` in ``cwd`` with none of botdesk's variables but ``env``.

    A desk that got as far as serving would listen on a free loopback port (``web_env``),
    never on the default one that a parallel test's desk may hold.
    """
    clean = {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in Settings.model_fields and k != "BOTDESK_CONFIG"
    }
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "botdesk", *args],
        cwd=cwd,
        env={**clean, **web_env(), **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def test_run_without_token_exits_2_and_says_how_to_get_one(tmp_path: Path) -> None:
    result = botdesk("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "BOT_TOKEN is not set" in result.stderr
    assert "@BotFather" in result.stderr
    assert "make demo" in result.stderr


def test_malformed_database_url_exits_2(tmp_path: Path) -> None:
    result = botdesk("migrate", cwd=tmp_path, DATABASE_URL="mongodb://localhost/x")
    assert result.returncode == 2
    assert "DATABASE_URL uses mongodb scheme" in result.stderr
    assert "postgres://user:password@host:5432/dbname" in result.stderr


def test_unknown_key_in_toml_exits_2(tmp_path: Path) -> None:
    (tmp_path / "botdesk.toml").write_text('databse_url = "sqlite://x.db"\n', encoding="utf-8")
    result = botdesk("migrate", cwd=tmp_path)
    assert result.returncode == 2
    assert "botdesk.toml has an unknown key 'databse_url'" in result.stderr


def test_malformed_calendar_hours_exit_2_naming_the_key(tmp_path: Path) -> None:
    (tmp_path / "botdesk.toml").write_text(
        '[calendar]\nhours = "mon-fri 09:00-18:00; sat 10-14"\n', encoding="utf-8"
    )
    result = botdesk("migrate", cwd=tmp_path)
    assert result.returncode == 2
    assert "calendar.hours has the time '10'" in result.stderr
    assert "mon-fri 09:00-13:00,14:00-18:00" in result.stderr


def test_migrate_creates_the_default_sqlite_database(tmp_path: Path) -> None:
    result = botdesk("migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "botdesk.sqlite3").is_file()
    again = botdesk("migrate", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Schema is up to date." in again.stdout


def test_no_command_prints_help_and_exits_2(tmp_path: Path) -> None:
    result = botdesk(cwd=tmp_path)
    assert result.returncode == 2
    for command in ("run", "demo", "sandbox", "migrate"):
        assert command in result.stdout


@pytest.mark.parametrize("command", ["run", "demo", "sandbox", "migrate"])
def test_every_command_has_help(tmp_path: Path, command: str) -> None:
    result = botdesk(command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert f"botdesk {command}" in result.stdout


def test_demo_runs_offline_and_shows_both_sides(tmp_path: Path) -> None:
    # The same scenario as `make demo`, with every flood window a tenth as long (with the
    # real limits the scenario waits about a minute for the group's 20-a-minute budget).
    result = botdesk("demo", "--time-scale", "0.1", cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Telegram sandbox at http://127.0.0.1:" in out
    assert "Hello, Alice! You are writing to the support team of Acme." in out
    assert "Здравствуйте, Борис! Вы пишете в службу поддержки Acme." in out
    # The operators' side: Alice's topic with her card, her messages, the note and the answer.
    start = out.index("=== Support desk / ")
    topic = out[start : out.index("=== Борис ===", start)]
    assert "(pinned)" in topic
    assert "Hi! My order #1043 has not arrived. (edited)" in topic
    assert "[voice:" in topic and topic.count("[photo:") == 2
    assert "// checked the warehouse" in topic
    # The customer's side: the answer arrived, the note did not.
    alice = out[out.index("=== Alice ===") : out.index("=== Support desk / ")]
    assert "Sorry for the wait! Your parcel ships today." in alice
    assert "warehouse" not in alice
    # The workflow: take, tag, a template in the customer's language, resolve, rate, thank.
    assert "the card: 🟢 #2 · open · Ivan · #delivery" in out
    assert "Борис gets, in Russian: Здравствуйте, Борис! Обращение #2: посылка уже в пути." in out
    assert "✅ Ваше обращение #2 решено. Как вы оцените нашу помощь?" in out
    assert "the card: ✅ #2 · resolved · ★★★★★" in out
    assert "the ticket stays resolved: “✅ #2 \u2068Борис\u2069 · Telegram”" in out
    assert "the same ticket reopens: “🟢 #2 \u2068Борис\u2069 · Telegram”" in out
    # The VK customer: a topic labelled VK, the photos as an album, the answer in VK.
    assert "a topic appears: “🆕 #3 \u2068Пётр Иванов\u2069 · VK”" in out
    assert "  Acme: Извините! Курьер заберёт товар завтра." in out
    # At the end, once the desk has sent everything: each ticket's card as operators see it.
    cards = out[out.index("── the ticket cards now ──") :]
    boris = cards[
        cards.index("── 🟢 #2 \u2068Борис\u2069 · Telegram") : cards.index("── 🟢 #3 \u2068Пётр")
    ]
    assert "  🟢 #2 · open\n" in boris and "  Tags: #delivery\n" in boris
    assert "  Rating: ★★★★★\n" in boris and "  Comment: Быстро и вежливо\n" in boris
    assert "[ Status ▾ ]" in boris
    assert "  Assignee: Ivan Agent\n" in cards[cards.index("── 🟢 #3 \u2068Пётр") :]
    assert out.rstrip().endswith("✓ demo finished")


async def test_sandbox_command_serves_a_world_a_real_bot_can_use(tmp_path: Path) -> None:
    import asyncio
    import re
    import signal

    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    clean = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "botdesk",
        "sandbox",
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    printed = ""
    try:
        while "Ctrl-C stops it." not in printed:
            line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
            assert line, f"sandbox exited early: {printed}"
            printed += line.decode()
        base = re.search(r"TELEGRAM_API_BASE=(\S+)", printed)
        token = re.search(r"BOT_TOKEN=(\S+)", printed)
        group = re.search(r"OPERATOR_GROUP_ID=(\S+)", printed)
        assert base and token and group, printed
        bot = Bot(token.group(1), session=AiohttpSession(api=TelegramAPIServer.from_base(base[1])))
        try:
            me = await bot.get_me()
            chat = await bot.get_chat(int(group.group(1)))
        finally:
            await bot.session.close()
        assert me.is_bot and me.username == "botdesk_demo_bot"
        assert chat.is_forum
    finally:
        process.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(process.wait(), timeout=15)
    assert code == 130
