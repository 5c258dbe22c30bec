"""Receiving Telegram updates so that an update is acknowledged only after it is handled.

aiogram's own polling confirms an update (sends the next offset) while handlers may
still run, and its webhook handler may answer before the handler finished. botdesk
needs the opposite: a customer's message is acknowledged only once it is committed, so
that a crash means redelivery (which core dedupes), never loss.

* Polling: updates of one batch are handled in order; the offset that confirms them is
  sent only with the next getUpdates, after each of them was handled. A failing update
  is retried with backoff and blocks the ones after it: nothing is skipped.
* Webhook: the HTTP answer is 200 only after the update was handled, 500 otherwise (so
  Telegram redelivers it).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from contextlib import suppress

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import Update
from aiohttp import web

log = logging.getLogger(__name__)

POLL_TIMEOUT = 25  # seconds of long polling per getUpdates
MAX_BACKOFF = 30.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def _sleep_or_stop(seconds: float, stop: asyncio.Event) -> None:
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def handle_until_done(
    dispatcher: Dispatcher, bot: Bot, update: Update, stop: asyncio.Event
) -> bool:
    """Feed one update until its handlers succeed; False if stopped before that."""
    delay = 0.5
    while not stop.is_set():
        try:
            await dispatcher.feed_update(bot, update)
            return True
        except Exception:
            # Not acknowledged: retry rather than skip, so the message is never lost.
            log.exception("update %s failed; retrying in %.1fs", update.update_id, delay)
            await _sleep_or_stop(delay, stop)
            delay = min(delay * 2, MAX_BACKOFF)
    return False


async def poll(bot: Bot, dispatcher: Dispatcher, stop: asyncio.Event) -> None:
    """Long-poll until ``stop`` is set, acknowledging each update only after handling it."""
    offset: int | None = None
    allowed = dispatcher.resolve_used_update_types()
    delay = 1.0
    while not stop.is_set():
        fetch = asyncio.ensure_future(
            bot.get_updates(offset=offset, timeout=POLL_TIMEOUT, allowed_updates=allowed)
        )
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not fetch.done():
            fetch.cancel()
            with suppress(asyncio.CancelledError):
                await fetch
            return
        try:
            updates = fetch.result()
        except TelegramRetryAfter as exc:
            await _sleep_or_stop(exc.retry_after, stop)
            continue
        except (TelegramNetworkError, TelegramServerError, TimeoutError) as exc:
            log.warning("getUpdates failed (%s); retrying in %.0fs", exc, delay)
            await _sleep_or_stop(delay, stop)
            delay = min(delay * 2, MAX_BACKOFF)
            continue
        delay = 1.0
        for update in updates:
            if not await handle_until_done(dispatcher, bot, update, stop):
                return  # stopped: this update and the rest stay unconfirmed
            offset = update.update_id + 1


def webhook_app(bot: Bot, dispatcher: Dispatcher, path: str, secret: str | None) -> web.Application:
    """An aiohttp app answering Telegram's webhook calls after the update is handled."""

    async def receive(request: web.Request) -> web.Response:
        if secret is not None and not hmac.compare_digest(
            request.headers.get(SECRET_HEADER, ""), secret
        ):
            return web.Response(status=401, text="wrong secret token")
        update = Update.model_validate(await request.json(), context={"bot": bot})
        try:
            await dispatcher.feed_update(bot, update)
        except Exception:
            log.exception("update %s failed; Telegram will redeliver it", update.update_id)
            return web.Response(status=500, text="not handled")
        return web.json_response({})

    app = web.Application()
    app.router.add_post(path, receive)
    return app
