"""Storage rows of the delivery machinery: the outbox and the stored cursors.

See :mod:`core.outbox` for how the outbox is worked; these are only the rows.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from core.enums import DestinationKind, OutboxStatus
from core.models.relay import Message, utcnow

__all__ = ["ChannelCursor", "DestinationKind", "OutboxItem", "OutboxStatus"]


class OutboxItem(Model):
    """One durable outbound call waiting to be made (the outbox).

    Written in the same transaction as the domain change that causes it, so a committed
    change is never without its side effects. Items are sent FIFO per ``destination``
    (``tg:private:<chat>``, ``tg:group:<chat>``, ``vk:<peer>``), within the rate budget of
    the ``destination_kind``. ``not_before`` delays the item (Telegram ``retry_after`` or a
    backoff after a network error). Items with the same ``coalesce_key`` (a card edit,
    a topic rename) supersede each other: only the newest one needs sending.
    ``operation`` names what to do (``mirror_message``, ``deliver_reply``, ``edit_card``,
    ``rename_topic`` …) and ``payload`` carries its arguments.
    """

    id = fields.BigIntField(primary_key=True)
    destination = fields.CharField(max_length=128)
    destination_kind = fields.CharEnumField(DestinationKind, max_length=32)
    # The chat whose flood budget a send spends (several queues may share one chat:
    # every topic of the operator group spends the group's budget).
    budget_key = fields.CharField(max_length=128, default="")
    operation = fields.CharField(max_length=64)
    payload: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    status = fields.CharEnumField(OutboxStatus, max_length=16, default=OutboxStatus.PENDING)
    attempts = fields.IntField(default=0)
    not_before = fields.DatetimeField(default=utcnow)
    coalesce_key = fields.CharField(max_length=128, null=True)
    message: fields.ForeignKeyNullableRelation[Message] = fields.ForeignKeyField(
        "botdesk.Message", related_name="outbox_items", null=True, on_delete=fields.SET_NULL
    )
    message_id: int | None
    last_error = fields.TextField(null=True)
    #: the process that claimed the item (its ``instance:<name>`` lease says if it lives)
    claimed_by = fields.CharField(max_length=128, null=True)
    created_at = fields.DatetimeField(default=utcnow)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "outbox"
        indexes = (
            # head of each destination's queue: WHERE status=… AND destination=… ORDER BY id
            ("status", "destination", "id"),
            # the nearest wake-up: WHERE status='pending' ORDER BY not_before
            ("status", "not_before"),
            # superseding older items of the same card/topic
            ("coalesce_key", "status"),
        )

    def __str__(self) -> str:
        return f"OutboxItem({self.id}, {self.destination}, {self.operation}, {self.status})"


class ChannelCursor(Model):
    """A named piece of state that must survive restarts (key → text).

    For example the VK long-poll ``ts`` (``name="vk:longpoll:<group>"``) or the last
    processed Telegram ``update_id``.
    """

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=128, unique=True)
    value = fields.TextField(default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "channel_cursors"

    def __str__(self) -> str:
        return f"ChannelCursor({self.name}={self.value!r})"
