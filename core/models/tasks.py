"""Storage rows of follow-up tasks: promises with a time ("call back tomorrow at 10").

See :mod:`core.tickets.tasks` for how they are created, reminded and done; this is the row.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.models.relay import Operator, Ticket, utcnow

__all__ = ["TASK_TEXT_MAX", "Task"]

#: the longest task text kept (a reminder must stay one readable message)
TASK_TEXT_MAX = 1000


class Task(Model):
    """A follow-up an operator owes at ``due_at``, linked to a ticket or personal.

    ``ticket`` is NULL for a personal task (created in General). ``owner`` gets the
    reminder; ``created_by`` wrote it (the same person unless a senior assigned it).
    ``done_at`` is set by Done and ends the task; ``reminded_at`` is when its reminder was
    posted (a task moved by +1 h or Tomorrow is reminded again, so it is cleared then).
    ``prompt_message_id`` is the bot's answer with the ✓ / ✏ buttons, edited in place
    (after ✏, the question asking for a new time, which a reply answers).
    ``source_message_id`` is the ``/task`` command's message: one command, one task.
    The reminder itself is a deadline with key ``task:<id>``.
    """

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyNullableRelation[Ticket] = fields.ForeignKeyField(
        "botdesk.Ticket", related_name="tasks", null=True, on_delete=fields.CASCADE
    )
    ticket_id: int | None
    owner: fields.ForeignKeyRelation[Operator] = fields.ForeignKeyField(
        "botdesk.Operator", related_name="tasks", on_delete=fields.CASCADE
    )
    owner_id: int
    created_by: fields.ForeignKeyNullableRelation[Operator] = fields.ForeignKeyField(
        "botdesk.Operator", related_name="tasks_created", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    text = fields.CharField(max_length=TASK_TEXT_MAX)
    due_at = fields.DatetimeField()
    done_at = fields.DatetimeField(null=True)
    reminded_at = fields.DatetimeField(null=True)
    prompt_message_id = fields.BigIntField(null=True)
    # the /task command's own message in the group: a redelivered update finds its task
    source_message_id = fields.BigIntField(null=True, unique=True)
    created_at = fields.DatetimeField(default=utcnow)

    class Meta:
        table = "tasks"
        indexes = (
            # /tasks: an owner's open tasks by due time
            ("owner_id", "done_at", "due_at"),
            # the card's next task: a ticket's open tasks by due time
            ("ticket_id", "done_at", "due_at"),
        )

    def __str__(self) -> str:
        return f"Task({self.id}, #{self.ticket_id}, due {self.due_at})"
