"""Resolution, reopening, backlog, SLA, CSAT, tags and load by hour on hand-built days."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.enums import Channel, SlaClock, TicketPriority, TicketStatus
from core.models import Tag, Ticket
from core.reports.figures import Comment, Spread
from core.tickets import workflow
from tests.core.reports.desk import IVAN, MIN, PETR, ReportDesk, utc

MONDAY = utc(2026, 11, 23, 10)


def t(minutes: int) -> datetime:
    """``minutes`` after Monday 10:00."""
    return MONDAY + timedelta(minutes=minutes)


async def test_resolution_leaves_out_waiting_and_resolved_time_and_counts_reopens(db: str) -> None:
    desk = ReportDesk(MONDAY)
    await desk.customer_writes(1)  # 10:00
    desk.at(t(10))
    await desk.reply(1)
    desk.at(t(20))
    await desk.set_status(1, TicketStatus.WAITING)  # paused from 10:20 …
    desk.at(t(120))
    await desk.customer_writes(1, "here is the screenshot")  # … to 12:00: 100 min
    desk.at(t(135))
    await desk.reply(1)  # next response: 15 min
    desk.at(t(180))
    await desk.set_status(1, TicketStatus.RESOLVED)  # 180 - 100 = 80 min of work
    first = await desk.ticket(1)
    assert (first.resolution_seconds, first.paused_seconds) == (80 * MIN, 100 * MIN)
    desk.at(t(240))
    await desk.customer_writes(1, "it broke again")  # reopened: resolved 60 min meanwhile
    desk.at(t(300))
    await desk.set_status(1, TicketStatus.RESOLVED)  # 300 - 100 - 60 = 140 min
    await desk.customer_writes(2)  # 15:00, nobody answers
    m = await desk.metrics(MONDAY)
    assert (m.volume.new, m.volume.resolved, m.volume.reopened) == (2, 1, 1)
    assert m.resolution.calendar == Spread(1, 140 * MIN, 140 * MIN)
    assert m.resolution.business == Spread(1, 140 * MIN, 140 * MIN)
    assert m.next_response.calendar == Spread(1, 15 * MIN, 15 * MIN)
    # the backlog: customer 2's ticket, unassigned, waiting since 15:00 in topic 10002
    assert (m.backlog.open, m.backlog.unassigned) == (1, 1)
    waiting = m.backlog.oldest_waiting
    assert waiting is not None and (waiting.thread_id, waiting.since) == (10002, t(300))
    # the day before knew none of it
    before = await desk.metrics(MONDAY - timedelta(days=1))
    assert (before.volume.new, before.backlog.open, before.backlog.oldest_waiting) == (0, 0, None)


async def test_sla_hits_breaches_and_the_breach_list(db: str) -> None:
    desk = ReportDesk(MONDAY)  # normal: first response 60 min, resolution 240 min
    await desk.customer_writes(1)
    await desk.customer_writes(2)
    desk.at(t(10))
    await desk.reply(1)  # first response in time: a hit
    desk.at(t(61))
    await desk.fire_due()  # customer 2 waited past 60 min: a breach
    desk.at(t(70))
    await desk.set_status(1, TicketStatus.RESOLVED)  # resolution in time: a hit
    m = await desk.metrics(MONDAY)
    rates = {rate.clock: rate for rate in m.sla.rates}
    assert (rates[SlaClock.FIRST_RESPONSE].hits, rates[SlaClock.FIRST_RESPONSE].breaches) == (1, 1)
    assert rates[SlaClock.FIRST_RESPONSE].hit_rate == 0.5
    assert (rates[SlaClock.RESOLUTION].hits, rates[SlaClock.RESOLUTION].breaches) == (1, 0)
    assert rates[SlaClock.NEXT_RESPONSE].hit_rate is None
    assert m.sla.breach_count == 1
    (breach,) = m.sla.breaches
    ticket = await desk.ticket(2)
    assert (breach.ticket_id, breach.thread_id, breach.clock) == (
        ticket.id,
        10002,
        SlaClock.FIRST_RESPONSE,
    )
    assert (breach.priority, breach.breached_at) == (TicketPriority.NORMAL, t(61))


async def test_csat_per_operator_tags_and_resolved_counts(db: str) -> None:
    desk = ReportDesk(MONDAY)
    await Tag.create(name="billing")
    await Tag.create(name="bug")
    for user in range(1, 6):
        await desk.customer_writes(user)
    for user in range(1, 6):
        await desk.reply(user, IVAN if user <= 3 else PETR)
        tag = "billing" if user <= 2 else "bug"
        number = (await desk.ticket(user)).number
        who = IVAN if user <= 3 else PETR
        assert (await workflow.toggle_tag(number, who, tag, desk.ctx)).ok
    desk.at(t(30))
    for user in range(1, 6):
        await desk.set_status(user, TicketStatus.RESOLVED, IVAN if user <= 3 else PETR)
    desk.at(t(40))
    # Ivan: 5 and 4; Petr: 1 with a comment and 2 without; customer 3 does not rate
    await desk.rate(1, 5)
    await desk.rate(2, 4)
    await desk.rate(4, 1, "Took ages")
    await desk.rate(5, 2)
    m = await desk.metrics(MONDAY)
    assert (m.csat.count, m.csat.distribution) == (4, (1, 1, 0, 1, 1))
    assert m.csat.average == 3.0  # (5 + 4 + 1 + 2) / 4
    assert (m.csat.resolved, m.csat.rated, m.csat.response_rate) == (5, 4, 0.8)
    four, five = await desk.ticket(4), await desk.ticket(5)
    assert m.csat.negative == (
        Comment(four.id, 10004, 1, "Took ages"),
        Comment(five.id, 10005, 2, None),
    )
    by_name = {o.name: o for o in m.operators}
    ivan, petr = by_name["Ivan Agent"], by_name["Petr Agent"]
    assert (ivan.resolved, ivan.csat_count, ivan.csat_average) == (3, 2, 4.5)
    assert (petr.resolved, petr.csat_count, petr.csat_average) == (2, 2, 1.5)
    tags = {split.key: split for split in m.tags}
    assert (tags["billing"].new, tags["billing"].resolved) == (2, 2)
    assert (tags["bug"].new, tags["bug"].resolved) == (3, 3)
    assert tags["bug"].first_response.calendar == Spread(3, 0, 0)  # answered at once
    assert m.volume.resolved == 5 and m.backlog.open == 0


async def test_load_by_hour_is_counted_on_the_desk_clock_across_a_dst_change(db: str) -> None:
    # Berlin: CET (UTC+1) on Saturday 2026-03-28, CEST (UTC+2) from Sunday 03:00
    desk = ReportDesk(utc(2026, 3, 28, 12, 30), zone="Europe/Berlin")
    await desk.customer_writes(1)  # 13:30 in Berlin
    desk.at(utc(2026, 3, 29, 12, 30))
    await desk.customer_writes(2)  # 14:30 in Berlin
    await desk.customer_writes(3, channel=Channel.VK)  # 14:30 in Berlin, on VK
    desk.at(utc(2026, 3, 29, 22, 30))
    await desk.customer_writes(4)  # 00:30 on Monday in Berlin: not in the period
    m = await desk.metrics(utc(2026, 3, 28), utc(2026, 3, 29))
    expected = [0] * 24
    expected[13], expected[14] = 1, 2
    assert list(m.load_by_hour) == expected
    assert {split.key: split.new for split in m.channels} == {"telegram": 2, "vk": 1}
    assert m.period.start.utcoffset() == timedelta(hours=1)
    assert await Ticket.all().count() == 4
