"""Storage rows of botdesk (tortoise-orm models).

These classes are the persistence layer only: core functions load rows, apply the rules
and hand frozen entities (``core.entities``) across the boundary, never these rows.

Conventions:

* Every table name is explicit; the schema is created and changed only by migrations
  under ``core/migrations`` (see ``core.db``).
* Every enum is a ``StrEnum`` stored as its value in a ``CharEnumField``; values are
  part of the schema and of logs, so they never change once released.
* Times are timezone-aware and in UTC. Domain times (``opened_at``, ``created_at`` of a
  message, ``not_before`` …) are passed in by core from its injected clock; the
  ``default`` here is only a fallback. Always store UTC: SQLite keeps datetimes as ISO
  text and compares them as text, which is only correct when every value has the same
  ``+00:00`` offset.
* The first line of a model docstring becomes the table comment in the migration: keep
  it free of ``;`` (tortoise's SQLite schema editor splits DDL on every semicolon, even
  inside a comment).
* External ids (Telegram user/chat/message ids, VK peer ids) are ``BIGINT``: Telegram
  chat ids of supergroups exceed 32 bits.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise import fields
from tortoise.models import Model

from core.enums import (
    ACTIVE_TICKET_STATUSES,
    Channel,
    DeliveryState,
    MessageDirection,
    MessageKind,
    OperatorPresence,
    OperatorRole,
    ResponseKind,
    TicketPriority,
    TicketStatus,
)

__all__ = [
    "ACTIVE_TICKET_STATUSES",
    "Channel",
    "Conversation",
    "Customer",
    "DeliveryState",
    "Message",
    "MessageDirection",
    "MessageKind",
    "Operator",
    "OperatorPresence",
    "OperatorRole",
    "ResponseKind",
    "Ticket",
    "TicketPriority",
    "TicketStatus",
    "utcnow",
]


def utcnow() -> datetime:
    """Fallback default for time columns: the current time, aware, in UTC."""
    return datetime.now(UTC)


# -------------------------------------------------------------------------- models


class Operator(Model):
    """A Telegram user who works in the operator group.

    One row per person, keyed by the Telegram user id. ``capacity`` is how many active
    tickets auto-assignment may give them (NULL: ``DEFAULT_CAPACITY``); ``languages``
    lists the language codes they answer in (``["en", "ru"]``, empty: any).

    ``presence`` is online, away or offline (/online, /away, /offline); ``on_shift`` is
    kept equal to "online" by the one function that sets presence, for the queries that
    predate presence. ``last_assigned_at`` is when auto-assignment last gave them a
    ticket: round robin picks the online operator with the oldest one.
    """

    id = fields.IntField(primary_key=True)
    telegram_id = fields.BigIntField(unique=True)
    name = fields.CharField(max_length=255)
    username = fields.CharField(max_length=64, null=True)
    role = fields.CharEnumField(OperatorRole, max_length=16, default=OperatorRole.AGENT)
    on_shift = fields.BooleanField(default=False)
    capacity = fields.IntField(null=True)
    presence = fields.CharEnumField(
        OperatorPresence, max_length=16, default=OperatorPresence.OFFLINE
    )
    last_assigned_at = fields.DatetimeField(null=True)
    languages: fields.Field[list[str]] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(default=utcnow)
    last_seen_at = fields.DatetimeField(null=True)

    tickets: fields.ReverseRelation[Ticket]
    messages: fields.ReverseRelation[Message]

    class Meta:
        table = "operators"

    def __str__(self) -> str:
        return f"Operator({self.telegram_id}, {self.name!r}, {self.role})"


class Customer(Model):
    """One person on one channel: a Telegram user or a VK peer.

    The same human writing from Telegram and from VK is two customers. ``is_blocked`` means
    the customer blocked the bot (or disallowed messages from the community), so nothing
    can be delivered; ``is_banned`` means the desk ignores them.
    """

    id = fields.IntField(primary_key=True)
    channel = fields.CharEnumField(Channel, max_length=16)
    external_id = fields.BigIntField()
    first_name = fields.CharField(max_length=255, default="")
    last_name = fields.CharField(max_length=255, default="")
    username = fields.CharField(max_length=64, null=True)
    language = fields.CharField(max_length=16, default="en")
    is_blocked = fields.BooleanField(default=False)
    is_banned = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(default=utcnow)
    updated_at = fields.DatetimeField(auto_now=True)

    conversation: fields.BackwardOneToOneRelation[Conversation]

    class Meta:
        table = "customers"
        unique_together = (("channel", "external_id"),)

    def __str__(self) -> str:
        return f"Customer({self.channel}:{self.external_id})"


class Conversation(Model):
    """The continuous chat between the desk and one customer, never closed for good.

    Exactly one per customer, with exactly one forum topic in the operator group
    (``message_thread_id`` stays NULL until the topic has been created). ``chat_id`` is
    where replies go: the Telegram private chat id or the VK peer id.
    """

    id = fields.IntField(primary_key=True)
    customer: fields.OneToOneRelation[Customer] = fields.OneToOneField(
        "botdesk.Customer", related_name="conversation", on_delete=fields.CASCADE
    )
    customer_id: int
    channel = fields.CharEnumField(Channel, max_length=16)
    chat_id = fields.BigIntField()
    message_thread_id = fields.BigIntField(null=True, db_index=True)
    topic_title = fields.CharField(max_length=128, default="")
    created_at = fields.DatetimeField(default=utcnow)

    tickets: fields.ReverseRelation[Ticket]
    messages: fields.ReverseRelation[Message]

    class Meta:
        table = "conversations"
        unique_together = (("channel", "chat_id"),)

    def __str__(self) -> str:
        return f"Conversation({self.channel}:{self.chat_id}, topic={self.message_thread_id})"


class Ticket(Model):
    """One request inside a conversation ("обращение"), shown as ``#<number>``.

    The primary key *is* the ticket number: the database assigns it atomically on both
    SQLite and PostgreSQL, it is unique and increasing, and it needs no counter row that
    concurrent instances would fight over. Gaps (a rolled-back insert) are harmless.

    A conversation holds many tickets over time; at most one of them is active
    (``new``/``open``/``waiting``). That is a rule kept by ``core.tickets``, not a database
    constraint. ``card_message_id`` is the id of the ticket card in the topic.
    """

    id = fields.IntField(primary_key=True)
    conversation: fields.ForeignKeyRelation[Conversation] = fields.ForeignKeyField(
        "botdesk.Conversation", related_name="tickets", on_delete=fields.CASCADE
    )
    conversation_id: int
    status = fields.CharEnumField(TicketStatus, max_length=16, default=TicketStatus.NEW)
    priority = fields.CharEnumField(TicketPriority, max_length=16, default=TicketPriority.NORMAL)
    assignee: fields.ForeignKeyNullableRelation[Operator] = fields.ForeignKeyField(
        "botdesk.Operator", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    assignee_id: int | None
    tags: fields.Field[list[str]] = fields.JSONField(default=list)
    opened_at = fields.DatetimeField(default=utcnow)
    first_response_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    csat_score = fields.SmallIntField(null=True)
    csat_comment = fields.TextField(null=True)
    # The customer rated and was asked for a comment: their next text is that comment.
    csat_comment_pending = fields.BooleanField(default=False)
    card_message_id = fields.BigIntField(null=True)
    # The SLA targets of the ticket's priority, copied when they are applied (at creation
    # and at a priority change): {"priority", "first_response", "next_response",
    # "resolution" (seconds or null), "business_hours", "warn_before" | "warn_percent"}.
    # NULL: a ticket from before SLA clocks existed, which has none.
    sla_targets: fields.Field[dict[str, Any] | None] = fields.JSONField(null=True)
    # When the oldest customer message still without an operator reply arrived (NULL:
    # nothing waits). Arms next response; /stale reads it.
    awaiting_reply_since = fields.DatetimeField(null=True)
    # The off-hours reply went out for this ticket (it is sent once per ticket).
    off_hours_replied_at = fields.DatetimeField(null=True)
    # When the current assignee got the ticket (reassign_after counts from it).
    assigned_at = fields.DatetimeField(null=True)
    # /snooze: the ticket waits until then, and wakes (open again) at that time.
    snoozed_until = fields.DatetimeField(null=True)
    # The desk reminded the waiting customer ([waiting] nudge_after); reset when they write.
    nudged_at = fields.DatetimeField(null=True)
    # Names of the automation rules that have acted on this ticket (each acts once).
    rules_fired: fields.Field[list[str]] = fields.JSONField(default=list)
    # Measures for reports, stored when they happen (core.timers.measures): seconds from
    # opening to the first reply, in calendar time and in the desk's business hours …
    first_response_seconds = fields.IntField(null=True)
    first_response_business_seconds = fields.IntField(null=True)
    # … the time it spent paused (waiting on the customer, or resolved before a reopen),
    # NULL on tickets from before measures existed, which get no resolution time …
    paused_since = fields.DatetimeField(null=True)
    paused_seconds = fields.IntField(null=True, default=0)
    paused_business_seconds = fields.IntField(null=True, default=0)
    # … and from opening to its (latest) resolution, the paused time left out.
    resolution_seconds = fields.IntField(null=True)
    resolution_business_seconds = fields.IntField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    messages: fields.ReverseRelation[Message]

    class Meta:
        table = "tickets"
        indexes = (
            ("conversation_id", "status"),
            ("status", "priority"),
            ("assignee_id", "status"),
            ("status", "awaiting_reply_since"),
            ("opened_at",),  # reports: tickets opened in a period
            # reports: the backlog at a moment, the active tickets read from the index alone
            ("status", "opened_at", "assignee_id"),
            # reports: tickets resolved, or closed without resolving (resolved_at NULL), in
            # a period, read from the index alone for every figure but the splits
            (
                "resolved_at",
                "closed_at",
                "status",
                "assignee_id",
                "csat_score",
                "resolution_seconds",
                "resolution_business_seconds",
            ),
        )

    @property
    def number(self) -> int:
        """The number shown to people as ``#123``."""
        return int(self.id)

    def __str__(self) -> str:
        return f"Ticket(#{self.id}, {self.status}, {self.priority})"


