"""Work lists by SLA due time: /overdue, /queue and /mine by due, /stale, on a real database.

Tickets and clocks are built by hand: the clocks' states (breached, inside the warning
window, later, paused, stopped) are what the lists are about, not how they came to be.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.enums import (
    Channel,
    OperatorRole,
    SlaClock,
    SlaOutcome,
    TicketPriority,
    TicketStatus,
)
from core.models import Conversation, Customer, Operator, Ticket, TicketClock
from core.tickets import queries
from core.tickets.due import DueClock

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


async def ticket(
    name: str,
    *,
    opened: timedelta = 60 * MIN,
    status: TicketStatus = TicketStatus.NEW,
    priority: TicketPriority = TicketPriority.NORMAL,
    assignee: Operator | None = None,
    waiting_since: datetime | None = None,
) -> Ticket:
    """A ticket of a new customer called ``name``, opened ``opened`` before NOW."""
    external = await Customer.all().count() + 100
    customer = await Customer.create(
        channel=Channel.TELEGRAM, external_id=external, first_name=name
    )
    conversation = await Conversation.create(
        customer=customer, channel=Channel.TELEGRAM, chat_id=external, message_thread_id=external
    )
    return await Ticket.create(
        conversation=conversation,
        status=status,
        priority=priority,
        assignee=assignee,
        opened_at=NOW - opened,
        awaiting_reply_since=waiting_since,
    )


async def clock(
    of: Ticket,
    due_in: timedelta | None,
    *,
    kind: SlaClock = SlaClock.FIRST_RESPONSE,
    warn: timedelta = 10 * MIN,
    outcome: SlaOutcome | None = None,
    stopped: bool = False,
) -> TicketClock:
    """A clock of ``of`` due ``due_in`` after NOW (None: paused), warned ``warn`` before."""
    due = NOW + due_in if due_in is not None else None
    return await TicketClock.create(
        ticket=of,
        clock=kind,
        target_seconds=3600,
        warn_seconds=int(warn.total_seconds()),
        started_at=NOW - 60 * MIN,
        due_at=due,
        warn_at=due - warn if due is not None else None,
        paused_at=NOW - 5 * MIN if due is None else None,
        outcome=outcome,
        breached_at=NOW if outcome is SlaOutcome.BREACHED else None,
        stopped_at=NOW - MIN if stopped else None,
    )


def names(page: queries.TicketPage) -> list[str]:
    return [row.customer for row in page.rows]


async def test_overdue_lists_breached_then_warned_and_leaves_later_ones_out(db: str) -> None:
    long_ago = await ticket("LongAgo")
    await clock(long_ago, -30 * MIN, outcome=SlaOutcome.BREACHED)
    # past its due time, the breach not fired yet: overdue all the same
    just_now = await ticket("JustNow")
    await clock(just_now, -5 * MIN, kind=SlaClock.NEXT_RESPONSE)
    soon = await ticket("Soon")
    await clock(soon, 3 * MIN)
    normal = await ticket("Normal", opened=90 * MIN)
    await clock(normal, 4 * MIN)
    urgent = await ticket("Urgent", priority=TicketPriority.URGENT)
    await clock(urgent, 4 * MIN)
    later = await ticket("Later")  # warned only 10 min before its due time
    await clock(later, 20 * MIN)
    paused = await ticket("Paused", status=TicketStatus.WAITING)
    await clock(paused, None, kind=SlaClock.RESOLUTION)
    stopped = await ticket("Stopped")  # answered late: breached, but no longer running
    await clock(stopped, -40 * MIN, outcome=SlaOutcome.BREACHED, stopped=True)
    closed = await ticket("Closed", status=TicketStatus.CLOSED)
    await clock(closed, -50 * MIN)

    found = await queries.overdue(NOW)

    assert names(found) == ["LongAgo", "JustNow", "Soon", "Urgent", "Normal"]
    assert [row.due for row in found.rows[:3]] == [
        DueClock(SlaClock.FIRST_RESPONSE, NOW - 30 * MIN, breached=True),
        DueClock(SlaClock.NEXT_RESPONSE, NOW - 5 * MIN, breached=True),
        DueClock(SlaClock.FIRST_RESPONSE, NOW + 3 * MIN, breached=False),
    ]
    # ten minutes on, the later one is inside its warning window too
    assert "Later" in names(await queries.overdue(NOW + 10 * MIN))


async def test_a_breached_clock_comes_first_even_when_moved_later(db: str) -> None:
    # breached at high priority, then lowered: the due time moved on, the breach stays
    moved = await ticket("Moved")
    await clock(moved, 30 * MIN, outcome=SlaOutcome.BREACHED)
    await clock(moved, 5 * MIN, kind=SlaClock.RESOLUTION)
    due_first = await ticket("DueFirst")
    await clock(due_first, 2 * MIN)

    found = await queries.overdue(NOW)

    assert names(found) == ["Moved", "DueFirst"]
    assert found.rows[0].due == DueClock(SlaClock.FIRST_RESPONSE, NOW + 30 * MIN, breached=True)


async def test_queue_and_mine_sort_by_due_time_and_skip_paused_clocks(db: str) -> None:
    await ticket("NoClock", opened=120 * MIN)
    paused = await ticket("PausedOnly", opened=30 * MIN)
    await clock(paused, None, kind=SlaClock.RESOLUTION)
    in_an_hour = await ticket("InAnHour")
    await clock(in_an_hour, 60 * MIN)
    two = await ticket("TwoClocks")
    await clock(two, 120 * MIN, kind=SlaClock.RESOLUTION)
    await clock(two, 10 * MIN, kind=SlaClock.NEXT_RESPONSE, warn=5 * MIN)
    breached = await ticket("Breached", opened=5 * MIN)
    await clock(breached, -MIN, outcome=SlaOutcome.BREACHED)
    ann = await Operator.create(telegram_id=901, name="Ann", role=OperatorRole.AGENT)
    owned = await ticket("Owned", status=TicketStatus.OPEN, assignee=ann)
    await clock(owned, 7 * MIN)
    owned_later = await ticket("OwnedLater", status=TicketStatus.WAITING, assignee=ann)
    await clock(owned_later, 70 * MIN, kind=SlaClock.NEXT_RESPONSE)

    queue = await queries.unassigned_queue(NOW)

    assert names(queue) == ["Breached", "TwoClocks", "InAnHour", "NoClock", "PausedOnly"]
    by_name = {row.customer: row.due for row in queue.rows}
    assert by_name["TwoClocks"] == DueClock(SlaClock.NEXT_RESPONSE, NOW + 10 * MIN, False)
    assert by_name["NoClock"] is None and by_name["PausedOnly"] is None
    assert names(await queries.mine(901, NOW)) == ["Owned", "OwnedLater"]
    assert (await queries.mine(902, NOW)).rows == []
    assert names(await queries.waiting(NOW)) == ["OwnedLater"]
    # search rows carry the clock as well
    found = await queries.search("@nobody", NOW)
    assert found == []
    assert (await queries.search(f"#{two.number}", NOW))[0].due == by_name["TwoClocks"]


async def test_stale_lists_waits_longer_than_the_threshold_longest_first(db: str) -> None:
    await ticket("ThreeHours", waiting_since=NOW - 180 * MIN)
    await ticket("JustOver", waiting_since=NOW - 120 * MIN - timedelta(seconds=1))
    await ticket("Exactly", waiting_since=NOW - 120 * MIN)
    await ticket("OneHour", waiting_since=NOW - 60 * MIN)
    await ticket("Answered", waiting_since=None)
    await ticket("Resolved", status=TicketStatus.RESOLVED, waiting_since=NOW - 300 * MIN)
    taken = await ticket("Taken", status=TicketStatus.OPEN, waiting_since=NOW - 150 * MIN)
    await clock(taken, -20 * MIN, kind=SlaClock.NEXT_RESPONSE)

    found = await queries.stale(NOW, timedelta(hours=2))

    assert names(found) == ["ThreeHours", "Taken", "JustOver"]
    assert [row.waiting_since for row in found.rows] == [
        NOW - 180 * MIN,
        NOW - 150 * MIN,
        NOW - 120 * MIN - timedelta(seconds=1),
    ]
    assert found.rows[1].due == DueClock(SlaClock.NEXT_RESPONSE, NOW - 20 * MIN, True)
    # the other lists show the clock alone
    assert {row.waiting_since for row in (await queries.overdue(NOW)).rows} == {None}
    assert names(await queries.stale(NOW, timedelta(minutes=30))) == [
        "ThreeHours",
        "Taken",
        "JustOver",
        "Exactly",
        "OneHour",
    ]


async def test_lists_are_paged_by_the_database(db: str) -> None:
    for n in range(12):
        made = await ticket(f"Guest{n:02d}", opened=(100 - n) * MIN)
        if n % 2:  # the odd ones have a clock, due in the order made
            await clock(made, (n + 1) * MIN)
    first = await queries.unassigned_queue(NOW, page=0, size=5)
    assert (first.page, first.pages) == (0, 3)
    assert names(first) == ["Guest01", "Guest03", "Guest05", "Guest07", "Guest09"]
    second = await queries.unassigned_queue(NOW, page=1, size=5)
    assert names(second) == ["Guest11", "Guest00", "Guest02", "Guest04", "Guest06"]
    beyond = await queries.unassigned_queue(NOW, page=7, size=5)
    assert (beyond.page, names(beyond)) == (2, ["Guest08", "Guest10"])
    empty = await queries.overdue(NOW - 600 * MIN, page=3)
    assert (empty.rows, empty.page, empty.pages) == ([], 0, 1)
