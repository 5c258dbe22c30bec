"""The digest's schedule: periods and due times, arming at start, queued exactly once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from core.clock import FrozenClock
from core.context import DeskContext
from core.digest_settings import DigestSchedule, parse_digest_time
from core.models import Deadline, OutboxItem
from core.notices.digests import POST_DIGEST, arm_digests, digest_handlers, queue_digest
from core.reports.digest_periods import (
    DigestKind,
    digest_key,
    due_at,
    latest_due,
    period_of,
    stale,
)
from core.timers.firing import Retry, fire_batch

MOSCOW = ZoneInfo("Europe/Moscow")
NINE = time(9, 0)
GROUP = -1001234567890


def moscow(*args: int) -> datetime:
    return datetime(*args, tzinfo=MOSCOW)  # type: ignore[misc]


def test_keys_and_due_times_of_days_and_iso_weeks() -> None:
    day = period_of(DigestKind.DAILY, date(2026, 3, 1), MOSCOW)
    week = period_of(DigestKind.WEEKLY, date(2026, 3, 1), MOSCOW)  # a Sunday
    assert digest_key(DigestKind.DAILY, day) == "digest:daily:2026-03-01"
    assert (week.first, week.last) == (date(2026, 2, 23), date(2026, 3, 1))
    assert digest_key(DigestKind.WEEKLY, week) == "digest:weekly:2026-W09"
    assert due_at(DigestKind.DAILY, day, NINE) == moscow(2026, 3, 2, 9)
    assert due_at(DigestKind.WEEKLY, week, NINE) == moscow(2026, 3, 2, 9)  # the Monday
    # just before 09:00 on Monday the last due daily digest is Saturday's
    before = moscow(2026, 3, 2, 8, 59)
    assert latest_due(DigestKind.DAILY, before, MOSCOW, NINE).first == date(2026, 2, 28)
    assert latest_due(DigestKind.DAILY, moscow(2026, 3, 2, 9), MOSCOW, NINE) == day
    assert latest_due(DigestKind.WEEKLY, before, MOSCOW, NINE).first == date(2026, 2, 16)
    # Sunday's digest is old news once Monday's is due
    assert not stale(DigestKind.DAILY, day, moscow(2026, 3, 3, 8), NINE)
    assert stale(DigestKind.DAILY, day, moscow(2026, 3, 3, 9), NINE)


def test_digest_time_reads_hh_mm_or_off() -> None:
    assert parse_digest_time("09:00") == time(9, 0)
    assert parse_digest_time(" 7:30 ") == time(7, 30)
    assert parse_digest_time("off") is None
    for bad in ("9", "24:00", "09:60", "nine", "09:00:00"):
        try:
            parse_digest_time(bad)
        except ValueError as exc:
            assert bad in str(exc)
        else:
            raise AssertionError(f"{bad!r} was accepted")


def desk(now: datetime, schedule: DigestSchedule | None = None) -> DeskContext:
    return DeskContext(
        group_chat_id=GROUP,
        timezone=MOSCOW,
        clock=FrozenClock(now),
        digest=schedule or DigestSchedule(),
    )


async def fire(ctx: DeskContext) -> None:
    await fire_batch(digest_handlers(ctx), ctx.clock.now(), limit=50, retry=Retry())


async def digests_queued() -> list[dict[str, object]]:
    items = await OutboxItem.filter(operation=POST_DIGEST).order_by("id")
    return [dict(item.payload) for item in items]


async def test_the_first_start_arms_the_next_digests_which_fire_once_and_arm_the_next(
    db: str,
) -> None:
    ctx = desk(moscow(2026, 3, 2, 8, 59))  # Monday
    await arm_digests(ctx)
    armed = {row.key: row.due_at for row in await Deadline.all()}
    assert armed == {
        "digest:daily:2026-03-01": moscow(2026, 3, 2, 9).astimezone(UTC),
        "digest:weekly:2026-W09": moscow(2026, 3, 2, 9).astimezone(UTC),
    }
    await fire(ctx)
    assert await digests_queued() == []  # not due yet
    ctx = desk(moscow(2026, 3, 2, 9, 0, 5))
    await fire(ctx)
    assert await digests_queued() == [
        {"kind": "daily", "first": "2026-03-01"},
        {"kind": "weekly", "first": "2026-02-23"},
    ]
    unfired = {row.key for row in await Deadline.filter(fired_at__isnull=True)}
    assert unfired == {"digest:daily:2026-03-02", "digest:weekly:2026-W10"}
    # a restart re-arms the sent periods: their fired deadlines stay fired
    await arm_digests(desk(moscow(2026, 3, 2, 9, 1)))
    await fire(desk(moscow(2026, 3, 2, 9, 1)))
    assert len(await digests_queued()) == 2


async def test_a_period_is_queued_once_by_the_schedule_or_by_hand(db: str) -> None:
    daily = DigestSchedule(NINE, weekly=False)
    ctx = desk(moscow(2026, 3, 2, 8), daily)
    day = period_of(DigestKind.DAILY, date(2026, 3, 1), MOSCOW)
    async with in_transaction() as connection:
        assert await queue_digest(connection, ctx, DigestKind.DAILY, day, ctx.clock.now())
    await arm_digests(ctx)
    await fire(desk(moscow(2026, 3, 2, 9, 0, 1), daily))
    assert len(await digests_queued()) == 1  # the schedule found it sent
    async with in_transaction() as connection:
        assert not await queue_digest(connection, ctx, DigestKind.DAILY, day, ctx.clock.now())
        assert await queue_digest(
            connection, ctx, DigestKind.DAILY, day, ctx.clock.now(), again=True
        )
    assert len(await digests_queued()) == 2


async def test_after_an_outage_only_the_newest_missed_digest_goes(db: str) -> None:
    await arm_digests(desk(moscow(2026, 3, 2, 8)))  # armed: Sunday's, due Monday 09:00
    # down from Monday 08:00 to Thursday 10:00
    ctx = desk(moscow(2026, 3, 5, 10), DigestSchedule(NINE, weekly=False))
    await arm_digests(ctx)
    await fire(ctx)
    await fire(ctx)
    assert await digests_queued() == [{"kind": "daily", "first": "2026-03-04"}]
    assert {row.key for row in await Deadline.filter(fired_at__isnull=True)} == {
        "digest:daily:2026-03-05"
    }


async def test_digest_time_off_disarms_every_digest(db: str) -> None:
    await arm_digests(desk(moscow(2026, 3, 2, 8)))
    off = desk(moscow(2026, 3, 2, 8, 30), DigestSchedule(None))
    await arm_digests(off)
    await fire(desk(moscow(2026, 3, 2, 9, 30), DigestSchedule(None)))
    assert await Deadline.filter(fired_at__isnull=True).count() == 0
    assert await digests_queued() == []


async def test_a_restart_sends_nothing_for_a_period_due_before_the_desk_first_started(
    db: str,
) -> None:
    # first start on Tuesday: last week's digest was due on Monday, before the desk was there
    await arm_digests(desk(moscow(2026, 3, 3, 12)))
    restarted = desk(moscow(2026, 3, 3, 12, 5))
    await arm_digests(restarted)
    await fire(restarted)
    assert await digests_queued() == []
    assert {row.key for row in await Deadline.filter(fired_at__isnull=True)} == {
        "digest:daily:2026-03-03",
        "digest:weekly:2026-W10",
    }
