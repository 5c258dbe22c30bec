"""Follow-up tasks: ``/task <when> <text>``, its ✓ / ✏ answer and its reminder's buttons.

A task is created at once in the command's topic (linked to that topic's ticket) or in
General (a personal task), owned by whoever wrote the command; the reminder is the
deadline ``task:<id>`` (kind :data:`TASK_REMINDER`), fired once by the scheduler even
across restarts. A redelivered command finds the task it made (``source_message_id``).

Buttons: ✓ keeps the task as read, ✏ asks for a new time (a reply to that question moves
it), and on the reminder Done, +1 h and Tomorrow. Only the owner may press them, or
someone with :attr:`~core.staff.permissions.Action.OTHERS_TASKS` (seniors and above);
anyone else is refused, recorded and logged. Every change is an event (``TASK_*``) and
refreshes the ticket's card, which shows the ticket's next open task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import OperatorProfile
from core.enums import EventKind, OperatorRole
from core.messaging.usecase import atomically
from core.models import Conversation, Operator, Task, Ticket
from core.models.tasks import TASK_TEXT_MAX
from core.staff.events import record
from core.staff.operators import refuse, upsert_operator
from core.staff.permissions import Action, allowed
from core.tickets.card_refresh import queue_refresh
from core.tickets.task_time import Unread, read_phrase, read_time, rearm, tomorrow_at
from core.timers.deadlines import cancel

#: the deadline kind of a task's reminder
TASK_REMINDER = "task_reminder"
#: how far +1 h moves a reminded task
ONE_HOUR = timedelta(hours=1)
#: how much of a task's text an event keeps (the task row has all of it)
EVENT_TEXT = 200
#: at most nine digits: a forged id beyond the INT column would fail the query, not refuse
_PRESS = re.compile(r"task-(keep|edit|done|hour|tomorrow):([0-9]{1,9})")


class TaskAct(StrEnum):
    """What a task's button does."""

    KEEP = "keep"  # ✓ under the answer to /task
    EDIT = "edit"  # ✏ under it: ask for a new time
    DONE = "done"  # on the reminder
    HOUR = "hour"  # +1 h
    TOMORROW = "tomorrow"


class TaskProblem(StrEnum):
    """Why a task request changed nothing."""

    UNREADABLE = "unreadable"
    PAST = "past"
    NO_TEXT = "no_text"
    TOO_LONG = "too_long"
    NOT_ALLOWED = "not_allowed"
    NO_TASK = "no_task"
    FINISHED = "finished"  # done already


@dataclass(frozen=True, slots=True)
class TaskResult:
    """A task as it is after a request, or the problem that stopped the request."""

    problem: TaskProblem | None = None
    task_id: int | None = None
    text: str = ""
    due_at: datetime | None = None
    owner_name: str = ""
    done: bool = False
    #: a redelivered /task whose answer is in the group already: nothing to say again
    answered: bool = False


def task_key(task_id: int) -> str:
    """The deadline key of a task's reminder."""
    return f"task:{task_id}"


def press_data(act: TaskAct, task_id: int) -> str:
    """The callback data of a task button (see :func:`parse_press`)."""
    return f"task-{act}:{task_id}"


def parse_press(data: str) -> tuple[TaskAct, int] | None:
    """A task button's data read back, or None for anything else (it comes from outside)."""
    found = _PRESS.fullmatch(data)
    return (TaskAct(found.group(1)), int(found.group(2))) if found else None


def _result(task: Task, owner: Operator) -> TaskResult:
    return TaskResult(
        task_id=task.id,
        text=task.text,
        due_at=task.due_at,
        owner_name=owner.name,
        done=task.done_at is not None,
    )


async def _ticket_in_topic(connection: BaseDBAsyncClient, thread_id: int) -> Ticket | None:
    """The newest ticket of the conversation whose topic is ``thread_id``."""
    conversation = (
        await Conversation.filter(message_thread_id=thread_id).using_db(connection).first()
    )
    if conversation is None:
        return None
    rows = Ticket.filter(conversation_id=conversation.id).using_db(connection)
    return await rows.order_by("-id").first()


