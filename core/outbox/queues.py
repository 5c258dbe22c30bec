"""Where outbox items go: queue names, flood budgets and operation names in one place.

Every conversation has two FIFO queues: its topic in the operator group (mirrors, card,
notices — all spending the *group's* budget) and the customer's chat (deliveries). A
third queue per group carries alerts to the General topic, and a fourth the managers' place
(escalations, reports): a topic of the group, or a chat of its own with its own budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.enums import Channel, DestinationKind
from core.outbox import enqueue

# Operation names (the registry keys of the outbox worker).
OPEN_TOPIC = "open_topic"
MIRROR = "mirror"
MIRROR_EDIT = "mirror_edit"
NOTICE = "notice"
DELIVER = "deliver"
DELIVER_EDIT = "deliver_edit"
ALERT = "alert"
EDIT_CARD = "edit_card"
RENAME_TOPIC = "rename_topic"
NEW_TICKET_CARD = "new_ticket_card"
ASK_RATING = "ask_rating"
ASK_COMMENT = "ask_comment"
ACKNOWLEDGE = "acknowledge"
HOLD_PROMPT = "hold_prompt"
TO_MANAGERS = "to_managers"


@dataclass(frozen=True, slots=True)
class Queue:
    """An outbox destination: FIFO key, budget kind and the chat whose budget it spends."""

    destination: str
    kind: DestinationKind
    budget_key: str


def topic_queue(group_chat_id: int, conversation_id: int) -> Queue:
    """The queue of one conversation's topic (spends the operator group's budget)."""
    return Queue(
        f"tg:topic:{conversation_id}", DestinationKind.TELEGRAM_GROUP, f"tg:{group_chat_id}"
    )


def general_queue(group_chat_id: int) -> Queue:
    """The queue of the operator group's General topic."""
    return Queue(
        f"tg:general:{group_chat_id}", DestinationKind.TELEGRAM_GROUP, f"tg:{group_chat_id}"
    )


def managers_queue(group_chat_id: int, managers_chat_id: int | None) -> Queue:
    """The queue of the managers' place: ``managers_chat_id`` when set, else the group.

    In the group it spends the group's budget; a chat of its own spends its own (a
    positive id is someone's private chat with the bot).
    """
    chat = managers_chat_id if managers_chat_id is not None else group_chat_id
    kind = DestinationKind.TELEGRAM_PRIVATE if chat > 0 else DestinationKind.TELEGRAM_GROUP
    return Queue(f"tg:managers:{chat}", kind, f"tg:{chat}")


def customer_queue(channel: Channel, chat_id: int) -> Queue:
    """The queue of deliveries to one customer's chat."""
    if channel is Channel.VK:
        return Queue(f"vk:{chat_id}", DestinationKind.VK, f"vk:{chat_id}")
    return Queue(f"tg:private:{chat_id}", DestinationKind.TELEGRAM_PRIVATE, f"tg:{chat_id}")


async def enqueue_on(
    queue: Queue,
    operation: str,
    payload: dict[str, Any],
    *,
    now: datetime,
    using_db: BaseDBAsyncClient,
    message_id: int | None = None,
    coalesce_key: str | None = None,
) -> None:
    """Queue ``operation`` on ``queue`` inside the caller's transaction.

    With ``coalesce_key``, only the newest pending item of that key is sent (see
    :func:`core.outbox.enqueue`).
    """
    await enqueue(
        destination=queue.destination,
        kind=queue.kind,
        budget_key=queue.budget_key,
        operation=operation,
        payload=payload,
        message_id=message_id,
        coalesce_key=coalesce_key,
        now=now,
        using_db=using_db,
    )