class Message(Model):
    """One inbound, outbound or note message of a conversation, with its ids on every side.

    * ``customer_chat_id``/``customer_message_id``: the message in the customer's chat
      (for an outbound message: the copy delivered to the customer; NULL until delivered;
      always NULL for a note).
    * ``group_message_id``: the message in the operator topic (the mirror of an inbound
      message, or the operator's own message for outbound and notes).

    (channel, customer_chat_id, customer_message_id) is unique: a redelivered inbound
    update is recognised and ignored. NULL ids never collide (on SQLite and PostgreSQL
    NULLs are distinct in a unique constraint), so any number of undelivered outbound
    messages and notes can exist.

    ``delivery_state`` tells whether the message reached the other side: the topic for
    an inbound message, the customer for an outbound one.
    """

    id = fields.BigIntField(primary_key=True)
    conversation: fields.ForeignKeyRelation[Conversation] = fields.ForeignKeyField(
        "botdesk.Conversation", related_name="messages", on_delete=fields.CASCADE
    )
    conversation_id: int
    ticket: fields.ForeignKeyNullableRelation[Ticket] = fields.ForeignKeyField(
        "botdesk.Ticket", related_name="messages", null=True, on_delete=fields.SET_NULL
    )
    ticket_id: int | None
    direction = fields.CharEnumField(MessageDirection, max_length=16)
    kind = fields.CharEnumField(MessageKind, max_length=16, default=MessageKind.TEXT)
    # Nullable text columns are typed as such (tortoise types every TextField as str).
    text: str | None = fields.TextField(null=True)
    # The same text with its formatting as Telegram HTML (NULL: no formatting).
    html: str | None = fields.TextField(null=True)
    attachments: fields.Field[list[dict[str, Any]]] = fields.JSONField(default=list)
    channel = fields.CharEnumField(Channel, max_length=16)
    customer_chat_id = fields.BigIntField()
    customer_message_id = fields.BigIntField(null=True)
    group_message_id = fields.BigIntField(null=True, db_index=True)
    reply_to: fields.ForeignKeyNullableRelation[Message] = fields.ForeignKeyField(
        "botdesk.Message", related_name="replies", null=True, on_delete=fields.SET_NULL
    )
    reply_to_id: int | None
    album_id = fields.CharField(max_length=64, null=True)
    author: fields.ForeignKeyNullableRelation[Operator] = fields.ForeignKeyField(
        "botdesk.Operator", related_name="messages", null=True, on_delete=fields.SET_NULL
    )
    author_id: int | None
    created_at = fields.DatetimeField(default=utcnow)
    edited_at = fields.DatetimeField(null=True)
    delivery_state = fields.CharEnumField(
        DeliveryState, max_length=16, default=DeliveryState.PENDING
    )
    delivery_error = fields.TextField(null=True)
    # An operator reply that answered a waiting customer: first or next response, and
    # how long the customer had waited (calendar and business seconds), for reports.
    response_kind = fields.CharEnumField(ResponseKind, max_length=8, null=True)
    response_seconds = fields.IntField(null=True)
    response_business_seconds = fields.IntField(null=True)

    replies: fields.ReverseRelation[Message]
    # ``outbox_items`` (the outbox rows sending this message) is added by tortoise from
    # ``OutboxItem.message``; it is not declared here because the outbox rows build on
    # these rows, and this module must not know them back (no import circle).

    class Meta:
        table = "messages"
        unique_together = (("channel", "customer_chat_id", "customer_message_id"),)
        indexes = (
            ("conversation_id", "created_at"),
            ("ticket_id", "created_at"),
            # reports: the replies of a period, read from the index alone (covering)
            (
                "direction",
                "created_at",
                "author_id",
                "delivery_state",
                "response_kind",
                "response_seconds",
                "response_business_seconds",
                "ticket_id",
                "album_id",
            ),
        )

    def __str__(self) -> str:
        return f"Message({self.id}, {self.direction}, {self.kind})"
