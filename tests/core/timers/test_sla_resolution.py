"""SLA resolution, waiting, reopening, priority changes and business hours, end to end in core."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from core.business_calendar import BusinessCalendar
from core.enums import (
    EventKind,
    OperatorRole,
    SlaClock,
    SlaOutcome,
    TicketPriority,
    TicketStatus,
)
from core.models import Event, Operator, OutboxItem, TicketClock
from core.outbox.queues import EDIT_CARD
from core.sla_policies import SlaPolicies, SlaPolicy
from tests.core.timers.sla_desk import (
    BOSS,
    MONDAY,
    POLICIES,
    SlaDesk,
    clock_of,
    key,
    pending_deadlines,
    sla_events,
    utc,
)

FIRST, NEXT, RESOLUTION = SlaClock.FIRST_RESPONSE, SlaClock.NEXT_RESPONSE, SlaClock.RESOLUTION

#: Mon-Fri 09:00-18:00 UTC, 2h first response, 8h (one working day) resolution
OFFICE = BusinessCalendar.from_text("mon-fri 09:00-18:00")
OFFICE_POLICIES = SlaPolicies(
    {
        TicketPriority.NORMAL: SlaPolicy(
            TicketPriority.NORMAL,
            first_response=timedelta(hours=2),
            next_response=timedelta(hours=1),
            resolution=timedelta(hours=8),
            business_hours=True,
        )
    },
    warn_before=timedelta(minutes=10),
)


async def senior() -> None:
    await Operator.update_or_create(
        telegram_id=BOSS.telegram_id,
        defaults={"name": BOSS.name, "username": BOSS.username, "role": OperatorRole.SENIOR},
    )


async def test_waiting_pauses_resolution_and_the_due_moves_by_the_paused_business_time(
    db: str,
) -> None:
    desk = SlaDesk(policies=OFFICE_POLICIES, calendar=OFFICE)  # Monday 10:00
    ticket = await desk.customer_writes()
    assert (await clock_of(ticket, RESOLUTION)).due_at == utc(2026, 11, 23, 18)
    desk.advance(hours=1)
    await desk.operator_writes("Please send a screenshot")
    desk.advance(hours=1)  # 12:00: two business hours counted
    await desk.set_status(TicketStatus.WAITING)
    paused = await clock_of(ticket, RESOLUTION)
    assert (paused.due_at, paused.paused_at, paused.spent_seconds) == (None, desk.clock.now(), 7200)
    assert not any("resolution" in k for k in await pending_deadlines())
    desk.advance(hours=22)  # Tuesday 10:00: the paused time does not count
    assert await desk.fire_due() == []
    await desk.set_status(TicketStatus.OPEN)
    resumed = await clock_of(ticket, RESOLUTION)
    assert resumed.due_at == utc(2026, 11, 24, 16) and resumed.paused_at is None
    assert resumed.warn_at == utc(2026, 11, 24, 15, 50)
    assert (await pending_deadlines())[key(ticket, RESOLUTION, "breach")] == utc(2026, 11, 24, 16)
    desk.advance(hours=1)
    await desk.set_status(TicketStatus.RESOLVED)
    done = await clock_of(ticket, RESOLUTION)
    assert done.outcome == SlaOutcome.HIT and done.stopped_at == desk.clock.now()
    hit = [data for kind, data in await sla_events(ticket) if data["clock"] == "resolution"]
    assert hit[0]["used_seconds"] == 3 * 3600
    assert await pending_deadlines() == {}


async def test_a_customer_message_while_waiting_reopens_and_arms_next_response(db: str) -> None:
    desk = SlaDesk()
    ticket = await desk.customer_writes()
    desk.advance(minutes=10)
    await desk.operator_writes("Can you try again?")
    await desk.set_status(TicketStatus.WAITING)
    await OutboxItem.all().delete()
    desk.advance(minutes=30)
    await desk.customer_writes("Still broken")
    now = desk.clock.now()
    assert (await desk.ticket()).status == TicketStatus.OPEN
    status = await Event.filter(kind=EventKind.STATUS).order_by("-id").first()
    assert status is not None and status.actor_id is None
    assert status.data == {"old": "waiting", "new": "open"}
    assert await OutboxItem.filter(operation=EDIT_CARD).count() == 1
    following = await clock_of(ticket, NEXT)
    assert following.started_at == now and following.due_at == now + timedelta(minutes=30)
    resolution = await clock_of(ticket, RESOLUTION)
    # 10 minutes counted before the pause: 230 remain from now
    assert resolution.due_at == now + timedelta(minutes=230) and resolution.paused_at is None


async def test_a_reopen_does_not_rearm_first_response_but_arms_next_response(db: str) -> None:
    desk = SlaDesk()
    ticket = await desk.customer_writes()
    desk.advance(minutes=10)
    await desk.customer_writes("anyone?")
    await desk.set_status(TicketStatus.RESOLVED)  # resolved without a reply
    first = await clock_of(ticket, FIRST)
    assert first.stopped_at == desk.clock.now() and first.outcome is None  # no outcome, no event
    assert [kind for kind, _ in await sla_events(ticket)] == ["sla_hit"]  # resolution
    assert (await desk.ticket()).awaiting_reply_since is None
    desk.advance(hours=2)
    reopened = await desk.customer_writes("it broke again")
    assert reopened.id == ticket.id and reopened.status == TicketStatus.OPEN
    assert await TicketClock.filter(clock=FIRST).count() == 1
    assert await TicketClock.filter(clock=RESOLUTION).count() == 1
    following = await clock_of(ticket, NEXT)
    assert following.started_at == desk.clock.now() and following.stopped_at is None
    # an operator's reopen re-arms nothing either
    await desk.operator_writes("On it")
    await desk.set_status(TicketStatus.RESOLVED)
    await senior()
    await desk.set_status(TicketStatus.OPEN, who=BOSS)
    assert await TicketClock.filter(stopped_at__isnull=True).count() == 0


async def test_raising_the_priority_recomputes_from_the_start_and_may_breach_at_once(
    db: str,
) -> None:
    desk = SlaDesk()
    ticket = await desk.customer_writes()
    desk.advance(minutes=8)
    await desk.set_priority(TicketPriority.URGENT)  # first response 15 min: due 10:15
    first = await clock_of(ticket, FIRST)
    assert first.due_at == MONDAY + timedelta(minutes=15) and first.target_seconds == 900
    # the warning (5 min before) is at 10:10, still ahead
    assert first.warn_at == MONDAY + timedelta(minutes=10)
    assert (await desk.ticket()).sla_targets["first_response"] == 900  # type: ignore[index]
    await desk.set_priority(TicketPriority.NORMAL)
    desk.advance(minutes=20)  # 10:28: past an urgent first response
    await desk.set_priority(TicketPriority.URGENT)
    now = desk.clock.now()
    assert (await pending_deadlines())[key(ticket, FIRST, "breach")] == now
    [breach] = await desk.fire_due()
    assert (breach.stage, breach.clock, breach.priority) == ("breach", FIRST, TicketPriority.URGENT)
    assert (await clock_of(ticket, FIRST)).outcome == SlaOutcome.BREACHED
    recomputed = [data for kind, data in await sla_events(ticket) if kind == "sla_recomputed"]
    assert len(recomputed) == 3
    assert recomputed[-1] == {
        "old": "normal",
        "new": "urgent",
        "clocks": [
            {
                "clock": "first_response",
                "cycle": 1,
                "old_due": (MONDAY + timedelta(hours=1)).isoformat(),
                "new_due": (MONDAY + timedelta(minutes=15)).isoformat(),
            },
            {
                "clock": "resolution",
                "cycle": 1,
                "old_due": (MONDAY + timedelta(hours=4)).isoformat(),
                "new_due": (MONDAY + timedelta(hours=1)).isoformat(),
            },
        ],
    }
    # a later change leaves the breached clock as it is
    await desk.set_priority(TicketPriority.NORMAL)
    assert (await clock_of(ticket, FIRST)).due_at == MONDAY + timedelta(minutes=15)


async def test_targets_are_copied_so_a_new_configuration_does_not_change_a_ticket(
    db: str,
) -> None:
    desk = SlaDesk()
    ticket = await desk.customer_writes()
    desk.with_policies(OFFICE_POLICIES)  # botdesk.toml changed, the desk restarted
    desk.advance(minutes=5)
    await desk.operator_writes("Hello")
    desk.advance(minutes=5)
    await desk.customer_writes("Question")
    following = await clock_of(ticket, NEXT)
    assert following.target_seconds == 1800 and not following.business_hours
    assert (await clock_of(ticket, RESOLUTION)).due_at == MONDAY + timedelta(hours=4)


async def test_business_hours_carry_a_friday_ticket_over_the_weekend(db: str) -> None:
    friday = utc(2026, 11, 27, 17)
    desk = SlaDesk(policies=OFFICE_POLICIES, calendar=OFFICE, start=friday)
    ticket = await desk.customer_writes()
    first = await clock_of(ticket, FIRST)
    assert first.due_at == utc(2026, 11, 30, 10) and first.warn_at == utc(2026, 11, 30, 9, 50)
    desk.advance(days=2, hours=16)  # Monday 09:00
    assert await desk.fire_due() == []
    desk.advance(minutes=50)
    [warning] = await desk.fire_due()
    assert warning.stage == "warning"
    desk.advance(minutes=5)
    await desk.operator_writes("Good morning!")
    assert (await clock_of(ticket, FIRST)).outcome == SlaOutcome.HIT
    hit = [data for kind, data in await sla_events(ticket) if kind == "sla_hit"]
    assert hit[0]["used_seconds"] == 3600 + 55 * 60  # Friday's hour and Monday's 55 minutes


async def test_every_hit_and_breach_is_stored_once_per_clock(db: str) -> None:
    desk = SlaDesk()
    ticket = await desk.customer_writes()
    for _ in range(3):  # nobody answers for hours; the desk fires what is due, often
        desk.advance(minutes=50)
        await desk.fire_due()
    await desk.operator_writes("Sorry!")
    desk.advance(minutes=1)
    await desk.customer_writes("ok but")
    desk.advance(minutes=1)
    await desk.operator_writes("Yes?")
    desk.advance(hours=3)
    await desk.fire_due()
    await desk.set_status(TicketStatus.RESOLVED)
    outcomes = Counter(
        (data["clock"], data["cycle"])
        for kind, data in await sla_events(ticket)
        if kind in ("sla_hit", "sla_breached")
    )
    assert outcomes == {("first_response", 1): 1, ("next_response", 1): 1, ("resolution", 1): 1}
    stored = {c.clock: c.outcome for c in await TicketClock.filter(ticket_id=ticket.id)}
    assert stored == {
        FIRST: SlaOutcome.BREACHED,
        NEXT: SlaOutcome.HIT,
        RESOLUTION: SlaOutcome.BREACHED,
    }


#: ``normal`` (a new ticket's priority) has no targets at all; ``urgent`` as in POLICIES
UNTIMED_NORMAL = SlaPolicies(
    {
        TicketPriority.NORMAL: SlaPolicy(TicketPriority.NORMAL),
        TicketPriority.URGENT: POLICIES.policies[TicketPriority.URGENT],
    },
    warn_before=POLICIES.warn_before,
)


async def test_raising_from_a_priority_without_targets_starts_the_owed_clocks(db: str) -> None:
    """A ticket whose priority had no targets has no clocks; the new priority's targets
    apply from when each clock would have started."""
    desk = SlaDesk(policies=UNTIMED_NORMAL)
    ticket = await desk.customer_writes()
    assert not await TicketClock.exists()
    desk.advance(minutes=20)
    await desk.set_priority(TicketPriority.URGENT)  # first response 15 min: already past
    first = await clock_of(ticket, FIRST)
    assert first.started_at == MONDAY and first.due_at == MONDAY + timedelta(minutes=15)
    resolution = await clock_of(ticket, RESOLUTION)
    assert resolution.started_at == MONDAY and resolution.due_at == MONDAY + timedelta(hours=1)
    now = desk.clock.now()
    assert (await pending_deadlines())[key(ticket, FIRST, "breach")] == now
    [breach] = await desk.fire_due()
    assert (breach.stage, breach.clock) == ("breach", FIRST)
    recomputed = [data for kind, data in await sla_events(ticket) if kind == "sla_recomputed"]
    assert [(c["clock"], c["old_due"]) for c in recomputed[-1]["clocks"]] == [
        ("first_response", None),
        ("resolution", None),
    ]


async def test_raising_an_answered_ticket_starts_next_response_not_first(db: str) -> None:
    desk = SlaDesk(policies=UNTIMED_NORMAL)
    ticket = await desk.customer_writes()
    desk.advance(minutes=5)
    await desk.operator_writes("Hello")  # answered: no clock to stop
    desk.advance(minutes=5)
    await desk.customer_writes("One more thing")  # waits again
    asked = desk.clock.now()
    desk.advance(minutes=3)
    await desk.set_priority(TicketPriority.URGENT)
    assert not await TicketClock.filter(ticket_id=ticket.id, clock=FIRST).exists()
    following = await clock_of(ticket, NEXT)
    assert following.started_at == asked and following.due_at == asked + timedelta(minutes=10)


async def test_raising_a_ticket_waiting_on_the_customer_starts_resolution_paused(
    db: str,
) -> None:
    desk = SlaDesk(policies=UNTIMED_NORMAL)
    ticket = await desk.customer_writes()
    desk.advance(minutes=5)
    await desk.operator_writes("Could you send a screenshot?")
    await desk.set_status(TicketStatus.WAITING)
    desk.advance(minutes=5)
    await desk.set_priority(TicketPriority.URGENT)
    resolution = await clock_of(ticket, RESOLUTION)
    assert resolution.due_at is None and resolution.paused_at == desk.clock.now()
    assert (
        not await TicketClock.filter(ticket_id=ticket.id, stopped_at__isnull=True)
        .exclude(clock=RESOLUTION)
        .exists()
    )  # nothing is owed to a customer who was answered
