"""Follow-up tasks and snooze through the real use cases, on SQLite and PostgreSQL.

The scheduler's part is :func:`core.timers.firing.fire_batch` with the desk's own
handlers, so "once" means what it means in production: a claimed deadline is fired.
"""

from __future__ import annotations

from datetime import timedelta

from core.enums import EventKind, OperatorRole, TicketStatus
from core.models import Deadline, Event, Operator, OutboxItem, Task, Ticket
from core.notices.reminders import POST_REMINDER, reminder_handlers
from core.tickets.snooze import snooze
from core.tickets.task_lists import open_tasks
from core.tickets.tasks import (
    TaskAct,
    TaskProblem,
    create_task,
    move_task,
    press_task,
    remember_prompt,
)
from core.timers.firing import Retry, fire_batch
from tests.core.timers.sla_desk import BOSS, IVAN, PETR, SlaDesk, utc


async def fire(desk: SlaDesk) -> list[str]:
    """What the scheduler fires now: the kinds of the fired deadlines."""
    batch = await fire_batch(
        reminder_handlers(desk.ctx), desk.clock.now(), limit=100, retry=Retry()
    )
    return [kind for kind, _ in batch.fired if kind in ("task_reminder", "snooze_wake")]


async def reminders() -> int:
    return await OutboxItem.filter(operation=POST_REMINDER).count()


async def kinds(ticket: Ticket) -> list[str]:
    rows = await Event.filter(ticket_id=ticket.id).order_by("id")
    return [str(e.kind) for e in rows]


async def test_a_ticket_task_is_reminded_once_at_its_time(db: str) -> None:
    desk = SlaDesk()
    ticket = await desk.customer_writes()
    made = await create_task(desk.ctx, IVAN, desk.thread, "in 2h call back", 501)
    assert made.problem is None and made.text == "call back"
    assert made.due_at == desk.clock.now() + timedelta(hours=2)
    again = await create_task(desk.ctx, IVAN, desk.thread, "in 2h call back", 501)
    assert again.task_id == made.task_id and await Task.all().count() == 1  # redelivered
    assert not again.answered  # the crash came before the answer: it is given now
    await remember_prompt(made.task_id, 9001)
    assert (await create_task(desk.ctx, IVAN, desk.thread, "in 2h call back", 501)).answered
    task = await Task.get(id=made.task_id)
    assert task.ticket_id == ticket.id
    desk.advance(hours=1, minutes=59)
    assert await fire(desk) == [] and await reminders() == 0
    desk.advance(minutes=1)
    assert await fire(desk) == ["task_reminder"]
    assert await fire(desk) == []
    assert await reminders() == 1
    assert (await Task.get(id=task.id)).reminded_at == desk.clock.now()
    assert EventKind.TASK_REMINDED in await kinds(ticket)


async def test_reminder_buttons_move_finish_and_refuse_others(db: str) -> None:
    desk = SlaDesk()
    ticket = await desk.customer_writes()
    made = await create_task(desk.ctx, IVAN, desk.thread, "in 30 min send the invoice", 502)
    assert made.task_id is not None
    desk.advance(minutes=30)
    await fire(desk)
    refused = await press_task(desk.ctx, PETR, TaskAct.DONE, made.task_id)
    assert refused.problem is TaskProblem.NOT_ALLOWED
    assert await Event.filter(kind=EventKind.REFUSED).count() == 1
    later = await press_task(desk.ctx, IVAN, TaskAct.HOUR, made.task_id)
    assert later.due_at == desk.clock.now() + timedelta(hours=1)
    assert (await Task.get(id=made.task_id)).reminded_at is None
    desk.advance(hours=1)
    assert await fire(desk) == ["task_reminder"]  # reminded again after the move
    tomorrow = await press_task(desk.ctx, IVAN, TaskAct.TOMORROW, made.task_id)
    assert tomorrow.due_at == utc(2026, 11, 24, 9)  # round the clock: opens at 09:00
    await Operator.get_or_create(
        telegram_id=BOSS.telegram_id,
        defaults={"name": BOSS.name, "role": OperatorRole.SENIOR, "created_at": desk.clock.now()},
    )
    done = await press_task(desk.ctx, BOSS, TaskAct.DONE, made.task_id)
    assert done.problem is None and done.done
    assert await Deadline.filter(key=f"task:{made.task_id}", fired_at__isnull=True).count() == 0
    assert (await press_task(desk.ctx, IVAN, TaskAct.DONE, made.task_id)).problem is (
        TaskProblem.FINISHED
    )
    logged = await kinds(ticket)
    assert logged.count(EventKind.TASK_MOVED) == 2 and EventKind.TASK_DONE in logged


