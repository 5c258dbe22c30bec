"""The readiness checks on their own: the outbox age limit and how Telegram is asked."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import GetMe

from botdesk.readiness import Readiness, TelegramSeen
from core.clock import FrozenClock
from core.enums import DestinationKind
from core.outbox import HELD_UNTIL, enqueue
from sandbox.telegram import BotAccount
from tests.fixtures.telegram_sandbox import DeskWorld

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


class CountGetMe(BaseRequestMiddleware):
    """Counts the getMe calls a bot makes."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, make_request: Any, bot: Bot, method: Any) -> Any:
        if isinstance(method, GetMe):
            self.calls += 1
        return await make_request(bot, method)


def readiness_for(bot: Bot, clock: FrozenClock) -> tuple[Readiness, TelegramSeen]:
    seen = TelegramSeen()
    bot.session.middleware(seen)
    return Readiness(bot=bot, seen=seen, clock=clock, max_outbox_age=300.0), seen


async def add(at: datetime, **extra: Any) -> None:
    await enqueue(
        destination="tg:private:1",
        kind=DestinationKind.TELEGRAM_PRIVATE,
        budget_key="tg:private:1",
        operation="deliver_reply",
        payload={},
        now=at,
        **extra,
    )


async def test_an_item_waiting_longer_than_the_limit_makes_the_desk_unready(
    db: str, desk_bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FrozenClock(T0)
    readiness, _ = readiness_for(desk_bot, clock)
    await add(T0 - timedelta(days=3), not_before=HELD_UNTIL)
    assert (await readiness.check())["outbox"] == "ok"  # held items wait by design

    await add(T0)
    clock.advance(seconds=299)
    assert await readiness.check() == {"database": "ok", "outbox": "ok", "telegram": "ok"}
    clock.advance(seconds=2)
    with caplog.at_level(logging.INFO, logger="botdesk.health"):
        verdict = await readiness.check()
        again = await readiness.check()
    assert verdict["outbox"] == "the oldest unsent item has waited 301 s"
    assert again == verdict
    # an outage is logged when it starts, not at every probe
    assert [r.getMessage() for r in caplog.records] == [
        "not ready: outbox: the oldest unsent item has waited 301 s"
    ]


async def test_telegram_is_asked_only_when_it_has_not_answered_lately(
    db: str,
    desk_bot: Bot,
    desk_world: DeskWorld,
    sandbox_bot_factory: Callable[[BotAccount | str], Bot],
) -> None:
    counted = CountGetMe()
    desk_bot.session.middleware(counted)
    readiness, seen = readiness_for(desk_bot, FrozenClock(T0))
    for _ in range(3):
        assert (await readiness.check())["telegram"] == "ok"
    assert counted.calls == 1  # one probe; its answer keeps Telegram fresh

    seen.last_answer = None
    await desk_bot.get_chat(desk_world.group.id)  # the desk's own calls count
    assert seen.fresh(5.0)
    seen.last_answer = None
    with pytest.raises(TelegramBadRequest):
        await desk_bot.get_chat(-100999)  # "chat not found" is Telegram answering too
    assert seen.fresh(5.0)
    assert (await readiness.check())["telegram"] == "ok"
    assert counted.calls == 1

    impostor = sandbox_bot_factory("123456:" + "x" * 35)  # a token Telegram does not know
    verdict = (await readiness_for(impostor, FrozenClock(T0))[0].check())["telegram"]
    assert verdict.startswith("TelegramUnauthorizedError")
