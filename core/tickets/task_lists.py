"""``/tasks`` and ``/tasks all``: the open follow-up tasks, overdue first.

Each line knows its due time, its text, whose it is and the topic of its ticket (a
personal task has none), so the operator group links every line to where the work is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.models import Conversation, Operator, Task, Ticket

#: the most lines one list shows (the oldest due first: what matters most is at the top)
LIST_LIMIT = 50


@dataclass(frozen=True, slots=True)
class TaskLine:
    """One open task as a list shows it."""

    task_id: int
    due_at: datetime
    text: str
    overdue: bool
    owner: str
    ticket_number: int | None = None
    thread_id: int | None = None


async def open_tasks(owner_telegram_id: int | None, now: datetime) -> tuple[list[TaskLine], int]:
    """The open tasks of one operator (None: everyone's), by due time, and how many in all.

    Sorting by due time puts the overdue ones first; each is marked.
    """
    query = Task.filter(done_at__isnull=True)
    if owner_telegram_id is not None:
        owner = await Operator.filter(telegram_id=owner_telegram_id).first()
        if owner is None:
            return [], 0
        query = query.filter(owner_id=owner.id)
    total = await query.count()
    tasks = await query.order_by("due_at", "id").limit(LIST_LIMIT)
    owners = {o.id: o.name for o in await Operator.filter(id__in={t.owner_id for t in tasks})}
    ticket_ids = {t.ticket_id for t in tasks if t.ticket_id is not None}
    tickets = {t.id: t for t in await Ticket.filter(id__in=ticket_ids)}
    conversation_ids = {t.conversation_id for t in tickets.values()}
    threads = {
        c.id: c.message_thread_id for c in await Conversation.filter(id__in=conversation_ids)
    }
    lines = []
    for task in tasks:
        ticket = tickets.get(task.ticket_id) if task.ticket_id is not None else None
        thread = threads.get(ticket.conversation_id) if ticket is not None else None
        lines.append(
            TaskLine(
                task_id=task.id,
                due_at=task.due_at,
                text=task.text,
                overdue=task.due_at <= now,
                owner=owners.get(task.owner_id, ""),
                ticket_number=ticket.number if ticket is not None else None,
                thread_id=int(thread) if thread is not None else None,
            )
        )
    return lines, total
