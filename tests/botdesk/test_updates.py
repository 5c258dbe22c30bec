"""Updates are acknowledged only after they were handled: an outage means redelivery.

What happens to an update that fails for reasons of its own (it is set aside as a dead
letter) is in test_dead_letters.py.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from contextlib import suppress

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from aiohttp import web

from botdesk.updates import poll, webhook_app
from sandbox.telegram import BotAccount, Limits, TelegramSandbox
from tests.fixtures.telegram_sandbox import LoopbackSession


def flaky_dispatcher(
    failures: int, error: Callable[[], Exception] = lambda: RuntimeError("flaky")
) -> tuple[Dispatcher, list[str]]:
    """A dispatcher whose handler fails ``failures`` times on "boom", recording every call."""
    seen: list[str] = []
    router = Router()

    @router.message()
    async def handle(message: Message) -> None:
        seen.append(message.text or "")
        if message.text == "boom" and seen.count("boom") <= failures:
            raise error()

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher, seen


def database_down() -> Exception:
    """What asyncpg raises when the PostgreSQL server does not answer."""
    return ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")


async def test_polling_retries_a_failed_update_before_the_ones_behind_it(
    telegram_sandbox: TelegramSandbox,
    desk_bot_account: BotAccount,
    sandbox_bot_factory: Callable[[BotAccount], Bot],
) -> None:
    sb = telegram_sandbox
    bot = sandbox_bot_factory(desk_bot_account)
    customer = sb.create_user("Alice")
    dispatcher, seen = flaky_dispatcher(failures=2)
    stop = asyncio.Event()
    task = asyncio.create_task(poll(bot, dispatcher, stop))
    sb.send_text(customer, desk_bot_account, "boom")
    sb.send_text(customer, desk_bot_account, "after")
    await sb.wait_for(lambda: "after" in seen, timeout=10)
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    # Handled in order; the failing one was retried until it went through.
    assert seen == ["boom", "boom", "boom", "after"]


async def test_polling_stopped_during_an_outage_leaves_the_update_unconfirmed(
    telegram_sandbox: TelegramSandbox,
    desk_bot_account: BotAccount,
    sandbox_bot_factory: Callable[[BotAccount], Bot],
) -> None:
    sb = telegram_sandbox
    bot = sandbox_bot_factory(desk_bot_account)
    dispatcher, seen = flaky_dispatcher(failures=1000, error=database_down)
    stop = asyncio.Event()
    task = asyncio.create_task(poll(bot, dispatcher, stop))
    sb.send_text(sb.create_user("Bob"), desk_bot_account, "boom")
    await sb.wait_for(lambda: seen.count("boom") > 3, timeout=10)  # more than a poison's tries
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    # A restarted desk gets it again: it was never acknowledged.
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message] == ["boom"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_answers_500_during_an_outage_so_telegram_redelivers(
    telegram_sandbox: TelegramSandbox,
    desk_bot_account: BotAccount,
    sandbox_bot_factory: Callable[[BotAccount], Bot],
) -> None:
    sb = telegram_sandbox
    bot = sandbox_bot_factory(desk_bot_account)
    dispatcher, seen = flaky_dispatcher(failures=2, error=database_down)
    port = free_port()
    runner = web.AppRunner(webhook_app(bot, dispatcher, "/hook", "s3cret"))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        sb.send_text(sb.create_user("Carol"), desk_bot_account, "boom")
        await sb.wait_for(lambda: seen.count("boom") == 3, timeout=10)
        info = await bot.get_webhook_info()
        await sb.wait_for(lambda: not sb.updates_pending(desk_bot_account), timeout=10)
    finally:
        with suppress(Exception):
            await bot.delete_webhook()
        await runner.cleanup()
    assert info.last_error_message  # Telegram saw the failures
    assert seen == ["boom", "boom", "boom"]


async def test_telegram_unreachable_is_logged_once_and_polling_carries_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sb = TelegramSandbox(limits=Limits.off())
    account = sb.create_bot("desk_bot", "Desk")
    sb.send_text(sb.create_user("Erin"), account, "sent while we could not reach Telegram")
    port = free_port()  # nothing listens there yet: Telegram is unreachable
    bot = Bot(account.token, session=LoopbackSession(api=TelegramAPIServer.from_base(
        f"http://127.0.0.1:{port}"
    )))  # fmt: skip
    dispatcher, seen = flaky_dispatcher(failures=0)
    stop = asyncio.Event()
    with caplog.at_level(logging.INFO, logger="botdesk.updates"):
        task = asyncio.create_task(poll(bot, dispatcher, stop))
        try:

            def said(level: str) -> bool:
                return any(r.levelname == level for r in caplog.records)

            await sb.wait_for(lambda: said("WARNING"), timeout=10)
            await sb.start(port=port)  # Telegram is back
            await sb.wait_for(lambda: seen, timeout=30)
            await sb.wait_for(lambda: said("INFO"), timeout=10)
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=10)
            await bot.session.close()
            await sb.stop()
    assert seen == ["sent while we could not reach Telegram"]
    lines = [r for r in caplog.records if r.name == "botdesk.updates"]
    assert [r.levelname for r in lines] == ["WARNING", "INFO"]
    assert "Telegram getUpdates wait" in lines[0].getMessage() and lines[0].exc_info is None
