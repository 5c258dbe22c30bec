"""Frozen values handed across the boundary between core and the adapters.

Adapters build these from SDK objects (aiogram, vkbottle) and core hands them to the
ports; storage rows (``core.models``) never leave core. Each value carries both the
ids a message has on its own side (so Telegram can copy it without re-uploading) and
its content (so a channel that cannot copy, such as VK, can rebuild it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.enums import Channel, MessageKind, SlaClock, TicketPriority


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file or structured payload of a message (photo, voice, location …)."""

    kind: MessageKind
    file_id: str | None = None
    file_unique_id: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None
    details: dict[str, Any] = field(default_factory=dict)  # duration, emoji, lat/lon, …

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (stored in ``Message.attachments``)."""
        raw = {
            "kind": self.kind.value,
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_size": self.file_size,
            "details": self.details,
        }
        return {key: value for key, value in raw.items() if value not in (None, {})}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Attachment:
        """The inverse of :meth:`to_json`."""
        return cls(
            kind=MessageKind(data["kind"]),
            file_id=data.get("file_id"),
            file_unique_id=data.get("file_unique_id"),
            file_name=data.get("file_name"),
            mime_type=data.get("mime_type"),
            file_size=data.get("file_size"),
            details=dict(data.get("details", {})),
        )


@dataclass(frozen=True, slots=True)
class Content:
    """What a message says: its kind, its text or caption, and its attachments.

    ``text`` is plain; ``html`` is the same text with its formatting as Telegram HTML
    (already escaped), or None when the message has no formatting.
    """

    kind: MessageKind
    text: str | None = None
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()

    @property
    def is_plain_text(self) -> bool:
        """A text message without attachments (it may be merged with its neighbours)."""
        return self.kind is MessageKind.TEXT and not self.attachments


@dataclass(frozen=True, slots=True)
class CustomerProfile:
    """Who a customer is on their channel, as the adapter saw them last."""

    channel: Channel
    external_id: int
    first_name: str
    last_name: str = ""
    username: str | None = None
    language: str = "en"

    @property
    def full_name(self) -> str:
        """First and last name, or the username, or the id: never empty."""
        name = f"{self.first_name} {self.last_name}".strip()
        return name or (f"@{self.username}" if self.username else str(self.external_id))


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A customer's new message, as received by a channel adapter."""

    profile: CustomerProfile
    chat_id: int
    message_id: int
    sent_at: datetime
    content: Content
    reply_to_message_id: int | None = None  # id in the customer's chat
    album_id: str | None = None


@dataclass(frozen=True, slots=True)
class InboundEdit:
    """A customer edited one of their messages."""

    profile: CustomerProfile
    chat_id: int
    message_id: int
    edited_at: datetime
    content: Content


@dataclass(frozen=True, slots=True)
class OperatorProfile:
    """An operator as seen in the operator group."""

    telegram_id: int
    name: str
    username: str | None = None


@dataclass(frozen=True, slots=True)
class OperatorMessage:
    """Something an operator wrote in a conversation's topic (reply or note)."""

    operator: OperatorProfile
    thread_id: int
    message_id: int
    sent_at: datetime
    content: Content
    reply_to_message_id: int | None = None  # id in the operator group
    album_id: str | None = None


@dataclass(frozen=True, slots=True)
class OperatorEdit:
    """An operator edited a message in a topic."""

    operator: OperatorProfile
    thread_id: int
    message_id: int
    edited_at: datetime
    content: Content


@dataclass(frozen=True, slots=True)
class Delivery:
    """Operator messages to deliver to one customer (several for an album)."""

    channel: Channel
    chat_id: int
    source_chat_id: int  # the operator group
    source_message_ids: tuple[int, ...]
    contents: tuple[Content, ...]
    reply_to_message_id: int | None = None  # id in the customer's chat
    key: str = ""  # stable across retries of one outbox item (VK's random_id comes from it)


@dataclass(frozen=True, slots=True)
class Choice:
    """One quick-reply button under a desk message (a rating star, say)."""

    label: str
    data: str  # short, ASCII; comes back in the ChoicePress


@dataclass(frozen=True, slots=True)
class ChoicePress:
    """A customer pressed a quick-reply button the desk sent."""

    profile: CustomerProfile
    chat_id: int
    message_id: int  # the desk message that carries the buttons (0 when unknown)
    data: str


@dataclass(frozen=True, slots=True)
class DeliveryEdit:
    """An operator's edit, to apply to the copy the customer received."""

    channel: Channel
    chat_id: int
    message_id: int  # id in the customer's chat
    content: Content


@dataclass(frozen=True, slots=True)
class Mirror:
    """Customer messages to show in a topic (several for an album)."""

    thread_id: int
    channel: Channel
    source_chat_id: int  # the customer's chat
    source_message_ids: tuple[int, ...]
    contents: tuple[Content, ...]
    reply_to_message_id: int | None = None  # id in the operator group


@dataclass(frozen=True, slots=True)
class TicketCard:
    """Everything the ticket card at the top of a topic shows."""

    number: int
    status: str
    priority: str
    customer: CustomerProfile
    opened_at: datetime
    last_customer_message_at: datetime | None
    earlier_tickets: int
    assignee: str | None = None
    tags: tuple[str, ...] = ()
    csat_score: int | None = None
    csat_comment: str | None = None
    sla: CardSla | None = None  # the most urgent running SLA clock; None: nothing due
    next_task: CardTask | None = None  # the ticket's open follow-up task due first


@dataclass(frozen=True, slots=True)
class CardTask:
    """The follow-up task a ticket card shows: the open one due first."""

    text: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class CardSla:
    """The SLA clock a ticket card counts down to, as of the moment the card was read.

    ``breached`` is true once ``due_at`` has passed; ``as_of`` is when the card was read,
    so "in 12 min" is right for that moment.
    """

    clock: SlaClock
    due_at: datetime
    breached: bool
    as_of: datetime


@dataclass(frozen=True, slots=True)
class SlaAlarm:
    """An SLA warning or breach that has just fired, with what telling people needs.

    ``stage`` is ``"warning"`` (``due_at`` is ahead) or ``"breach"`` (it has passed);
    ``assignee_id`` is the operator row id of the ticket's owner (``None``: nobody).
    """

    stage: str
    ticket_id: int
    conversation_id: int
    clock: SlaClock
    cycle: int
    due_at: datetime
    priority: TicketPriority
    assignee_id: int | None