async def test_an_unreadable_or_past_time_or_no_text_creates_nothing(db: str) -> None:
    desk = SlaDesk()
    await desk.customer_writes()
    for text, problem in [
        ("call back soonish", TaskProblem.UNREADABLE),
        ("today 08:00 call back", TaskProblem.PAST),
        ("in 2h", TaskProblem.NO_TEXT),
        ("", TaskProblem.UNREADABLE),
    ]:
        result = await create_task(desk.ctx, IVAN, desk.thread, text, 600)
        assert result.problem is problem, text
    assert await Task.all().count() == 0
    assert not await Deadline.filter(kind="task_reminder").exists()


async def test_a_new_time_by_reply_and_the_lists(db: str) -> None:
    desk = SlaDesk()
    await desk.customer_writes()
    first = await create_task(desk.ctx, IVAN, desk.thread, "in 1h call back", 701)
    personal = await create_task(desk.ctx, IVAN, None, "tomorrow 10:00 write the report", 702)
    other = await create_task(desk.ctx, PETR, None, "in 3h check logs", 703)
    assert personal.task_id and first.task_id and other.task_id
    assert (await Task.get(id=personal.task_id)).ticket_id is None
    assert (await move_task(desk.ctx, IVAN, first.task_id, "blah")).problem is (
        TaskProblem.UNREADABLE
    )
    moved = await move_task(desk.ctx, IVAN, first.task_id, "in 20 min")
    assert moved.due_at == desk.clock.now() + timedelta(minutes=20)
    desk.advance(minutes=30)
    mine, total = await open_tasks(IVAN.telegram_id, desk.clock.now())
    assert total == 2 and [line.text for line in mine] == ["call back", "write the report"]
    assert mine[0].overdue and mine[0].thread_id == desk.thread and not mine[1].overdue
    everyone, total = await open_tasks(None, desk.clock.now())
    assert total == 3 and {line.owner for line in everyone} == {IVAN.name, PETR.name}


async def test_snooze_wakes_at_its_time_and_pings(db: str) -> None:
    desk = SlaDesk()
    ticket = await desk.customer_writes()
    await desk.operator_writes("Let me check")
    bad = await snooze(desk.ctx, IVAN, desk.thread, "someday")
    assert not bad.ok and (await Ticket.get(id=ticket.id)).status != TicketStatus.WAITING
    done = await snooze(desk.ctx, IVAN, desk.thread, "in 2h")
    assert done.ok
    slept = await Ticket.get(id=ticket.id)
    assert slept.status == TicketStatus.WAITING and slept.snoozed_until == done.until
    desk.advance(hours=2)
    assert await fire(desk) == ["snooze_wake"]
    woke = await Ticket.get(id=ticket.id)
    assert woke.status == TicketStatus.OPEN and woke.snoozed_until is None
    status = await Event.filter(ticket_id=ticket.id, kind=EventKind.STATUS).order_by("-id").first()
    assert status is not None and status.actor_label == "desk"
    logged = await kinds(ticket)
    assert EventKind.SNOOZED in logged and EventKind.WOKE in logged
    assert await OutboxItem.filter(operation="notice").count() >= 1


async def test_a_customer_message_wakes_early_and_a_manual_change_ends_the_snooze(
    db: str,
) -> None:
    desk = SlaDesk()
    ticket = await desk.customer_writes()
    assert (await snooze(desk.ctx, IVAN, desk.thread, "tomorrow 10:00")).ok
    desk.advance(minutes=10)
    await desk.customer_writes("any news?")
    woke = await Ticket.get(id=ticket.id)
    assert woke.status == TicketStatus.OPEN and woke.snoozed_until is None
    event = await Event.filter(ticket_id=ticket.id, kind=EventKind.WOKE).get()
    assert event.data["by"] == "customer"
    assert not await Deadline.filter(key=f"snooze:{ticket.id}", fired_at__isnull=True).exists()
    assert (await snooze(desk.ctx, IVAN, desk.thread, "in 1h")).ok
    await desk.set_status(TicketStatus.OPEN)
    assert (await Ticket.get(id=ticket.id)).snoozed_until is None
    assert not await Deadline.filter(key=f"snooze:{ticket.id}", fired_at__isnull=True).exists()
    desk.advance(hours=2)
    assert await fire(desk) == []
