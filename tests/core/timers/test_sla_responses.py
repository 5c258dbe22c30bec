"""SLA response clocks through the real use cases: what stops them, hits and breaches."""

from __future__ import annotations

from datetime import timedelta

from tortoise.connection import get_connection

from core.db import CONNECTION_NAME
from core.enums import MessageDirection, SlaClock, SlaOutcome, TicketPriority
from core.models import Deadline, Message, Template, Ticket, TicketClock
from core.relay.template_posting import use_template
from core.sla_policies import SlaPolicies, SlaPolicy
from core.tickets import workflow
from core.tickets.collisions import SEND, decide_held
from core.timers.sla import most_urgent, running_clocks
from tests.core.timers.sla_desk import (
    IVAN,
    MONDAY,
    PETR,
    SlaDesk,
    clock_of,
    key,
    pending_deadlines,
    sla_events,
)

FIRST, NEXT, RESOLUTION = SlaClock.FIRST_RESPONSE, SlaClock.NEXT_RESPONSE, SlaClock.RESOLUTION


async def test_a_new_ticket_starts_first_response_and_resolution_with_copied_targets(
    db: str,
) -> None:
    desk = SlaDesk()
    ticket = await desk.customer_writes()
    assert ticket.sla_targets == {
        "priority": "normal",
        "business_hours": False,
        "first_response": 3600,
        "next_response": 1800,
        "resolution": 14400,
        "warn_before": 300,
    }
    assert ticket.awaiting_reply_since == MONDAY
    first = await clock_of(ticket, FIRST)
    assert (first.started_at, first.due_at) == (MONDAY, MONDAY + timedelta(hours=1))
    assert first.warn_at == MONDAY + timedelta(minutes=55)
    assert await pending_deadlines() == {
        key(ticket, FIRST, "warning"): MONDAY + timedelta(minutes=55),
        key(ticket, FIRST, "breach"): MONDAY + timedelta(hours=1),
        key(ticket, RESOLUTION, "warning"): MONDAY + timedelta(minutes=235),
        key(ticket, RESOLUTION, "breach"): MONDAY + timedelta(hours=4),
    }
    assert not await TicketClock.filter(clock=NEXT).exists()  # first response still runs
    await desk.customer_writes("more")  # a second message changes nothing
    assert await TicketClock.all().count() == 2


async def test_a_reply_in_time_is_a_hit_stored_once_and_leaves_no_deadline(db: str) -> None:
    desk = SlaDesk()
    ticket = await desk.customer_writes()
    desk.advance(minutes=20)
    await desk.operator_writes("Hi, looking into it")
    first = await clock_of(ticket, FIRST)
    assert first.outcome == SlaOutcome.HIT and first.stopped_at == MONDAY + timedelta(minutes=20)
    assert await sla_events(ticket) == [
        (
            "sla_hit",
            {
                "clock": "first_response",
                "cycle": 1,
                "started_at": MONDAY.isoformat(),
                "due_at": (MONDAY + timedelta(hours=1)).isoformat(),
                "target_seconds": 3600,
                "business_hours": False,
                "stopped_at": (MONDAY + timedelta(minutes=20)).isoformat(),
                "used_seconds": 1200,
            },
        )
    ]
    assert set(await pending_deadlines()) == {
        key(ticket, RESOLUTION, "warning"),
        key(ticket, RESOLUTION, "breach"),
    }
    assert (await desk.ticket()).awaiting_reply_since is None
    desk.advance(hours=1)
    assert await desk.fire_due() == []  # nothing is due for the answered ticket
    await desk.operator_writes("And one more thing")  # a second reply stores nothing new
    assert len(await sla_events(ticket)) == 1


async def test_nobody_answers_one_warning_then_one_breach(db: str) -> None:
    desk = SlaDesk()
    ticket = await desk.customer_writes()
    desk.advance(minutes=54)
    assert await desk.fire_due() == []
    desk.advance(minutes=1)
    [warning] = await desk.fire_due()
    assert (warning.stage, warning.clock, warning.cycle) == ("warning", FIRST, 1)
    assert warning.ticket_id == ticket.id and warning.conversation_id == ticket.conversation_id
    assert warning.due_at == MONDAY + timedelta(hours=1) and warning.assignee_id is None
    assert warning.priority == TicketPriority.NORMAL
    desk.advance(minutes=5)
    [breach] = await desk.fire_due()
    assert (breach.stage, breach.clock) == ("breach", FIRST)
    first = await clock_of(ticket, FIRST)
    assert first.outcome == SlaOutcome.BREACHED and first.breached_at == desk.clock.now()
    assert first.stopped_at is None  # a breached clock runs on until it is answered
    assert most_urgent(await running_clocks_of(ticket)) == first
    desk.advance(minutes=10)
    await desk.operator_writes("Sorry for the wait")
    kinds = [kind for kind, _ in await sla_events(ticket)]
    assert kinds == ["sla_warned", "sla_breached"]  # the late reply adds no hit
    assert (await clock_of(ticket, FIRST)).stopped_at == desk.clock.now()


