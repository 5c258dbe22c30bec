"""A 429 answered to a handler's own call is waited out and retried; one answered to an
outbox send is the outbox's to handle (it pauses the chat in every process's budgets)."""

from __future__ import annotations

import time

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter

from botdesk.retry import RetryAfterMiddleware
from core.outbox.attempt import Attempt
from sandbox.telegram import Limits
from sandbox.telegram.limits import Rate
from tests.fixtures.telegram_sandbox import DeskWorld


def one_per(seconds: float) -> Limits:
    """One message per ``seconds`` in a group: the second right after the first is refused
    (``retry_after`` is the whole seconds until the first leaves the window)."""
    return Limits(private_chat=None, group_chat=Rate(1, seconds), per_bot=None)


async def test_a_handlers_call_is_retried_after_the_wait(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    desk_world.sandbox.limits = one_per(2.0)
    desk_bot.session.middleware(RetryAfterMiddleware())
    await desk_bot.send_message(desk_world.group.id, "first")
    started = time.monotonic()
    await desk_bot.send_message(desk_world.group.id, "second")  # refused, waited, sent
    assert time.monotonic() - started >= 1.0
    texts = [m.text for m in desk_world.sandbox.messages(desk_world.group, general=True)]
    assert texts[-2:] == ["first", "second"]


async def test_an_outbox_send_gets_the_429_to_pause_its_budgets(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    desk_world.sandbox.limits = one_per(60.0)
    desk_bot.session.middleware(RetryAfterMiddleware())
    await desk_bot.send_message(desk_world.group.id, "first")
    with Attempt(), pytest.raises(TelegramRetryAfter):
        await desk_bot.send_message(desk_world.group.id, "second")
    texts = [m.text for m in desk_world.sandbox.messages(desk_world.group, general=True)]
    assert texts[-1] == "first"
