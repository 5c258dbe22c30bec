"""A poison update is set aside as a dead letter; the updates behind it are handled.

The loops under test are the real ones (polling and webhook over HTTP against the
sandbox); only the handlers are test doubles that fail the way a bug does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import suppress
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.types import Message, Update
from aiohttp import web

from botdesk.updates import feed_raw, poll, webhook_app
from core.db import close_db, init_db
from core.enums import Channel
from core.intake.containment import RetryPolicy
from core.intake.dead_letters import mark_replayed, recent
from core.metrics import DEAD_LETTERS, UPDATES_RECEIVED
from sandbox.telegram import BotAccount, TelegramSandbox
from tests.botdesk.test_updates import free_port
from tests.fixtures.database import copy_migrated_sqlite

FAST = RetryPolicy(attempts=3, first_delay=0.01, max_delay=0.1)
WAIT = 15.0


@pytest.fixture
async def sqlite_db(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A migrated SQLite database for the dead letters (a copy of the session's template)."""
    url = f"sqlite://{tmp_path / 'desk.sqlite3'}"
    await copy_migrated_sqlite(url, tmp_path_factory)
    await init_db(url)
    try:
        yield url
    finally:
        await close_db()


def breaking_dispatcher(broken: set[str]) -> tuple[Dispatcher, list[str]]:
    """A dispatcher whose handler raises on every text in ``broken`` (a bug), recording calls."""
    seen: list[str] = []
    router = Router()

    @router.message()
    async def handle(message: Message) -> None:
        seen.append(message.text or "")
        if message.text in broken:
            raise ValueError(f"cannot handle {message.text!r}")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher, seen


async def confirmed(sb: TelegramSandbox, account: BotAccount) -> None:
    """Wait until Telegram has no update of ``account`` left to deliver."""
    await sb.wait_for(lambda: not sb.updates_pending(account), timeout=WAIT)


def counted() -> float:
    return DEAD_LETTERS.labels(channel="telegram")._value.get()


def received() -> float:
    return UPDATES_RECEIVED.labels(channel="telegram")._value.get()


async def test_a_poison_update_is_set_aside_and_the_next_one_is_handled(
    sqlite_db: str,
    telegram_sandbox: TelegramSandbox,
    desk_bot_account: BotAccount,
    desk_bot: Bot,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sb = telegram_sandbox
    broken = {"boom"}
    dispatcher, seen = breaking_dispatcher(broken)
    before, received_before = counted(), received()
    stop = asyncio.Event()
    customer = sb.create_user("Alice")
    with caplog.at_level(logging.INFO):
        task = asyncio.create_task(poll(desk_bot, dispatcher, stop, policy=FAST))
        sb.send_text(customer, desk_bot_account, "boom")
        sb.send_text(customer, desk_bot_account, "after")
        await sb.wait_for(lambda: "after" in seen, timeout=WAIT)
        await confirmed(sb, desk_bot_account)  # the poison one is acknowledged too
        stop.set()
        await asyncio.wait_for(task, timeout=WAIT)

    assert seen == ["boom", "boom", "boom", "after"]
    [letter] = await recent()
    assert letter.channel is Channel.TELEGRAM and not letter.replayed
    assert letter.payload["message"]["text"] == "boom"
    assert letter.update_id == str(letter.payload["update_id"])
    assert letter.error == "ValueError: cannot handle 'boom'"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None
    assert counted() == before + 1
    assert received() == received_before + 2

    # After the fix, the stored update goes through the same handling.
    broken.clear()
    await feed_raw(desk_bot, dispatcher, letter.payload)
    await mark_replayed(letter.id)
    assert seen[-1] == "boom"
    assert [stored.replayed for stored in await recent()] == [True]


async def test_an_update_that_cannot_be_read_is_set_aside_at_once(
    sqlite_db: str, telegram_sandbox: TelegramSandbox, desk_bot_account: BotAccount, desk_bot: Bot
) -> None:
    sb = telegram_sandbox
    dispatcher, seen = breaking_dispatcher(set())
    customer = sb.create_user("Bob")
    garbage = {"message_id": "not a number", "chat": 5, "date": "yesterday", "text": ["x"]}
    sb.world.push(desk_bot_account, "message", garbage)
    sb.send_text(customer, desk_bot_account, "after")
    stop = asyncio.Event()
    task = asyncio.create_task(poll(desk_bot, dispatcher, stop, policy=FAST))
    await sb.wait_for(lambda: "after" in seen, timeout=WAIT)
    await confirmed(sb, desk_bot_account)
    stop.set()
    await asyncio.wait_for(task, timeout=WAIT)
    [letter] = await recent()
    assert letter.payload["message"] == garbage
    assert letter.error.startswith("ValidationError")
    assert letter.attempts == 3


class FailingBulk:
    """Stores customer messages together, failing the whole run on one bad message."""

    def __init__(self) -> None:
        self.runs: list[list[str]] = []

    def accepts(self, update: Update) -> bool:
        return update.message is not None

    async def handle(self, updates: Sequence[Update]) -> None:
        texts = [u.message.text or "" for u in updates if u.message]
        self.runs.append(texts)
        if "poison" in texts:
            raise ValueError("one bad message in the run")


async def test_a_bad_message_does_not_sink_its_neighbours_in_a_bulk_run(
    sqlite_db: str, telegram_sandbox: TelegramSandbox, desk_bot_account: BotAccount, desk_bot: Bot
) -> None:
    sb = telegram_sandbox
    dispatcher, seen = breaking_dispatcher({"poison"})
    bulk = FailingBulk()
    customer = sb.create_user("Carol")
    for text in ("a", "poison", "b"):
        sb.send_text(customer, desk_bot_account, text)  # one getUpdates batch
    stop = asyncio.Event()
    task = asyncio.create_task(poll(desk_bot, dispatcher, stop, bulk=bulk, policy=FAST))
    await sb.wait_for(lambda: "b" in seen, timeout=WAIT)
    await confirmed(sb, desk_bot_account)
    stop.set()
    await asyncio.wait_for(task, timeout=WAIT)
    assert bulk.runs == [["a", "poison", "b"]]
    assert seen == ["a", "poison", "poison", "poison", "b"]  # one by one after the run failed
    assert [letter.payload["message"]["text"] for letter in await recent()] == ["poison"]


async def test_the_webhook_answers_200_for_a_dead_letter_so_telegram_stops_sending_it(
    sqlite_db: str,
    telegram_sandbox: TelegramSandbox,
    desk_bot_account: BotAccount,
    sandbox_bot_factory: Callable[[BotAccount], Bot],
) -> None:
    sb = telegram_sandbox
    bot = sandbox_bot_factory(desk_bot_account)
    dispatcher, seen = breaking_dispatcher({"boom"})
    port = free_port()
    runner = web.AppRunner(webhook_app(bot, dispatcher, "/hook", None, policy=FAST))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook")
        customer = sb.create_user("Dan")
        sb.send_text(customer, desk_bot_account, "boom")
        sb.send_text(customer, desk_bot_account, "after")
        await sb.wait_for(lambda: "after" in seen, timeout=WAIT)
        await confirmed(sb, desk_bot_account)
        info = await bot.get_webhook_info()
    finally:
        with suppress(Exception):
            await bot.delete_webhook()
        await runner.cleanup()
    assert info.last_error_message is None  # every answer was 200
    assert seen == ["boom", "boom", "boom", "after"]
    assert [letter.payload["message"]["text"] for letter in await recent()] == ["boom"]
