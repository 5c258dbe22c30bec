"""A bot's update queue with Telegram's getUpdates semantics.

An update stays queued until a later ``getUpdates`` call confirms it with an
``offset`` greater than its ``update_id``; until then it is delivered again.
Only one ``getUpdates`` may wait at a time: a newer call terminates the older
one with 409, exactly as Telegram does when two bot instances poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import Any

from .errors import POLL_CONFLICT, conflict

ALL_UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
)

# Telegram leaves these out unless a bot asks for them in allowed_updates.
DEFAULT_UPDATE_TYPES = frozenset(ALL_UPDATE_TYPES) - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}


class UpdateQueue:
    """Pending updates of one bot, plus the single active long poll."""

    def __init__(self, first_update_id: int | None = None) -> None:
        self.pending: list[dict[str, Any]] = []
        self.allowed: frozenset[str] = DEFAULT_UPDATE_TYPES
        self._next_id = first_update_id or random.randint(100_000_000, 800_000_000)
        self._waiter: asyncio.Future[None] | None = None
        self._arrived: asyncio.Event | None = None

    @property
    def arrived(self) -> asyncio.Event:
        """Set while updates are pending; webhook delivery waits on it."""
        if self._arrived is None:
            self._arrived = asyncio.Event()
            if self.pending:
                self._arrived.set()
        return self._arrived

    def set_allowed(self, kinds: list[str] | None) -> None:
        """Apply ``allowed_updates``: ``None`` keeps the setting, ``[]`` resets it."""
        if kinds is None:
            return
        self.allowed = frozenset(kinds) if kinds else DEFAULT_UPDATE_TYPES

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue an update of ``kind`` unless the bot has not asked for that kind."""
        if kind not in self.allowed:
            return None
        update = {"update_id": self._next_id, kind: payload}
        self._next_id += 1
        self.pending.append(update)
        self.arrived.set()
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        return update

    def confirm(self, offset: int | None) -> None:
        """Forget what ``offset`` confirms; a negative offset keeps the last ``-offset``."""
        if not offset:
            return
        if offset < 0:
            self.pending = self.pending[offset:]
        else:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        if not self.pending:
            self.arrived.clear()

    def drop_all(self) -> None:
        """Forget every pending update (``drop_pending_updates``)."""
        self.pending.clear()
        self.arrived.clear()

    def pop_first(self, update_id: int) -> None:
        """Remove a webhook-delivered update."""
        self.pending = [u for u in self.pending if u["update_id"] != update_id]
        if not self.pending:
            self.arrived.clear()

    def terminate_poll(self, reason: str = POLL_CONFLICT) -> None:
        """End the waiting ``getUpdates`` (if any) with 409 ``reason``."""
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(conflict(reason))

    def release_poll(self) -> None:
        """End the waiting ``getUpdates`` (if any) with what is pending, e.g. on shutdown."""
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def poll(
        self, offset: int | None, limit: int, wait_seconds: float
    ) -> list[dict[str, Any]]:
        """Serve one ``getUpdates`` call."""
        self.terminate_poll()
        self.confirm(offset)
        if self.pending or wait_seconds <= 0:
            return self.pending[:limit]
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiter = waiter
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(waiter), wait_seconds)
            if waiter.done() and waiter.exception() is not None:
                raise waiter.exception()  # type: ignore[misc]
        finally:
            if self._waiter is waiter:
                self._waiter = None
            if not waiter.done():
                waiter.cancel()
        return self.pending[:limit]
