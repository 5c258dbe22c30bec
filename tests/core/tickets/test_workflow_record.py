"""Every branch of every workflow use case, and exactly what each leaves behind.

One ticket goes through all the outcomes the card buttons can have (refused at the frame,
refused by the right, nothing to change, changed), in order. The test pins the answers,
the event log (refusals included, with their data) and the outbox items queued, so a
change in how the use cases are written cannot change what operators see or what the
reports later count.
"""

from __future__ import annotations

from core.entities import OperatorProfile
from core.enums import EventKind, OperatorRole, TicketPriority, TicketStatus
from core.models import Event, Operator, OutboxItem, Tag, Ticket
from core.outbox.queues import ASK_RATING, EDIT_CARD, RENAME_TOPIC
from core.staff.permissions import Action
from core.tickets import workflow as wf
from core.tickets.workflow import Origin, Problem, WorkflowResult
from tests.core.tickets.test_workflow import BOSS, IVAN, NOW, PETR, context, new_ticket, role

NOT_ALLOWED, SENIOR = Problem.NOT_ALLOWED, OperatorRole.SENIOR
REFRESH = [EDIT_CARD, RENAME_TOPIC]
NONE = (None, None, None)
#: What an agent may do on a ticket nobody owns yet.
AGENT_MAY = frozenset(
    {Action.TAKE, Action.REPLY, Action.NOTE, Action.SET_WAITING, Action.SET_RESOLVED}
    | {Action.SET_PRIORITY, Action.TAG, Action.USE_TEMPLATE, Action.SHIFT}
)


def shown(result: WorkflowResult) -> tuple[object, ...]:
    """What an operator can learn from an answer (a card by its number and what it offers)."""
    card = (result.card.number, result.may) if result.card else None
    return (result.problem, result.changed, result.assignee, result.needed, card)


def refusal(
    action: Action, who: OperatorProfile, number: int, problem: Problem = NOT_ALLOWED
) -> tuple[str, int, dict[str, object]]:
    """The event a refused request records."""
    role = "senior" if who is BOSS else "agent"
    data = {"action": str(action), "reason": "not_allowed", "role": role}
    return ("refused", who.telegram_id, {**data, "ticket": number, "problem": str(problem)})


async def log_after(event_id: int) -> list[tuple[str, int | None, dict[str, object]]]:
    """Kind, acting operator's Telegram id and data of every event after ``event_id``.

    The SLA events the workflow causes are left out: tests/core/timers checks them.
    """
    ids = {o.id: o.telegram_id for o in await Operator.all()}
    rows = await Event.filter(id__gt=event_id).exclude(kind__startswith="sla_").order_by("id")
    return [(str(e.kind), ids.get(e.actor_id or 0), dict(e.data or {})) for e in rows]


