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


class PlainHttpSession(AiohttpSession):
    """aiogram's session for a plain ``http://`` API base (a local Bot API server, the sandbox).

    aiogram's ``close()`` then sleeps 250 ms so that TLS connections can wind down; over
    plain HTTP there are none, and the pause would only delay every stop and every check.
    """

    async def close(self) -> None:
        """Close the HTTP session at once."""
        if self._session is not None and not self._session.closed:
            await self._session.close()


def build_bot(settings: Settings) -> Bot:
    """The aiogram ``Bot``, pointed at ``TELEGRAM_API_BASE`` when one is configured."""
    settings.require("bot_token", purpose="connecting to Telegram")
    assert settings.bot_token is not None
    session = None
    if settings.telegram_api_base:
        api = TelegramAPIServer.from_base(settings.telegram_api_base)
        plain = settings.telegram_api_base.lower().startswith("http://")
        session = PlainHttpSession(api=api) if plain else AiohttpSession(api=api)
    bot = Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    bot.session.middleware(RetryAfterMiddleware())
    bot.session.middleware(ExpiredPressAnswers())
    return bot