async def _changed(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    task: Task,
    kind: EventKind,
    actor: Operator,
    now: datetime,
    **data: object,
) -> None:
    """Record ``kind`` for ``task`` (on its ticket, if any) and refresh that ticket's card."""
    ticket = None
    if task.ticket_id is not None:
        ticket = await Ticket.filter(id=task.ticket_id).using_db(connection).first()
    details = {"task": task.id, "text": task.text[:EVENT_TEXT], **data}
    await record(
        connection,
        kind=kind,
        ticket_id=ticket.id if ticket else None,
        conversation_id=ticket.conversation_id if ticket else None,
        actor_id=actor.id,
        data=details,
        now=now,
    )
    if ticket is not None:
        await queue_refresh(connection, ctx, ticket)


async def create_task(
    ctx: DeskContext,
    actor: OperatorProfile,
    thread_id: int | None,
    text: str,
    source_message_id: int,
) -> TaskResult:
    """``/task <when> <text>`` written in topic ``thread_id`` (None: General).

    In a conversation's topic the task is the ticket's; anywhere else it is personal.
    Nothing is created for an unreadable or past time, or an empty or too long text.
    """
    now = ctx.clock.now()
    phrase = read_phrase(text, now, ctx.calendar)
    if phrase.when is None:
        problem = TaskProblem.PAST if phrase.unread is Unread.PAST else TaskProblem.UNREADABLE
        return TaskResult(problem=problem)
    words = " ".join(phrase.when.rest.split())
    if not words:
        return TaskResult(problem=TaskProblem.NO_TEXT)
    if len(words) > TASK_TEXT_MAX:
        return TaskResult(problem=TaskProblem.TOO_LONG)

    async def work(connection: BaseDBAsyncClient) -> TaskResult:
        me = await upsert_operator(connection, actor, now, admins=ctx.admin_ids)
        known = Task.filter(source_message_id=source_message_id).using_db(connection)
        if (task := await known.first()) is not None:  # a redelivered command
            return replace(_result(task, me), answered=task.prompt_message_id is not None)
        ticket = await _ticket_in_topic(connection, thread_id) if thread_id else None
        task = await Task.create(
            using_db=connection,
            ticket_id=ticket.id if ticket else None,
            owner_id=me.id,
            created_by_id=me.id,
            text=words,
            due_at=phrase.when.at if phrase.when else now,
            source_message_id=source_message_id,
            created_at=now,
        )
        await rearm(connection, task_key(task.id), TASK_REMINDER, task.due_at, {"task": task.id})
        await _changed(
            connection, ctx, task, EventKind.TASK_CREATED, me, now, due=task.due_at.isoformat()
        )
        return _result(task, me)

    result = await atomically(work)
    ctx.wake()
    return result


async def remember_prompt(task_id: int, message_id: int) -> None:
    """The bot's message about task ``task_id`` (its answer, or the ✏ question) is this."""
    await Task.filter(id=task_id).update(prompt_message_id=message_id)


async def task_asked_at(message_id: int) -> int | None:
    """The open task whose ✏ question is the group message ``message_id``, if any."""
    task = await Task.filter(prompt_message_id=message_id, done_at__isnull=True).first()
    return task.id if task is not None else None


async def press_task(
    ctx: DeskContext, actor: OperatorProfile, act: TaskAct, task_id: int
) -> TaskResult:
    """A task button pressed: check who pressed it, then do what it says.

    ✓ and ✏ change nothing here (✏'s question is asked by the caller, the reply comes to
    :func:`move_task`); Done finishes the task; +1 h and Tomorrow move it.
    """
    now = ctx.clock.now()
    if act is TaskAct.HOUR:
        return await _change(ctx, actor, task_id, now + ONE_HOUR)
    if act is TaskAct.TOMORROW:
        return await _change(ctx, actor, task_id, tomorrow_at(now, ctx.calendar))
    if act is TaskAct.DONE:
        return await _change(ctx, actor, task_id, None)
    return await _change(ctx, actor, task_id, None, look_only=True)


