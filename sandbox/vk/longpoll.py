"""The Bots Long Poll of one community, with VK's ``ts`` and ``failed`` semantics.

Events are numbered from 1. ``getLongPollServer`` hands out a key and the
number the next event will get; ``a_check`` with ``ts=N`` returns every kept
event numbered N or later plus the next ``ts``, waiting up to ``wait`` seconds
when there is none yet. Only the last ``history`` events are kept: an older
``ts`` gets ``{"failed": 1, "ts": <current>}``, an unknown key ``{"failed": 2}``.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

API_VERSION = "5.199"
MAX_WAIT = 90


def make_event(group_id: int, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    """An event as both the Bots Long Poll and the Callback API carry it (the Callback
    API adds the server's ``secret``)."""
    return {
        "group_id": group_id,
        "type": kind,
        "event_id": secrets.token_hex(20),
        "v": API_VERSION,
        "object": obj,
    }


class LongPoll:
    """Event log, keys and waiters of one community."""

    def __init__(self, group_id: int, history: int = 1000) -> None:
        self.group_id = group_id
        self.history = history
        self.events: list[tuple[int, dict[str, Any]]] = []
        self.next_ts = 1
        self.keys: set[str] = set()
        self.forced: list[int] = []
        self.closed = False
        self._changed = asyncio.Event()

    def new_key(self) -> dict[str, str]:
        """A fresh key and the current ``ts`` (older keys stay valid, as on VK)."""
        key = secrets.token_hex(20)
        self.keys.add(key)
        return {"key": key, "ts": str(self.next_ts)}

    def push(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        """Append a new event of this community and wake waiters."""
        return self.append(make_event(self.group_id, kind, obj))

    def append(self, event: dict[str, Any]) -> dict[str, Any]:
        """Append an event made by :func:`make_event` and wake waiters."""
        self.events.append((self.next_ts, event))
        self.next_ts += 1
        if len(self.events) > self.history:
            del self.events[: len(self.events) - self.history]
        self._wake()
        return event

    def force(self, failed: int) -> None:
        """Make the next ``a_check`` fail with ``failed`` (1, 2 or 3)."""
        if failed not in (1, 2, 3):
            raise ValueError("failed must be 1, 2 or 3")
        self.forced.append(failed)
        self._wake()

    def release(self) -> None:
        """Let every waiting ``a_check`` answer now and stop waiting (shutdown)."""
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _failure(self, key: str, ts: int | None) -> dict[str, Any] | None:
        if self.forced:
            failed = self.forced.pop(0)
            if failed in (2, 3):
                self.keys.clear()  # the key really is gone: a retry with it fails again
            return {"failed": failed, "ts": self.next_ts} if failed == 1 else {"failed": failed}
        if key not in self.keys:
            return {"failed": 2}
        oldest = self.events[0][0] if self.events else self.next_ts
        if ts is None or ts < oldest or ts > self.next_ts:
            return {"failed": 1, "ts": self.next_ts}
        return None

    async def check(self, key: str, ts: int | None, wait: float) -> dict[str, Any]:
        """Answer one ``a_check`` request."""
        deadline = asyncio.get_running_loop().time() + min(max(wait, 0), MAX_WAIT)
        while True:
            failure = self._failure(key, ts)
            if failure is not None:
                return failure
            assert ts is not None
            updates = [event for number, event in self.events if number >= ts]
            left = deadline - asyncio.get_running_loop().time()
            if updates or left <= 0 or self.closed:
                return {"ts": str(self.next_ts), "updates": updates}
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), left)
            except TimeoutError:
                pass
