"""Receiving Telegram updates so that an update is acknowledged only after it is handled.

aiogram's own polling confirms an update (sends the next offset) while handlers may
still run, and its webhook handler may answer before the handler finished. botdesk
needs the opposite: a customer's message is acknowledged only once it is committed, so
that a crash means redelivery (which core dedupes), never loss.

* Polling: updates of one batch are handled in order; the offset that confirms them is
  sent only with the next getUpdates, after each of them was handled. A failing update
  is retried with backoff and blocks the ones after it: nothing is skipped. Consecutive
  updates that a :class:`Bulk` handler accepts (plain customer messages) are stored
  together in one transaction, which is much cheaper under load.
* Webhook: the HTTP answer is 200 only after the update was handled, 500 otherwise (so
  Telegram redelivers it).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Protocol

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import Update
from aiohttp import web

from core.stopping import sleep_or_stop, unless_stopped

log = logging.getLogger(__name__)

POLL_TIMEOUT = 25  # seconds of long polling per getUpdates
MAX_BACKOFF = 30.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class Bulk(Protocol):
    """Handles a run of similar updates at once (e.g. plain customer messages)."""

    def accepts(self, update: Update) -> bool:
        """True if this update may be handled together with its neighbours."""
        ...

    async def handle(self, updates: Sequence[Update]) -> None:
        """Handle every update of the run, or raise (then none counts as handled)."""
        ...


async def until_done(work: Callable[[], Awaitable[object]], what: str, stop: asyncio.Event) -> bool:
    """Run ``work`` until it succeeds; False if stopped before that."""
    delay = 0.5
    while not stop.is_set():
        try:
            await work()
            return True
        except Exception:
            # Not acknowledged: retry rather than skip, so the message is never lost.
            log.exception("%s failed; retrying in %.1fs", what, delay)
            await sleep_or_stop(delay, stop)
            delay = min(delay * 2, MAX_BACKOFF)
    return False


def _runs(updates: Sequence[Update], bulk: Bulk | None) -> list[tuple[bool, list[Update]]]:
    """Split a batch, in order, into runs of bulk-accepted updates and single others."""
    runs: list[tuple[bool, list[Update]]] = []
    for update in updates:
        together = bulk is not None and bulk.accepts(update)
        if together and runs and runs[-1][0]:
            runs[-1][1].append(update)
        else:
            runs.append((together, [update]))
    return runs


async def poll(
    bot: Bot, dispatcher: Dispatcher, stop: asyncio.Event, bulk: Bulk | None = None
) -> None:
    """Long-poll until ``stop`` is set, acknowledging each update only after handling it."""
    offset: int | None = None
    allowed = dispatcher.resolve_used_update_types()
    delay = 1.0
    while not stop.is_set():
        fetch = bot.get_updates(offset=offset, timeout=POLL_TIMEOUT, allowed_updates=allowed)
        try:
            updates = await unless_stopped(fetch, stop)
        except TelegramRetryAfter as exc:
            await sleep_or_stop(exc.retry_after, stop)
            continue
        except (TelegramNetworkError, TelegramServerError, TimeoutError) as exc:
            log.warning("getUpdates failed (%s); retrying in %.0fs", exc, delay)
            await sleep_or_stop(delay, stop)
            delay = min(delay * 2, MAX_BACKOFF)
            continue
        if updates is None:
            return  # stopped while waiting
        delay = 1.0
        for together, run in _runs(updates, bulk):
            if together and bulk is not None:
                work = partial(bulk.handle, run)
            else:
                work = partial(dispatcher.feed_update, bot, run[0])
            if not await until_done(work, f"updates {run[0].update_id}…{run[-1].update_id}", stop):
                return  # stopped: this run and the rest stay unconfirmed
            offset = run[-1].update_id + 1


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