async def test_a_note_does_not_stop_first_response_and_a_template_does(db: str) -> None:
    desk = SlaDesk()
    ticket = await desk.customer_writes()
    desk.advance(minutes=5)
    await desk.operator_writes("// check the CRM first")
    assert await Message.filter(direction=MessageDirection.NOTE).count() == 1
    assert (await clock_of(ticket, FIRST)).stopped_at is None
    await Template.create(name="greet", language="", text="Hello {customer.first_name}")
    desk.advance(minutes=5)
    result = await use_template(IVAN, desk.thread, "greet", company="Acme", ctx=desk.ctx)
    assert result.ok
    first = await clock_of(ticket, FIRST)
    assert first.outcome == SlaOutcome.HIT and first.stopped_at == MONDAY + timedelta(minutes=10)


async def test_a_held_reply_stops_first_response_only_on_send_anyway(db: str) -> None:
    desk = SlaDesk()
    ticket = await desk.customer_writes()
    assert (await workflow.take(ticket.number, IVAN, desk.ctx)).changed
    desk.advance(minutes=10)
    await desk.operator_writes("I can help", who=PETR)  # Ivan's ticket: held
    held = await Message.get(direction=MessageDirection.OUTBOUND)
    assert (await clock_of(ticket, FIRST)).stopped_at is None
    assert (await desk.ticket()).first_response_at is None
    desk.advance(minutes=10)
    await decide_held(f"{SEND}:{held.id}", PETR, desk.ctx)
    first = await clock_of(ticket, FIRST)
    assert first.outcome == SlaOutcome.HIT and first.stopped_at == MONDAY + timedelta(minutes=20)
    assert (await desk.ticket()).first_response_at == MONDAY + timedelta(minutes=20)


async def test_next_response_runs_from_the_oldest_unanswered_message(db: str) -> None:
    desk = SlaDesk()
    ticket = await desk.customer_writes()
    desk.advance(minutes=10)
    await desk.operator_writes("What is your order number?")
    asked = desk.advance(minutes=10)
    await desk.customer_writes("It is 1234")
    desk.advance(minutes=5)
    await desk.customer_writes("Or maybe 1235")
    assert (await desk.ticket()).awaiting_reply_since == asked
    following = await clock_of(ticket, NEXT)
    assert following.started_at == asked and following.due_at == asked + timedelta(minutes=30)
    assert await TicketClock.filter(clock=NEXT).count() == 1
    desk.advance(minutes=10)
    await desk.operator_writes("Found it")
    following = await clock_of(ticket, NEXT)
    assert following.outcome == SlaOutcome.HIT
    hit = [data for kind, data in await sla_events(ticket) if data["clock"] == "next_response"]
    assert hit[0]["used_seconds"] == 15 * 60
    desk.advance(minutes=1)
    await desk.customer_writes("Thanks, and another question")  # a new cycle
    second = await clock_of(ticket, NEXT, cycle=2)
    assert second.started_at == desk.clock.now() and second.stopped_at is None
    desk.advance(minutes=25)
    [warning] = await desk.fire_due()
    assert (warning.stage, warning.clock, warning.cycle) == ("warning", NEXT, 2)


async def test_stale_deadlines_fire_nothing(db: str) -> None:
    desk = SlaDesk()
    ticket = await desk.customer_writes()
    desk.advance(minutes=56)
    [warning] = await desk.fire_due()
    assert warning.stage == "warning"
    # The warning already fired; a second claim of the same deadline tells nobody.
    await _rearm_fired()
    assert await desk.fire_due() == []
    await desk.operator_writes("Here")  # stopped: its breach deadline is gone
    assert key(ticket, FIRST, "breach") not in await pending_deadlines()
    await _rearm_fired()
    desk.advance(hours=1)
    assert await desk.fire_due() == []
    assert [kind for kind, _ in await sla_events(ticket)] == ["sla_warned", "sla_hit"]


async def running_clocks_of(ticket: Ticket) -> list[TicketClock]:
    """The running clocks of ``ticket`` through the read helper others use."""
    return await running_clocks(get_connection(CONNECTION_NAME), ticket.id)


async def _rearm_fired() -> None:
    """Pretend every fired SLA deadline is claimed again (a scheduler that lost its mark)."""
    await Deadline.filter(key__startswith="sla:").update(fired_at=None)


async def test_without_a_first_response_target_the_first_message_arms_next_response(
    db: str,
) -> None:
    only_next = SlaPolicies(
        {
            TicketPriority.NORMAL: SlaPolicy(
                TicketPriority.NORMAL, next_response=timedelta(minutes=30), business_hours=False
            )
        },
        warn_before=timedelta(minutes=5),
    )
    desk = SlaDesk(policies=only_next)
    ticket = await desk.customer_writes()
    assert [(c.clock, c.cycle) for c in await TicketClock.all()] == [(NEXT, 1)]
    assert (await clock_of(ticket, NEXT)).due_at == MONDAY + timedelta(minutes=30)
    desk.advance(minutes=3)
    await desk.operator_writes("Hi")
    desk.advance(minutes=3)
    await desk.customer_writes("One more")
    assert (await clock_of(ticket, NEXT, cycle=2)).started_at == desk.clock.now()
