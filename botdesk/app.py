"""Wiring: build the bot, the dispatcher and the database, then run them.

This is the composition root: the only place that knows every adapter. It reads
:class:`core.config.Settings` and nothing else from the outside world.
"""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage
from aiohttp import web

from botdesk.retry import RetryAfterMiddleware
from botdesk.updates import poll, webhook_app
from bots.telegram.customer import build_customer_router
from core import db
from core.config import Settings

log = logging.getLogger("botdesk")

WEBHOOK_PATH = "/telegram/webhook"


def build_bot(settings: Settings) -> Bot:
    """The aiogram ``Bot``, pointed at ``TELEGRAM_API_BASE`` when one is configured."""
    settings.require("bot_token", purpose="connecting to Telegram")
    assert settings.bot_token is not None
    session = None
    if settings.telegram_api_base:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    bot = Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    bot.session.middleware(RetryAfterMiddleware())
    return bot


def build_storage(settings: Settings) -> BaseStorage:
    """FSM storage: Redis when configured (shared by every instance), memory otherwise."""
    if settings.redis_url:
        return RedisStorage.from_url(settings.redis_url)
    return MemoryStorage()


def build_dispatcher(settings: Settings) -> Dispatcher:
    """The dispatcher with every feature router attached."""
    dispatcher = Dispatcher(storage=build_storage(settings))
    dispatcher.include_router(build_customer_router(settings))
    return dispatcher


async def run_app(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run botdesk until ``stop`` is set (or forever): database, then polling or webhook."""
    settings.require("bot_token", "operator_group_id", purpose="botdesk run")
    await db.init_db(settings.database_url)
    bot = build_bot(settings)
    dispatcher = build_dispatcher(settings)
    stop = stop or asyncio.Event()
    try:
        if settings.webhook_url:
            await _serve_webhook(settings, bot, dispatcher, stop)
        else:
            await bot.delete_webhook(drop_pending_updates=False)
            await poll(bot, dispatcher, stop)
    finally:
        await dispatcher.storage.close()
        await bot.session.close()
        await db.close_db()


async def _serve_webhook(
    settings: Settings, bot: Bot, dispatcher: Dispatcher, stop: asyncio.Event
) -> None:
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    runner = web.AppRunner(webhook_app(bot, dispatcher, WEBHOOK_PATH, secret))
    await runner.setup()
    await web.TCPSite(runner, settings.web_host, settings.web_port).start()
    assert settings.webhook_url is not None
    await bot.set_webhook(settings.webhook_url + WEBHOOK_PATH, secret_token=secret)
    log.info("Webhook server on %s:%s", settings.web_host, settings.web_port)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
