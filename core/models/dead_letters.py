"""Storage rows of updates set aside after their handling failed (the dead letters).

See :mod:`core.intake.dead_letters` for how they are written, listed and replayed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from core.enums import Channel
from core.models.relay import utcnow

__all__ = ["DeadLetter", "DeadLetterStatus"]


class DeadLetterStatus(StrEnum):
    """``set_aside`` waits for a fix and a replay; ``replayed`` went through afterwards."""

    SET_ASIDE = "set_aside"
    REPLAYED = "replayed"


class DeadLetter(Model):
    """An update whose handling failed repeatedly, kept so that it can be replayed.

    ``update_id`` is the channel's own id of the update as text (Telegram's
    ``update_id``, VK's ``event_id``); ``payload`` is the raw update exactly as it came,
    so a replay after a fix handles what the messenger sent and not our reading of it.
    ``error`` holds the exception type and message of the last attempt.
    """

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharEnumField(Channel, max_length=16)
    update_id = fields.CharField(max_length=64)
    payload: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    error = fields.TextField()
    attempts = fields.IntField(default=0)
    status = fields.CharEnumField(
        DeadLetterStatus, max_length=16, default=DeadLetterStatus.SET_ASIDE
    )
    created_at = fields.DatetimeField(default=utcnow)
    replayed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "dead_letters"
        # a redelivered update finds the letter it already has
        indexes = (("channel", "update_id"),)

    def __str__(self) -> str:
        return f"DeadLetter({self.id}, {self.channel}, {self.update_id}, {self.status})"
