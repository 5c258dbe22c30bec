"""Dead letters: updates set aside after their handling failed, and what an admin does next.

An update that keeps failing for reasons of its own (not an outage, see
:mod:`core.outages`) is stored here with the raw update, the error and the time, and
then acknowledged, so the updates behind it are handled. ``botdesk dead-letters``
lists them (:func:`recent`), replays one after a fix (:func:`find`, then
:func:`mark_replayed` when the handling went through) or drops one (:func:`drop`).

Only storage and presentation live here; the loop that decides when to give up on an
update is :mod:`core.intake.containment`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.clock import Clock, SystemClock
from core.enums import Channel
from core.models import DeadLetter, DeadLetterStatus

__all__ = [
    "Letter",
    "StoredLetter",
    "drop",
    "find",
    "mark_replayed",
    "recent",
    "set_aside",
    "summary",
]

_SUMMARY = 60  # characters of a text or button data shown in a listing


@dataclass(frozen=True)
class Letter:
    """An update that may have to be set aside: where it came from and what it was."""

    channel: Channel
    update_id: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class StoredLetter:
    """A dead letter as the command line shows it."""

    id: int
    channel: Channel
    update_id: str
    payload: dict[str, Any]
    error: str
    attempts: int
    created_at: datetime
    replayed_at: datetime | None

    @property
    def replayed(self) -> bool:
        """True once a replay went through."""
        return self.replayed_at is not None


def _stored(row: DeadLetter) -> StoredLetter:
    return StoredLetter(
        id=row.id,
        channel=Channel(row.channel),
        update_id=row.update_id,
        payload=dict(row.payload),
        error=row.error,
        attempts=row.attempts,
        created_at=row.created_at,
        replayed_at=row.replayed_at,
    )


def _json_safe(payload: dict[str, Any]) -> dict[str, Any]:
    # Whatever came in must be storable: a letter that cannot be written is never set aside.
    safe: dict[str, Any] = json.loads(json.dumps(payload, default=str))
    return safe


async def set_aside(letter: Letter, error: str, attempts: int, clock: Clock | None = None) -> int:
    """Store ``letter`` as a dead letter; return its id.

    A redelivered update (the process stopped between storing and acknowledging it)
    finds the letter it already has instead of making a second one.
    """
    payload = _json_safe(letter.payload)
    now = (clock or SystemClock()).now()
    existing = await DeadLetter.filter(
        channel=letter.channel,
        update_id=letter.update_id[:64],
        status=DeadLetterStatus.SET_ASIDE,
    ).order_by("-id")
    for row in existing:
        if row.payload == payload:
            row.error, row.attempts = error, row.attempts + attempts
            await row.save(update_fields=["error", "attempts"])
            return int(row.id)
    row = await DeadLetter.create(
        channel=letter.channel,
        update_id=letter.update_id[:64],
        payload=payload,
        error=error,
        attempts=attempts,
        created_at=now,
    )
    return int(row.id)


async def recent(limit: int = 50) -> list[StoredLetter]:
    """The newest dead letters first, replayed ones included."""
    rows = await DeadLetter.all().order_by("-id").limit(limit)
    return [_stored(row) for row in rows]


async def find(letter_id: int) -> StoredLetter | None:
    """One dead letter by id, or None."""
    row = await DeadLetter.get_or_none(id=letter_id)
    return None if row is None else _stored(row)


async def mark_replayed(letter_id: int, clock: Clock | None = None) -> None:
    """Record that a replay of the letter went through."""
    now = (clock or SystemClock()).now()
    await DeadLetter.filter(id=letter_id).update(status=DeadLetterStatus.REPLAYED, replayed_at=now)


async def drop(letter_id: int) -> bool:
    """Delete one dead letter; False if there was none with that id."""
    return bool(await DeadLetter.filter(id=letter_id).delete())


def _short(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= _SUMMARY else text[: _SUMMARY - 1] + "…"


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _telegram_summary(payload: dict[str, Any]) -> str:
    kinds = [key for key in payload if key != "update_id"]
    if not kinds:
        return "empty update"
    kind, body = kinds[0], payload[kinds[0]]
    if not isinstance(body, dict):
        return kind
    sender = _dict(body.get("from"))
    who = f" from {sender.get('id')}" if sender else ""
    if kind == "callback_query":
        return f"button {_short(body.get('data', ''))!r}{who}"
    text = body.get("text") or body.get("caption")
    return f"{kind}{who}" + (f": {_short(text)!r}" if text else "")


def _vk_summary(payload: dict[str, Any]) -> str:
    kind = str(payload.get("type") or "event")
    obj = _dict(payload.get("object"))
    message = _dict(obj.get("message")) or obj
    who = message.get("from_id") or message.get("user_id")
    text = message.get("text") or message.get("payload")
    return f"{kind}" + (f" from {who}" if who else "") + (f": {_short(text)!r}" if text else "")


def summary(letter: StoredLetter | Letter) -> str:
    """A one-line description of the update: its kind, sender and text or button data."""
    if letter.channel is Channel.VK:
        return _vk_summary(letter.payload)
    return _telegram_summary(letter.payload)
