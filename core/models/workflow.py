"""Storage rows of the operator workflow: the event log, tags and templates."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from core.enums import EventKind
from core.models.relay import Conversation, Operator, Ticket, utcnow

__all__ = ["Event", "EventKind", "Tag", "Template"]


class Event(Model):
    """Something that happened to a ticket or customer, with who did it and when.

    ``actor`` is the operator who acted (NULL: the customer or the desk itself);
    ``actor_label`` names an automatic actor: ``desk`` (auto-assignment, snooze wake-ups,
    auto-resolve) or ``rule:<name>`` (an automation rule). ``data``
    holds the details (old and new status, the tag, the template name, the rating …).
    Metrics and SLA reports are computed from these rows.
    """

    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyNullableRelation[Ticket] = fields.ForeignKeyField(
        "botdesk.Ticket", related_name="events", null=True, on_delete=fields.CASCADE
    )
    ticket_id: int | None
    conversation: fields.ForeignKeyNullableRelation[Conversation] = fields.ForeignKeyField(
        "botdesk.Conversation", related_name="events", null=True, on_delete=fields.CASCADE
    )
    conversation_id: int | None
    actor: fields.ForeignKeyNullableRelation[Operator] = fields.ForeignKeyField(
        "botdesk.Operator", related_name="events", null=True, on_delete=fields.SET_NULL
    )
    actor_id: int | None
    actor_label = fields.CharField(max_length=80, null=True)
    kind = fields.CharEnumField(EventKind, max_length=32)
    data: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(default=utcnow)

    class Meta:
        table = "events"
        indexes = (
            ("ticket_id", "created_at"),
            # a kind's events in a period; reports read their tickets from the index alone
            ("kind", "created_at", "ticket_id"),
        )

    def __str__(self) -> str:
        return f"Event({self.kind}, ticket={self.ticket_id})"


class Tag(Model):
    """A label operators may put on tickets (the list admins keep with /tag add)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=32, unique=True)
    created_at = fields.DatetimeField(default=utcnow)

    class Meta:
        table = "tags"

    def __str__(self) -> str:
        return f"Tag({self.name})"


class Template(Model):
    """A canned reply in one language (``language`` empty: for any language).

    ``text``/``html`` may hold variables such as ``{customer.first_name}``; ``attachment``
    is an optional file sent with it (an ``Attachment`` as JSON).
    """

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64)
    language = fields.CharField(max_length=8, default="")
    text: str | None = fields.TextField(null=True)
    html: str | None = fields.TextField(null=True)
    attachment: fields.Field[dict[str, Any] | None] = fields.JSONField(null=True)
    created_by: fields.ForeignKeyNullableRelation[Operator] = fields.ForeignKeyField(
        "botdesk.Operator", related_name="templates", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(default=utcnow)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "templates"
        unique_together = (("name", "language"),)

    def __str__(self) -> str:
        return f"Template({self.name!r}, {self.language or '*'})"
