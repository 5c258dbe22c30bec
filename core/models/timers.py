"""Storage rows of time: deadlines the scheduler fires, and the SLA clocks of tickets.

See :mod:`core.timers` for how they are worked; these are only the rows.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from core.enums import SlaClock, SlaOutcome
from core.models.relay import Ticket, utcnow

__all__ = ["Deadline", "SlaClock", "SlaOutcome", "TicketClock"]


class Deadline(Model):
    """A moment at which the desk must act, kept until it has fired.

    An SLA warning or breach, a task reminder, a snooze wake-up, a digest. ``key`` names
    the deadline uniquely (``sla:12:first_response:1:breach``): storing the same key again
    moves its time instead of adding a second row, so firing is idempotent. ``kind``
    names the handler that fires it and ``payload`` carries its arguments. A row is
    fired once: ``fired_at`` is set in the transaction that does its work.
    """

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=128, unique=True)
    kind = fields.CharField(max_length=32)
    due_at = fields.DatetimeField()
    payload: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    fired_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField(default=utcnow)

    class Meta:
        table = "deadlines"
        # the nearest unfired deadline: WHERE fired_at IS NULL ORDER BY due_at
        indexes = (("fired_at", "due_at"),)

    def __str__(self) -> str:
        return f"Deadline({self.key}, {self.due_at})"


class TicketClock(Model):
    """One SLA clock of a ticket: its copied target, its running state and how it ended.

    ``clock`` is first response, next response or resolution; ``cycle`` counts the next
    response clocks of a ticket (1, 2 …; 1 for the other two). ``target_seconds`` and
    ``business_hours`` are copied from the policy when the clock starts, so a later
    configuration change does not rewrite history; ``warn_seconds`` is how long before
    the due time its warning fires, counted the same way.

    A running clock has ``stopped_at`` NULL. While the ticket waits for the customer the
    resolution clock is paused: ``due_at`` is NULL, ``paused_at`` says since when and
    ``spent_seconds`` holds what it had counted before (business seconds when
    ``business_hours``). ``outcome`` is set once: ``breached`` when the due time passes
    (the clock keeps running until it stops), ``hit`` when it stops in time.
    """

    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "botdesk.Ticket", related_name="clocks", on_delete=fields.CASCADE
    )
    ticket_id: int
    clock = fields.CharEnumField(SlaClock, max_length=16)
    cycle = fields.IntField(default=1)
    target_seconds = fields.IntField()
    business_hours = fields.BooleanField(default=True)
    warn_seconds = fields.IntField(default=0)
    started_at = fields.DatetimeField()
    due_at = fields.DatetimeField(null=True)
    warn_at = fields.DatetimeField(null=True)
    paused_at = fields.DatetimeField(null=True)
    spent_seconds = fields.IntField(default=0)
    stopped_at = fields.DatetimeField(null=True)
    outcome = fields.CharEnumField(SlaOutcome, max_length=16, null=True)
    warned_at = fields.DatetimeField(null=True)
    breached_at = fields.DatetimeField(null=True)

    class Meta:
        table = "sla_clocks"
        unique_together = (("ticket_id", "clock", "cycle"),)
        indexes = (
            # a ticket's running clocks (card, queues): WHERE ticket_id=… AND stopped_at IS NULL
            ("ticket_id", "stopped_at"),
            # running clocks by due time (/overdue, the queues' countdown); reports: the
            # hits of a period, read from the index alone
            ("stopped_at", "due_at", "outcome", "clock"),
            # reports: breaches in a period (counted from the index alone)
            ("breached_at", "outcome", "clock"),
        )

    def __str__(self) -> str:
        return f"TicketClock(#{self.ticket_id}, {self.clock}#{self.cycle}, due {self.due_at})"
