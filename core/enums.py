"""The domain's fixed vocabularies (statuses, kinds, roles).

Values are stored in the database and written to logs, so they never change once
released. They are plain ``StrEnum``s, shared by storage rows and entities alike.
"""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    """The messenger a customer writes from."""

    TELEGRAM = "telegram"
    VK = "vk"


class TicketStatus(StrEnum):
    """Life cycle of a ticket: new → open → waiting → resolved → closed."""

    NEW = "new"
    OPEN = "open"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"


#: Statuses of a ticket that still needs the desk (at most one per conversation).
ACTIVE_TICKET_STATUSES: tuple[TicketStatus, ...] = (
    TicketStatus.NEW,
    TicketStatus.OPEN,
    TicketStatus.WAITING,
)


class TicketPriority(StrEnum):
    """How urgent a ticket is; SLA targets are set per priority."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class SlaClock(StrEnum):
    """The three SLA clocks of a ticket; the values are the keys of a priority's table."""

    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class SlaOutcome(StrEnum):
    """How an SLA clock ended: stopped in time, or its due time passed first."""

    HIT = "hit"
    BREACHED = "breached"


class OperatorRole(StrEnum):
    """What an operator may do, from least to most privileged."""

    AGENT = "agent"
    SENIOR = "senior"
    MANAGER = "manager"
    ADMIN = "admin"


class OperatorPresence(StrEnum):
    """Whether an operator takes work now: auto-assignment gives tickets only to ``online``.

    ``away`` is still in the group (mentions reach them) but takes nothing new;
    ``offline`` is gone. Going away or offline hands their open tickets back.
    """

    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


class AssignmentMode(StrEnum):
    """``ASSIGNMENT``: how new tickets find an owner without anyone tapping Take."""

    OFF = "off"
    ROUND_ROBIN = "round_robin"  # the online operator assigned longest ago
    LEAST_LOADED = "least_loaded"  # the online operator with the fewest open tickets


class HandBack(StrEnum):
    """``HAND_BACK``: what happens to an operator's open tickets when they go away or offline."""

    REASSIGN = "reassign"  # each goes to the next eligible operator (or the queue)
    UNASSIGN = "unassign"  # each is left without an owner, for anyone to take


class MessageDirection(StrEnum):
    """Who a message goes to: from the customer, to the customer, or nobody (a note)."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"
    NOTE = "note"


class MessageKind(StrEnum):
    """The content type of a message (the main attachment, or plain text)."""

    TEXT = "text"
    PHOTO = "photo"
    VIDEO = "video"
    ANIMATION = "animation"
    DOCUMENT = "document"
    AUDIO = "audio"
    VOICE = "voice"
    VIDEO_NOTE = "video_note"
    STICKER = "sticker"
    LOCATION = "location"
    VENUE = "venue"
    CONTACT = "contact"
    DICE = "dice"
    POLL = "poll"
    OTHER = "other"


class DeliveryState(StrEnum):
    """Whether a message has reached the other side (customer chat or operator topic)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    HELD = "held"  # an operator wrote in someone else's ticket: waits for Send anyway
    DISCARDED = "discarded"  # … and the writer chose Discard


class ResponseKind(StrEnum):
    """Which response an operator reply was, as reports count it (``Message.response_kind``)."""

    FIRST = "first"  # the ticket's first reply
    NEXT = "next"  # a later reply to a customer message that waited


class DestinationKind(StrEnum):
    """Kind of an outbox destination; each kind has its own rate budget."""

    TELEGRAM_PRIVATE = "telegram_private"
    TELEGRAM_GROUP = "telegram_group"
    VK = "vk"


class OutboxStatus(StrEnum):
    """State of an outbox item.

    ``pending`` waits for its turn (and for ``not_before``); ``in_flight`` has been claimed
    by a worker; ``done`` was sent (or superseded by a newer item with the same coalesce
    key); ``failed`` ended with a permanent error or ran out of attempts.
    """

    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DONE = "done"
    FAILED = "failed"


class EventKind(StrEnum):
    """What happened to a ticket (the event log that metrics and SLA read)."""

    OPENED = "opened"
    REOPENED = "reopened"
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    STATUS = "status"
    PRIORITY = "priority"
    TAG_ADDED = "tag_added"
    TAG_REMOVED = "tag_removed"
    TEMPLATE_USED = "template_used"
    BANNED = "banned"
    UNBANNED = "unbanned"
    RATED = "rated"
    COMMENTED = "commented"
    ROLE = "role"
    REFUSED = "refused"  # an action someone was not allowed to take
    # SLA: one hit or one breach per clock (data: clock, cycle, due_at, target …); a
    # warning before the due time; due times recomputed after a priority change.
    SLA_HIT = "sla_hit"
    SLA_BREACHED = "sla_breached"
    SLA_WARNED = "sla_warned"
    SLA_RECOMPUTED = "sla_recomputed"
    # Follow-up tasks (data: task id, text, due_at …): created, its time moved, done, and
    # its reminder posted.
    TASK_CREATED = "task_created"
    TASK_MOVED = "task_moved"
    TASK_DONE = "task_done"
    TASK_REMINDED = "task_reminded"
    # Snooze: the ticket waits until data.until; it woke (data.reason: time | customer).
    SNOOZED = "snoozed"
    WOKE = "woke"
    # The desk reminded a waiting customer (data.nudge: 1 …).
    NUDGED = "nudged"
    # An operator's presence or capacity changed (data: operator, old, new).
    PRESENCE = "presence"
    CAPACITY = "capacity"
