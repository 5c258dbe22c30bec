"""The desk runs the scheduler: what fell due while it was down fires at start, and a
deadline stored while it runs fires when a use case wakes the desk."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

import pytest
from tortoise.backends.base.client import BaseDBAsyncClient

import botdesk.app
from botdesk.app import Desk, run_app
from core.config import Settings
from core.context import DeskContext
from core.db import close_db, init_db
from core.models import Deadline
from core.ports import Ports
from core.timers.scheduler import Handler
from tests.core.timers.scheduler_support import put, soon, until
from tests.e2e.conftest import welcomed
from tests.fixtures.telegram_sandbox import DeskWorld


async def test_the_desk_fires_missed_deadlines_at_start_and_new_ones_when_woken(
    desk_world: DeskWorld,
    desk_settings: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fired: list[str] = []

    async def note(connection: BaseDBAsyncClient, row: Deadline, now: datetime) -> None:
        fired.append(row.key)

    def handlers(ports: Ports, ctx: DeskContext) -> dict[str, Handler]:
        return {"note": note}

    monkeypatch.setattr(botdesk.app, "deadline_handlers", handlers)
    sb = desk_world.sandbox
    settings = desk_settings(sb, desk_world.bot, desk_world.group)
    await init_db(settings.database_url)  # the desk was down when this fell due
    await put("missed", soon(-600))
    await close_db()

    built: list[Desk] = []
    stop = asyncio.Event()
    app = asyncio.create_task(run_app(settings, stop, on_built=built.append))
    try:
        await until(lambda: fired == ["missed"], within=15.0)
        [desk] = built
        await welcomed(desk_world)  # started up: the wakes of its first commits are over
        await asyncio.sleep(0.3)
        await put("new", soon(-0.01))  # stored by a use case, which then wakes the desk
        await asyncio.sleep(0.3)
        assert fired == ["missed"]  # the scheduler sleeps for minutes unless woken
        desk.ctx.wake()
        await until(lambda: fired == ["missed", "new"], within=2.0)
    finally:
        stop.set()
        await asyncio.wait_for(app, timeout=15)
    assert fired == ["missed", "new"]
