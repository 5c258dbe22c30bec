"""Honour Telegram's ``retry_after`` for requests made directly from handlers.

Bulk traffic (mirrored messages, replies, card edits) goes through the outbox, which
schedules around flood limits itself. A few calls are made straight from a handler
(a greeting, a callback answer); when Telegram answers 429 to one of those, waiting
the time it names and trying again is exactly what it asks for. A call of an outbox
attempt is left to the outbox: it pauses the chat in every process's budgets and
queues the item again, instead of retrying here behind the budgets' back.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, cast

from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery

from core.outbox.attempt import current_attempt

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.client.session.middlewares.base import NextRequestMiddlewareType
    from aiogram.methods import TelegramMethod
    from aiogram.methods.base import Response

log = logging.getLogger(__name__)


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Retry a request after the ``retry_after`` Telegram names, a bounded number of times."""

    def __init__(self, attempts: int = 3, max_wait: float = 60.0) -> None:
        self.attempts = attempts
        self.max_wait = max_wait

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        if current_attempt() is not None:
            return await make_request(bot, method)
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.attempts or exc.retry_after > self.max_wait:
                    raise
                log.info("%s: flood limit, retrying in %ss", type(method).__name__, exc.retry_after)
                await asyncio.sleep(exc.retry_after)
        raise AssertionError("unreachable: the loop returns or raises")


#: what Telegram says to an answer for a button press it no longer waits on
QUERY_TOO_OLD = "query is too old"


class ExpiredPressAnswers(BaseRequestMiddleware):
    """An answer to a button press Telegram has given up on is dropped, not retried.

    Telegram waits about 15 s for ``answerCallbackQuery``; a press handled later (a desk
    catching up after a restart) can never be answered. What the press changed stands,
    so failing the whole update — and retrying it into the dead letters — helps nobody.
    """

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as exc:
            if not isinstance(method, AnswerCallbackQuery) or QUERY_TOO_OLD not in exc.message:
                raise
            log.info("press %s answered too late; the answer is dropped", method.callback_query_id)
            # the chain hands handlers the method's result: answerCallbackQuery's is True
            return cast("Response[Any]", True)
