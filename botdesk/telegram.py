"""The desk's Telegram client, built one way for ``botdesk run`` and ``botdesk check``.

It sits below both the wiring (``botdesk.app``) and the start-up checks
(``botdesk.checks``), so the checks exercise the very client the desk will run with,
without importing the wiring that runs them.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode

from botdesk.retry import ExpiredPressAnswers, RetryAfterMiddleware
from core.config import Settings


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
    bot.session.middleware(ExpiredPressAnswers())
    return bot
