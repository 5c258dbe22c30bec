"""Which SLA clock a card counts down to, and when the topic title carries the breach mark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.enums import SlaClock, SlaOutcome
from core.messaging.views import in_breach, sla_state, ticket_card, topic_title
from core.models import Customer, Ticket, TicketClock
from tests.core.tickets.test_workflow import new_ticket as opened_ticket

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
NAME = "\u2068Alice Smith\u2069"


async def new_ticket() -> Ticket:
    """A ticket with only the clocks a test builds by hand (opening starts real ones)."""
    ticket = await opened_ticket()
    await TicketClock.filter(ticket_id=ticket.id).delete()
    return ticket


async def clock(
    ticket: Ticket,
    kind: SlaClock,
    *,
    due_in: timedelta | None,
    cycle: int = 1,
    outcome: SlaOutcome | None = None,
    stopped: bool = False,
) -> TicketClock:
    """A clock of ``ticket`` due ``due_in`` from NOW (None: paused)."""
    return await TicketClock.create(
        ticket_id=ticket.id,
        clock=kind,
        cycle=cycle,
        target_seconds=3600,
        started_at=NOW - timedelta(hours=1),
        due_at=NOW + due_in if due_in is not None else None,
        paused_at=NOW if due_in is None else None,
        outcome=outcome,
        stopped_at=NOW if stopped else None,
    )


async def test_no_running_clock_no_sla_line(db: str) -> None:
    ticket = await new_ticket()
    assert await sla_state(ticket.id, NOW) is None
    await clock(ticket, SlaClock.FIRST_RESPONSE, due_in=timedelta(minutes=5), stopped=True)
    await clock(ticket, SlaClock.RESOLUTION, due_in=None)  # paused: waiting for the customer
    assert await sla_state(ticket.id, NOW) is None
    assert (await ticket_card(ticket, NOW)).sla is None


async def test_the_nearest_due_clock_counts_down(db: str) -> None:
    ticket = await new_ticket()
    await clock(ticket, SlaClock.RESOLUTION, due_in=timedelta(hours=4))
    await clock(ticket, SlaClock.FIRST_RESPONSE, due_in=timedelta(minutes=12))
    state = await sla_state(ticket.id, NOW)
    assert state is not None and state.clock is SlaClock.FIRST_RESPONSE
    assert state.due_at == NOW + timedelta(minutes=12) and not state.breached
    assert state.as_of == NOW
    card = await ticket_card(ticket, NOW)
    assert card.sla == state
    assert (await ticket_card(ticket)).sla is None  # no moment given: no countdown


async def test_a_breached_clock_comes_before_one_still_running(db: str) -> None:
    ticket = await new_ticket()
    await clock(ticket, SlaClock.NEXT_RESPONSE, due_in=timedelta(minutes=2))
    # marked breached by the scheduler, and kept running until an answer stops it
    await clock(
        ticket, SlaClock.FIRST_RESPONSE, due_in=-timedelta(minutes=30), outcome=SlaOutcome.BREACHED
    )
    state = await sla_state(ticket.id, NOW)
    assert state is not None and state.clock is SlaClock.FIRST_RESPONSE and state.breached
    assert state.due_at == NOW - timedelta(minutes=30)


async def test_a_passed_due_time_is_a_breach_before_the_scheduler_marks_it(db: str) -> None:
    ticket = await new_ticket()
    await clock(ticket, SlaClock.FIRST_RESPONSE, due_in=timedelta(minutes=5))
    assert not await in_breach(ticket, NOW)
    assert await in_breach(ticket, NOW + timedelta(minutes=5))


async def test_the_title_carries_the_mark_only_while_in_breach(db: str) -> None:
    ticket = await new_ticket()
    customer = await Customer.get(external_id=700)
    first = await clock(ticket, SlaClock.FIRST_RESPONSE, due_in=-timedelta(minutes=1))
    breached = await in_breach(ticket, NOW)
    assert (
        topic_title(ticket, customer, breached=breached)
        == f"🆕🚨 #{ticket.number} {NAME} · Telegram"
    )
    # an operator answered: the clock stopped, the breach stays in history, the mark goes
    await TicketClock.filter(id=first.id).update(stopped_at=NOW, outcome=SlaOutcome.BREACHED)
    breached = await in_breach(ticket, NOW)
    assert (
        topic_title(ticket, customer, breached=breached) == f"🆕 #{ticket.number} {NAME} · Telegram"
    )


async def test_urgent_and_breached_both_show(db: str) -> None:
    ticket = await new_ticket()
    await Ticket.filter(id=ticket.id).update(priority="urgent")
    ticket = await Ticket.get(id=ticket.id)
    customer = await Customer.get(external_id=700)
    title = topic_title(ticket, customer, breached=True)
    assert title.startswith(f"🆕🚨🔥 #{ticket.number} ")
