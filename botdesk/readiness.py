"""Whether the desk can do its work right now: the checks behind ``/readyz``.

Ready means: the database answers, Redis answers (when ``REDIS_URL`` is set), Telegram
answers, and the outbox is not falling behind (its oldest waiting item is younger than
``READY_OUTBOX_MAX_AGE``). Each check has a short timeout, so a probe never hangs on a
dead connection, and nothing is cached that could keep the answer wrong once the cause is
gone: a database that comes back makes the next probe pass.

Telegram is not asked at every probe. Every Bot API call of the desk goes through
:class:`TelegramSeen`, which notes when Telegram last answered; in long polling that is
at least every ``getUpdates``. Only when that is too long ago (a quiet webhook desk, or an
outage) does a probe call ``getMe``, and at most once per :data:`TELEGRAM_PROBE_EVERY`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramServerError,
    TelegramUnauthorizedError,
)

from core.clock import Clock
from core.outbox.backlog import Backlog, oldest_age, publish, read_backlog

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.client.session.middlewares.base import NextRequestMiddlewareType
    from aiogram.methods import TelegramMethod
    from aiogram.methods.base import Response
    from redis.asyncio import Redis

    from core.enums import DestinationKind

__all__ = ["CHECK_TIMEOUT", "Readiness", "TelegramSeen"]

log = logging.getLogger("botdesk.health")

CHECK_TIMEOUT = 3.0  # seconds one check may take before it counts as failed
TELEGRAM_FRESH = 60.0  # an answer from Telegram this recent needs no probe
TELEGRAM_PROBE_EVERY = 15.0  # the least time between two getMe probes

OK = "ok"
T = TypeVar("T")


class TelegramSeen(BaseRequestMiddleware):
    """Remembers when the Bot API last answered a call of this bot.

    Any answer counts, an error included ("message not found" is still Telegram
    answering), except a network failure, a server error (5xx) or a rejected token.
    """

    def __init__(self) -> None:
        self.last_answer: float | None = None  # time.monotonic() of the last answer

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        try:
            response = await make_request(bot, method)
        except (TelegramNetworkError, TelegramServerError, TelegramUnauthorizedError):
            raise
        except TelegramAPIError:
            self.last_answer = time.monotonic()
            raise
        self.last_answer = time.monotonic()
        return response

    def fresh(self, within: float) -> bool:
        """Whether Telegram answered in the last ``within`` seconds."""
        return self.last_answer is not None and time.monotonic() - self.last_answer < within


class Readiness:
    """Runs the readiness checks; :meth:`check` returns each check's verdict."""

    def __init__(
        self,
        *,
        bot: Bot,
        seen: TelegramSeen,
        clock: Clock,
        max_outbox_age: float,
        redis: Redis | None = None,
    ) -> None:
        self._bot = bot
        self._seen = seen
        self._clock = clock
        self._max_outbox_age = max_outbox_age
        self._redis = redis
        self._probed_at: float | None = None  # monotonic time of the last getMe probe
        self._probe_failure: str | None = None  # what that probe found wrong
        self._was_ready = True

    async def check(self) -> dict[str, str]:
        """Every check's verdict: ``"ok"`` or a short reason; logs when readiness changes."""
        probes: list[Awaitable[tuple[Any, str]]] = [
            _attempt(self.backlog()),
            _attempt(self._telegram()),
        ]
        if self._redis is not None:
            probes.append(_attempt(self._redis_ping()))
        answers = await asyncio.gather(*probes)
        # the backlog is read from the database: one trivial aggregate answers both
        # whether the database is there and whether the outbox keeps up
        backlogs, database = answers[0]
        result = {
            "database": database,
            "outbox": "not checked" if backlogs is None else self._outbox(backlogs),
            "telegram": answers[1][1],
        }
        if self._redis is not None:
            result["redis"] = answers[2][1]
        self._note(result)
        return result

    async def backlog(self) -> dict[DestinationKind, Backlog]:
        """Read the outbox backlog and publish it in the metrics."""
        backlogs = await read_backlog()
        publish(backlogs, self._clock.now())
        return backlogs

    async def close(self) -> None:
        """Close the Redis client of the checks."""
        if self._redis is not None:
            await self._redis.aclose()

    async def _redis_ping(self) -> None:
        assert self._redis is not None
        await self._redis.ping()  # type: ignore[misc]  # redis-py types it sync or async

    def _outbox(self, backlogs: dict[DestinationKind, Backlog]) -> str:
        age = oldest_age(backlogs, self._clock.now())
        if age > self._max_outbox_age:
            return f"the oldest unsent item has waited {age:.0f} s"
        return OK

    async def _telegram(self) -> None:
        if self._seen.fresh(TELEGRAM_FRESH):
            return
        now = time.monotonic()
        if self._probed_at is None or now - self._probed_at >= TELEGRAM_PROBE_EVERY:
            self._probed_at = now  # don't hammer Telegram: one getMe per interval
            try:
                await self._bot.get_me(request_timeout=int(CHECK_TIMEOUT))
            except TelegramAPIError as exc:
                self._probe_failure = _reason(exc)
            else:
                self._probe_failure = None
        if self._probe_failure is not None:
            raise _Failed(self._probe_failure)

    def _note(self, result: dict[str, str]) -> None:
        failed = {name: verdict for name, verdict in result.items() if verdict != OK}
        ready = not failed
        if ready != self._was_ready:
            if ready:
                log.info("ready again")
            else:
                log.warning("not ready: %s", "; ".join(f"{k}: {v}" for k, v in failed.items()))
        self._was_ready = ready


class _Failed(Exception):
    """A check failed for the reason given (already phrased)."""


async def _attempt(work: Awaitable[T]) -> tuple[T | None, str]:
    """Run one check with :data:`CHECK_TIMEOUT`: its result and ``"ok"``, or None and why."""
    try:
        return await asyncio.wait_for(work, CHECK_TIMEOUT), OK
    except TimeoutError:
        return None, f"no answer within {CHECK_TIMEOUT:.0f} s"
    except Exception as exc:
        log.debug("a readiness check failed", exc_info=True)
        return None, _reason(exc)


def _reason(exc: BaseException) -> str:
    """A one-line reason for a failed check (no traceback: the probe body stays small)."""
    text = " ".join(str(exc).split())[:200]
    if isinstance(exc, _Failed):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
