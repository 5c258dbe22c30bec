"""Receiving Telegram updates: acknowledged only after they are handled or set aside.

aiogram's own polling confirms an update (sends the next offset) while handlers may
still run, and its webhook handler may answer before the handler finished. botdesk
needs the opposite: a customer's message is acknowledged only once it is committed, so
that a crash means redelivery (which core dedupes), never loss. And no single update
may stop the desk: each one goes through :func:`core.intake.containment.contain`.

* Polling: updates of one batch are handled in order; the offset that confirms them is
  sent only with the next getUpdates, after each of them was handled or set aside as a
  dead letter. An outage (database, Redis, Telegram unreachable) is waited out without
  confirming anything. Consecutive updates that a :class:`Bulk` handler accepts (plain
  customer messages) are stored together in one transaction, which is much cheaper
  under load; if such a run fails, its updates are handled one by one, so one bad
  message does not sink its neighbours.
* Updates are fetched as raw JSON and read one by one: an update aiogram cannot read
  is set aside like any other poison update instead of failing the whole batch.
* Webhook: the HTTP answer is 200 once the update was handled or set aside, 500 during
  an outage (so Telegram delivers it again).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, ClassVar, Protocol

from aiogram import Bot, Dispatcher
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramConflictError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiohttp import web

from core.enums import Channel
from core.intake.containment import RetryPolicy, contain
from core.intake.dead_letters import Letter
from core.metrics import UPDATES_RECEIVED
from core.outages import OutageLog, describe, is_outage
from core.stopping import sleep_or_stop, unless_stopped

log = logging.getLogger(__name__)

POLL_TIMEOUT = 25  # seconds of long polling per getUpdates
MAX_BACKOFF = 30.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: aiogram's errors that mean "Telegram is unreachable", not "this update is bad"
TELEGRAM_OUTAGES: tuple[type[BaseException], ...] = (
    TelegramNetworkError,
    TelegramServerError,
    TelegramRetryAfter,
)
#: a failure to read an update happens the same way every time: no retries
Item = tuple[dict[str, Any], "Update | None"]  # a raw update and what aiogram read in it


class Bulk(Protocol):
    """Handles a run of similar updates at once (e.g. plain customer messages)."""

    def accepts(self, update: Update) -> bool:
        """True if this update may be handled together with its neighbours."""
        ...

    async def handle(self, updates: Sequence[Update]) -> None:
        """Handle every update of the run, or raise (then none counts as handled)."""
        ...


class RawUpdates(GetUpdates):
    """``getUpdates`` answered with plain dicts, so each update is read on its own."""

    __returning__: ClassVar[Any] = list[dict[str, Any]]


def letter_of(raw: dict[str, Any]) -> Letter:
    """The dead letter a Telegram update would become."""
    return Letter(Channel.TELEGRAM, str(raw.get("update_id", "?"))[:64], raw)


async def feed_raw(bot: Bot, dispatcher: Dispatcher, raw: dict[str, Any]) -> None:
    """Read one raw update and hand it to the dispatcher (live, webhook and replay alike)."""
    await dispatcher.feed_update(bot, Update.model_validate(raw, context={"bot": bot}))


class Intake:
    """Handles the updates of one getUpdates batch, in order, each one contained."""

    def __init__(
        self,
        bot: Bot,
        dispatcher: Dispatcher,
        stop: asyncio.Event,
        bulk: Bulk | None,
        policy: RetryPolicy | None,
    ) -> None:
        self.bot, self.dispatcher, self.stop = bot, dispatcher, stop
        self.bulk, self.policy = bulk, policy
        self.outage = OutageLog("Telegram updates", log)

    async def one(self, raw: dict[str, Any]) -> bool:
        """Handle or set aside one update; False if stopped first."""
        outcome = await contain(
            partial(feed_raw, self.bot, self.dispatcher, raw),
            letter_of(raw),
            self.stop,
            outage=self.outage,
            policy=self.policy,
            also=TELEGRAM_OUTAGES,
        )
        return outcome is not None

    async def together(self, run: list[tuple[dict[str, Any], Update]]) -> bool:
        """Handle a run of bulk-accepted updates at once, or one by one if that fails."""
        assert self.bulk is not None
        delay = self.policy.first_delay if self.policy else RetryPolicy().first_delay
        while not self.stop.is_set():
            try:
                await self.bulk.handle([update for _, update in run])
            except Exception as error:
                if not is_outage(error, TELEGRAM_OUTAGES):
                    log.warning(
                        "%d customer messages failed together (%s); handling them one by one",
                        len(run),
                        describe(error),
                    )
                    return all([await self.one(raw) for raw, _ in run])
                self.outage.failed(error)
                await sleep_or_stop(delay, self.stop)
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            self.outage.recovered()
            return True
        return False

    def runs(self, batch: list[dict[str, Any]]) -> list[tuple[bool, list[Item]]]:
        """Split a batch, in order, into runs of bulk-accepted updates and single others."""
        runs: list[tuple[bool, list[Item]]] = []
        for raw in batch:
            try:
                update: Update | None = Update.model_validate(raw, context={"bot": self.bot})
            except ValueError:
                update = None  # set aside by :meth:`one`, which reads it again and fails
            together = update is not None and _accepts(self.bulk, update)
            if together and runs and runs[-1][0]:
                runs[-1][1].append((raw, update))
            else:
                runs.append((together, [(raw, update)]))
        return runs

    async def handle(self, batch: list[dict[str, Any]]) -> int | None:
        """Handle a batch; the offset that confirms what was done (None: nothing was)."""
        offset: int | None = None
        for together, run in self.runs(batch):
            if together:
                done = await self.together([(raw, update) for raw, update in run if update])
            else:
                done = await self.one(run[0][0])
            if not done:
                break  # stopped: this run and the rest stay unconfirmed
            offset = _next_offset(run[-1][0], offset)
        return offset


def _accepts(bulk: Bulk | None, update: Update) -> bool:
    """Whether ``bulk`` takes ``update``; an update too odd to tell goes on its own."""
    if bulk is None:
        return False
    try:
        return bulk.accepts(update)
    except Exception:
        return False


def _next_offset(raw: dict[str, Any], offset: int | None) -> int | None:
    update_id = raw.get("update_id")
    if isinstance(update_id, int) and not isinstance(update_id, bool):
        return max(update_id + 1, offset or 0)
    return offset  # an update without an id cannot be confirmed by itself


async def poll(
    bot: Bot,
    dispatcher: Dispatcher,
    stop: asyncio.Event,
    bulk: Bulk | None = None,
    policy: RetryPolicy | None = None,
    leading: Callable[[], bool] | None = None,
) -> None:
    """Long-poll until ``stop`` is set, acknowledging each update only after handling it.

    ``leading`` (several processes) is asked before each fetch and before handling what
    came: a process that lost the polling lease meanwhile handles nothing more, and the
    updates it fetched are fetched again by the new leader (nothing was confirmed).
    """
    offset: int | None = None
    allowed = dispatcher.resolve_used_update_types()
    intake = Intake(bot, dispatcher, stop, bulk, policy)
    reachable = OutageLog("Telegram getUpdates", log)
    delay = 1.0
    while not stop.is_set() and (leading is None or leading()):
        fetch = bot(RawUpdates(offset=offset, timeout=POLL_TIMEOUT, allowed_updates=allowed))
        try:
            batch = await unless_stopped(fetch, stop)
        except TelegramRetryAfter as exc:
            await sleep_or_stop(exc.retry_after, stop)
            continue
        except TelegramConflictError as exc:
            # another process polls: a leader that lost its lease (a pause) stops here;
            # otherwise a webhook or a stray poller of the same bot is in the way
            if leading is not None and not leading():
                return
            reachable.failed(exc)
            await sleep_or_stop(delay, stop)
            delay = min(delay * 2, MAX_BACKOFF)
            continue
        except (TelegramNetworkError, TelegramServerError, ClientDecodeError, TimeoutError) as exc:
            # ClientDecodeError: the answer was no JSON list (a proxy's error page, say)
            reachable.failed(exc)
            await sleep_or_stop(delay, stop)
            delay = min(delay * 2, MAX_BACKOFF)
            continue
        if batch is None or (leading is not None and not leading()):
            return  # stopped while waiting, or no longer the one to poll
        reachable.recovered()
        delay = 1.0
        UPDATES_RECEIVED.labels(channel=Channel.TELEGRAM.value).inc(len(batch))
        offset = await intake.handle(batch) or offset


def webhook_app(
    bot: Bot,
    dispatcher: Dispatcher,
    path: str,
    secret: str | None,
    policy: RetryPolicy | None = None,
) -> web.Application:
    """An aiohttp app answering Telegram's webhook calls after the update is handled.

    200 once the update was handled or set aside as a dead letter (Telegram must not
    send a poison update again); 500 during an outage, so Telegram delivers it later.
    """
    outage = OutageLog("Telegram webhook updates", log)
    never = asyncio.Event()  # a request is never cut short: Telegram waits for the answer

    async def receive(request: web.Request) -> web.Response:
        if secret is not None and not hmac.compare_digest(
            request.headers.get(SECRET_HEADER, ""), secret
        ):
            return web.Response(status=401, text="wrong secret token")
        try:
            raw = await request.json()
        except ValueError:
            return web.Response(status=400, text="not JSON")
        if not isinstance(raw, dict):
            return web.Response(status=400, text="not an update")
        UPDATES_RECEIVED.labels(channel=Channel.TELEGRAM.value).inc()
        work = partial(feed_raw, bot, dispatcher, raw)
        try:
            await contain(
                work,
                letter_of(raw),
                never,
                outage=outage,
                policy=policy,
                also=TELEGRAM_OUTAGES,
                patient=False,
            )
        except Exception as error:
            outage.failed(error)
            return web.Response(status=500, text="not handled")
        return web.json_response({})

    app = web.Application()
    app.router.add_post(path, receive)
    return app