async def test_each_outcome_answers_records_and_queues_the_same(db: str) -> None:
    ticket = await new_ticket()
    n, ctx = ticket.number, context()
    await role(BOSS, OperatorRole.SENIOR)
    await Tag.create(name="billing")
    start = max(await Event.all().values_list("id", flat=True), default=0)
    queued = await OutboxItem.all().count()
    forged = Origin(thread_id=740, message_id=1)
    card = Origin(thread_id=740, message_id=750)
    calls = [
        (wf.take(n, PETR, ctx, origin=forged), (Problem.WRONG_CARD, False, None, None, None)),
        (wf.take(9999, PETR, ctx), (Problem.NO_TICKET, False, None, None, None)),
        (wf.set_status(9999, IVAN, TicketStatus.WAITING, ctx), (Problem.NO_TICKET, False, *NONE)),
        (
            wf.check(n, IVAN, Action.ASSIGN, ctx, origin=card),
            (NOT_ALLOWED, False, None, SENIOR, None),
        ),
        (wf.check(n, IVAN, Action.TAG, ctx), (None, False, None, None, (n, AGENT_MAY))),
        (wf.take(n, IVAN, ctx, origin=card), (None, True, "Ivan Agent", None, None)),
        (wf.take(n, IVAN, ctx), (None, False, "Ivan Agent", None, None)),
        (wf.take(n, PETR, ctx), (Problem.TAKEN, False, "Ivan Agent", None, None)),
        (
            wf.set_priority(n, PETR, TicketPriority.HIGH, ctx),
            (NOT_ALLOWED, False, None, SENIOR, None),
        ),
        (wf.set_priority(n, IVAN, TicketPriority.NORMAL, ctx), (None, False, None, None, None)),
        (wf.set_priority(n, IVAN, TicketPriority.URGENT, ctx), (None, True, None, None, None)),
        (wf.toggle_tag(n, IVAN, "nope", ctx), (Problem.UNKNOWN_TAG, False, None, None, None)),
        (wf.toggle_tag(n, IVAN, "billing", ctx), (None, True, None, None, None)),
        (wf.toggle_tag(n, IVAN, "billing", ctx), (None, True, None, None, None)),
        (wf.set_status(n, IVAN, TicketStatus.NEW, ctx), (NOT_ALLOWED, False, None, SENIOR, None)),
        (wf.set_status(n, IVAN, TicketStatus.OPEN, ctx), (None, False, None, None, None)),
        (wf.set_status(n, IVAN, TicketStatus.RESOLVED, ctx), (None, True, None, None, None)),
        (wf.set_status(n, IVAN, TicketStatus.OPEN, ctx), (NOT_ALLOWED, False, None, SENIOR, None)),
        (wf.assign(n, IVAN, PETR.telegram_id, ctx), (NOT_ALLOWED, False, None, SENIOR, None)),
        (wf.assign(n, BOSS, 999, ctx), (Problem.UNKNOWN_OPERATOR, False, None, None, None)),
        (wf.assign(n, BOSS, IVAN.telegram_id, ctx), (None, False, "Ivan Agent", None, None)),
        (wf.assign(n, BOSS, PETR.telegram_id, ctx), (None, True, "Petr Agent", None, None)),
        (wf.unassign(n, BOSS, ctx), (None, True, None, None, None)),
        (wf.unassign(n, BOSS, ctx), (None, False, None, None, None)),
        (wf.set_status(n, BOSS, TicketStatus.CLOSED, ctx), (None, True, None, None, None)),
        (wf.take(n, IVAN, ctx), (Problem.CLOSED, False, None, None, None)),
    ]
    for call, expected in calls:
        assert shown(await call) == expected

    assert await log_after(start) == [
        refusal(Action.TAKE, PETR, n, Problem.WRONG_CARD),
        refusal(Action.TAKE, PETR, 9999, Problem.NO_TICKET),
        refusal(Action.SET_WAITING, IVAN, 9999, Problem.NO_TICKET),
        refusal(Action.ASSIGN, IVAN, n),
        ("assigned", IVAN.telegram_id, {"operator": IVAN.telegram_id, "previous": None}),
        ("status", IVAN.telegram_id, {"old": "new", "new": "open"}),
        refusal(Action.SET_PRIORITY, PETR, n),
        ("priority", IVAN.telegram_id, {"old": "normal", "new": "urgent"}),
        ("tag_added", IVAN.telegram_id, {"tag": "billing"}),
        ("tag_removed", IVAN.telegram_id, {"tag": "billing"}),
        refusal(Action.CLOSE, IVAN, n),
        ("status", IVAN.telegram_id, {"old": "open", "new": "resolved"}),
        refusal(Action.REOPEN, IVAN, n),
        refusal(Action.ASSIGN, IVAN, n),
        (
            "assigned",
            BOSS.telegram_id,
            {"operator": PETR.telegram_id, "previous": IVAN.telegram_id},
        ),
        ("unassigned", BOSS.telegram_id, {"operator": PETR.telegram_id}),
        ("status", BOSS.telegram_id, {"old": "resolved", "new": "closed"}),
    ]
    assert str(EventKind.TAG_ADDED) == "tag_added"  # the log above speaks in stored values
    operations = await OutboxItem.filter(id__gt=queued).order_by("id")
    # take, priority, two tags; resolve asks for a rating first; assign, unassign, close
    assert [o.operation for o in operations] == REFRESH * 4 + [ASK_RATING] + REFRESH * 4
    stored = await Ticket.get(id=ticket.id)
    assert (stored.status, stored.priority, stored.tags) == ("closed", "urgent", [])
    assert stored.assignee_id is None and stored.resolved_at == stored.closed_at == NOW
