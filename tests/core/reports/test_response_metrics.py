"""First and next response figures, per operator and per split, on hand-built days.

Each expected figure is worked out by hand in the comments: nearest rank, so of ``n``
sorted values the median is number ``ceil(n/2)`` and the p90 number ``ceil(0.9 n)``.
"""

from __future__ import annotations

from datetime import timedelta

from core.business_calendar import BusinessCalendar
from core.enums import Channel, ResponseKind
from core.models import Message
from core.reports.figures import Spread
from tests.core.reports.desk import IVAN, MIN, PETR, ReportDesk, utc

MONDAY = utc(2026, 11, 23, 10)


async def test_first_response_median_p90_per_operator_channel_and_priority(db: str) -> None:
    desk = ReportDesk(MONDAY)
    # ten customers write at 10:00; customers 1, 3, 5, 7, 9 on VK
    users = list(range(1, 11))
    for user in users:
        channel = Channel.VK if user % 2 else Channel.TELEGRAM
        await desk.customer_writes(user, channel=channel)
    # customer k is answered k minutes later: Ivan answers the odd ones, Petr the even ones
    for user in users:
        desk.at(MONDAY + timedelta(minutes=user))
        channel_user = user  # the topic is per customer
        await desk.reply(channel_user, IVAN if user % 2 else PETR)
        await desk.reply(channel_user, IVAN if user % 2 else PETR, "and one more")  # no response
    await desk.reply(3, IVAN, "// a note is no reply")
    m = await desk.metrics(MONDAY)

    # all ten: 1..10 min → median = 5th = 5 min, p90 = 9th = 9 min
    assert m.first_response.calendar == Spread(10, 5 * MIN, 9 * MIN)
    assert m.first_response.business == Spread(10, 5 * MIN, 9 * MIN)  # open around the clock
    assert m.next_response.calendar == Spread()  # nobody waited again
    # Ivan: 1, 3, 5, 7, 9 → median 3rd = 5 min, p90 5th = 9 min; Petr: 2 … 10 → 6, 10
    by_name = {o.name: o for o in m.operators}
    assert by_name["Ivan Agent"].first_response.calendar == Spread(5, 5 * MIN, 9 * MIN)
    assert by_name["Petr Agent"].first_response.calendar == Spread(5, 6 * MIN, 10 * MIN)
    # two replies each to five customers; the note does not count; replying took them
    assert (by_name["Ivan Agent"].replies, by_name["Ivan Agent"].assigned) == (10, 5)
    assert (by_name["Petr Agent"].replies, by_name["Petr Agent"].assigned) == (10, 5)
    # the VK customers are Ivan's, the Telegram ones Petr's
    channels = {split.key: split for split in m.channels}
    assert channels["vk"].new == 5 and channels["vk"].first_response.calendar.median == 5 * MIN
    assert channels["telegram"].first_response.calendar == Spread(5, 6 * MIN, 10 * MIN)
    priorities = {split.key: split for split in m.priorities}
    assert priorities["normal"].new == 10 and priorities["urgent"].new == 0
    assert priorities["normal"].first_response.calendar == Spread(10, 5 * MIN, 9 * MIN)
    # tickets opened at 10:00 UTC, desk time UTC
    assert m.load_by_hour[10] == 10 and sum(m.load_by_hour) == 10
    assert m.volume.new == 10 and m.backlog.open == 10 and m.backlog.unassigned == 0


async def test_next_response_counts_from_the_oldest_unanswered_message(db: str) -> None:
    desk = ReportDesk(MONDAY)
    await desk.customer_writes(1)
    desk.at(MONDAY + timedelta(minutes=4))
    await desk.reply(1)  # first response: 4 min
    waits = [7, 2, 30]  # three more rounds: the customer writes, the reply comes after …
    now = MONDAY + timedelta(minutes=10)
    for wait in waits:
        desk.at(now)
        await desk.customer_writes(1, "one more thing")
        desk.at(now + timedelta(minutes=1))
        await desk.customer_writes(1, "and another")  # the older message counts
        desk.at(now + timedelta(minutes=wait))
        await desk.reply(1)
        now += timedelta(hours=1)
    m = await desk.metrics(MONDAY)
    # 2, 7, 30 → median = 2nd = 7 min, p90 = 3rd = 30 min
    assert m.next_response.calendar == Spread(3, 7 * MIN, 30 * MIN)
    assert m.first_response.calendar == Spread(1, 4 * MIN, 4 * MIN)
    kinds = await Message.filter(response_kind__isnull=False).order_by("id")
    assert [k.response_kind for k in kinds] == [ResponseKind.FIRST] + [ResponseKind.NEXT] * 3


async def test_business_hours_first_response_skips_a_weekend_and_a_holiday(db: str) -> None:
    # Mon–Fri 09:00–18:00; Monday 2026-11-23 is a day off (a holiday of the desk)
    office = BusinessCalendar.from_text(
        "mon-fri 09:00-18:00", extra_days_off=frozenset({utc(2026, 11, 23).date()})
    )
    friday = utc(2026, 11, 20, 17)
    desk = ReportDesk(friday, calendar=office)
    await desk.customer_writes(1)  # Friday 17:00
    await desk.customer_writes(2)  # Friday 17:00
    desk.at(utc(2026, 11, 24, 10))  # Tuesday 10:00
    await desk.reply(1)
    desk.at(utc(2026, 11, 24, 12))  # Tuesday 12:00
    await desk.reply(2)
    m = await desk.metrics(utc(2026, 11, 20), utc(2026, 11, 24))
    # calendar: Fri 17:00 → Tue 10:00 is 3 days 17 h = 89 h, and 91 h to 12:00
    assert m.first_response.calendar == Spread(2, 89 * 3600, 91 * 3600)
    # business: Friday 17–18 (1 h) + Tuesday 9–10 (1 h) = 2 h; to 12:00: 4 h
    assert m.first_response.business == Spread(2, 2 * 3600, 4 * 3600)
    # the reply day alone holds both first responses; Friday alone none
    assert (await desk.metrics(utc(2026, 11, 24))).first_response.calendar.count == 2
    assert (await desk.metrics(utc(2026, 11, 20))).first_response.calendar.count == 0
