"""Webhook mode: pushes with the secret header, redelivery in order, webhook info."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiogram import Bot
from aiohttp import web

from tests.fixtures.telegram_sandbox import DeskWorld


@dataclass
class Receiver:
    """A tiny webhook endpoint that fails the first ``fail`` requests."""

    fail: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    secrets: list[str | None] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.secrets.append(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        body = await request.json()
        if self.fail > 0:
            self.fail -= 1
            self.statuses.append(500)
            return web.Response(status=500)
        self.received.append(body)
        self.statuses.append(200)
        return web.Response(text="ok")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/hook", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    rec.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield rec
    await runner.cleanup()


async def test_updates_are_pushed_with_the_secret(
    desk_world: DeskWorld, desk_bot: Bot, receiver: Receiver
) -> None:
    assert await desk_bot.set_webhook(receiver.url, secret_token="s3cr3t_token")
    sb = desk_world.sandbox
    sb.send_text(desk_world.customer, desk_world.bot, "hello hook")
    await sb.wait_for(lambda: receiver.received, timeout=3)
    assert receiver.received[0]["message"]["text"] == "hello hook"
    assert receiver.secrets == ["s3cr3t_token"]
    info = await desk_bot.get_webhook_info()
    assert info.url == receiver.url and info.pending_update_count == 0


async def test_non_2xx_is_redelivered_in_order(
    desk_world: DeskWorld, desk_bot: Bot, receiver: Receiver
) -> None:
    receiver.fail = 2
    await desk_bot.set_webhook(receiver.url, secret_token="abc")
    sb = desk_world.sandbox
    for text in ("first", "second", "third"):
        sb.send_text(desk_world.customer, desk_world.bot, text)
    await sb.wait_for(lambda: len(receiver.received) == 3, timeout=5)
    assert [u["message"]["text"] for u in receiver.received] == ["first", "second", "third"]
    assert receiver.statuses[:3] == [500, 500, 200]
    ids = [u["update_id"] for u in receiver.received]
    assert ids == sorted(ids)
    info = await desk_bot.get_webhook_info()
    assert info.last_error_date is not None
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    assert set(receiver.secrets) == {"abc"}


async def test_unreachable_webhook_keeps_updates_pending(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    await desk_bot.set_webhook("http://127.0.0.1:9/nowhere")
    sb = desk_world.sandbox
    sb.send_text(desk_world.customer, desk_world.bot, "lost?")
    await sb.wait_for(lambda: desk_world.bot.webhook and desk_world.bot.webhook.last_error_message)
    info = await desk_bot.get_webhook_info()
    assert info.pending_update_count == 1 and info.last_error_message == "Connection refused"
    assert await desk_bot.delete_webhook()
    updates = await desk_bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message] == ["lost?"]


async def test_drop_pending_updates(
    desk_world: DeskWorld, desk_bot: Bot, receiver: Receiver
) -> None:
    sb = desk_world.sandbox
    sb.send_text(desk_world.customer, desk_world.bot, "old news")
    await desk_bot.set_webhook(receiver.url, drop_pending_updates=True)
    sb.send_text(desk_world.customer, desk_world.bot, "fresh")
    await sb.wait_for(lambda: receiver.received, timeout=3)
    assert [u["message"]["text"] for u in receiver.received] == ["fresh"]
    await desk_bot.delete_webhook()
    sb.send_text(desk_world.customer, desk_world.bot, "polled")
    await desk_bot.delete_webhook(drop_pending_updates=True)
    assert await desk_bot.get_updates(timeout=0) == []
