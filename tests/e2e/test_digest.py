"""The managers' digest end to end: it fires at DIGEST_TIME into the Reports topic, once.

The desk runs on a clock shifted to Sunday 2026-03-01 23:59:35 (UTC) with DIGEST_TIME
00:00: a customer writes and an operator answers on Sunday, then at midnight the daily
digest of Sunday and, Monday being the first day of a week, the weekly digest of the ISO
week 2026-W09 arrive in the "📊 Reports" topic as photos with their text. A restart after
midnight sends neither again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from core.config import Settings
from sandbox.telegram import MessageView
from tests.e2e.conftest import FAST_RATES, opened, welcomed
from tests.e2e.sla_helpers import reports_lines
from tests.fixtures.desk import DeskRunner, ShiftedClock
from tests.fixtures.telegram_sandbox import DeskWorld

SUNDAY_NIGHT = datetime(2026, 3, 1, 23, 59, 35, tzinfo=UTC)
AFTER_MIDNIGHT = datetime(2026, 3, 2, 0, 1, tzinfo=UTC)


def photos(world: DeskWorld) -> list[MessageView]:
    """The photos the Reports topic shows."""
    return [m for m in reports_lines(world) if m.type == "photo"]


async def test_the_digests_fire_at_digest_time_once_and_not_again_after_a_restart(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> None:
    world, sb = desk_world, desk_world.sandbox
    settings = desk_settings(sb, world.bot, world.group, digest_time="00:00", **FAST_RATES)
    async with run_desk(settings, clock=ShiftedClock(SUNDAY_NIGHT)):
        await welcomed(world)
        topic = await opened(world, "Where is my parcel?")
        sb.send_text(world.operator, world.group, "Let me check", topic=topic)
        assert photos(world) == [], "a digest came before its time"
        await sb.wait_for(lambda: len(photos(world)) == 2, timeout=60)
        daily, weekly = photos(world)
        assert daily.caption is not None and weekly.caption is not None
        assert daily.caption.startswith("📊 Daily digest · Sunday, March 1, 2026"), daily.caption
        assert "New tickets: 1" in daily.caption
        assert "Change against the day before · against the 7-day average" in daily.caption
        assert weekly.caption.startswith("📊 Weekly digest · Feb 23"), weekly.caption
        assert daily.files and daily.files[0].kind == "photo"
        # the text fits the caption: nothing else is posted, and nothing twice
        await asyncio.sleep(2)
        assert len(reports_lines(world)) == 2

    async with run_desk(settings, clock=ShiftedClock(AFTER_MIDNIGHT)):
        # proof the restarted desk works: the customer's next message reaches the topic
        sb.send_text(world.customer, world.bot, "Any news?")
        await sb.wait_for(
            lambda: any(m.body == "Any news?" for m in sb.messages(world.group, topic=topic)),
            timeout=20,
        )
        await asyncio.sleep(3)  # a re-sent digest would go at the scheduler's first tick
        assert len(photos(world)) == 2
        assert len(reports_lines(world)) == 2