async def move_task(
    ctx: DeskContext, actor: OperatorProfile, task_id: int, phrase: str
) -> TaskResult:
    """A reply to the ✏ question: the task moves to the time ``phrase`` names."""
    at = read_time(" ".join(phrase.split()), ctx.clock.now(), ctx.calendar)
    if isinstance(at, Unread):
        problem = TaskProblem.PAST if at is Unread.PAST else TaskProblem.UNREADABLE
        return TaskResult(problem=problem, task_id=task_id)
    return await _change(ctx, actor, task_id, at)


async def _change(
    ctx: DeskContext,
    actor: OperatorProfile,
    task_id: int,
    due_at: datetime | None,
    *,
    look_only: bool = False,
) -> TaskResult:
    """Move task ``task_id`` to ``due_at`` (None: it is done), or only vet the presser."""

    async def work(connection: BaseDBAsyncClient) -> TaskResult:
        now = ctx.clock.now()
        me = await upsert_operator(connection, actor, now, admins=ctx.admin_ids)
        task = await Task.filter(id=task_id).using_db(connection).first()
        if task is None:
            return TaskResult(problem=TaskProblem.NO_TASK)
        owner = await Operator.filter(id=task.owner_id).using_db(connection).get()
        if owner.id != me.id and not allowed(OperatorRole(me.role), Action.OTHERS_TASKS):
            details = {"task": task.id, "owner": owner.telegram_id}
            await refuse(connection, me, Action.OTHERS_TASKS, now, details=details)
            return replace(_result(task, owner), problem=TaskProblem.NOT_ALLOWED)
        if task.done_at is not None:
            return replace(_result(task, owner), problem=TaskProblem.FINISHED)
        if look_only:
            return _result(task, owner)
        if due_at is None:
            task.done_at = now
            await task.save(using_db=connection, update_fields=["done_at"])
            await cancel(connection, task_key(task.id))
            await _changed(connection, ctx, task, EventKind.TASK_DONE, me, now)
            return _result(task, owner)
        old = task.due_at
        task.due_at, task.reminded_at = due_at, None
        await task.save(using_db=connection, update_fields=["due_at", "reminded_at"])
        await rearm(connection, task_key(task.id), TASK_REMINDER, due_at, {"task": task.id})
        await _changed(
            connection,
            ctx,
            task,
            EventKind.TASK_MOVED,
            me,
            now,
            old=old.isoformat(),
            new=due_at.isoformat(),
        )
        return _result(task, owner)

    result = await atomically(work)
    if result.problem is None and not look_only:
        ctx.wake()
    return result


async def remind(connection: BaseDBAsyncClient, task_id: int, now: datetime) -> Task | None:
    """The reminder of task ``task_id`` falls due: mark it reminded, record it.

    Runs in the scheduler's claim. Returns the task to remind, or None when it is done,
    gone, reminded already or moved to a later time since the deadline was set.
    """
    task = await Task.filter(id=task_id).using_db(connection).first()
    if task is None or task.done_at is not None or task.reminded_at is not None:
        return None
    if task.due_at > now:  # moved later; its own deadline will come
        return None
    task.reminded_at = now
    await task.save(using_db=connection, update_fields=["reminded_at"])
    ticket = await Ticket.filter(id=task.ticket_id).using_db(connection).first()
    await record(
        connection,
        kind=EventKind.TASK_REMINDED,
        ticket_id=ticket.id if ticket else None,
        conversation_id=ticket.conversation_id if ticket else None,
        data={"task": task.id, "text": task.text[:EVENT_TEXT]},
        now=now,
    )
    return task
