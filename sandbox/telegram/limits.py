"""Flood limits like Telegram's: per private chat, per group and per bot.

Each budget is a sliding window ("at most ``count`` messages in any ``window``
seconds"). A call that would break a budget gets 429 with ``retry_after`` equal
to the whole seconds until enough earlier sends leave the window, so waiting
exactly that long really lets the call through.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace

from .clock import Clock
from .errors import too_many_requests


@dataclass(frozen=True)
class Rate:
    """At most ``count`` messages in any ``window`` seconds."""

    count: int
    window: float


@dataclass(frozen=True)
class Limits:
    """The flood budgets; ``None`` switches one off.

    Defaults follow Telegram's published guidance: about one message per second
    in a private chat, 20 messages per minute in a group, 30 messages per second
    per bot overall.
    """

    private_chat: Rate | None = Rate(1, 1.0)
    group_chat: Rate | None = Rate(20, 60.0)
    per_bot: Rate | None = Rate(30, 1.0)

    @classmethod
    def off(cls) -> Limits:
        """No limits at all, for tests that do not care."""
        return cls(private_chat=None, group_chat=None, per_bot=None)

    def scaled(self, factor: float) -> Limits:
        """The same counts with every window multiplied by ``factor``."""

        def scale(rate: Rate | None) -> Rate | None:
            return None if rate is None else replace(rate, window=rate.window * factor)

        return Limits(scale(self.private_chat), scale(self.group_chat), scale(self.per_bot))


@dataclass
class _Window:
    """Timestamps of recent sends under one budget."""

    rate: Rate
    stamps: deque[float] = field(default_factory=deque)

    def trim(self, now: float) -> None:
        while self.stamps and self.stamps[0] <= now - self.rate.window:
            self.stamps.popleft()

    def wait_for(self, now: float, n: int) -> float:
        """Seconds until ``n`` more sends fit (0 when they fit now)."""
        self.trim(now)
        used = len(self.stamps)
        if used == 0 or used + n <= self.rate.count:
            # An idle budget admits even an oversized batch (a 10-item album in
            # a private chat), as Telegram does; the batch then fills the window.
            return 0.0
        # The send must wait until this many of the oldest stamps have expired.
        keep = max(0, self.rate.count - n)
        oldest_needed = self.stamps[used - keep - 1]
        return oldest_needed + self.rate.window - now


class FloodControl:
    """Applies :class:`Limits` to sends, keyed by bot and chat."""

    def __init__(self, limits: Limits, clock: Clock) -> None:
        self.limits = limits
        self._clock = clock
        self._windows: dict[tuple[object, ...], _Window] = {}

    def _window(self, key: tuple[object, ...], rate: Rate) -> _Window:
        window = self._windows.get(key)
        if window is None or window.rate != rate:
            window = self._windows[key] = _Window(rate)
        return window

    def _budgets(self, bot_id: int, chat_id: int) -> list[_Window]:
        found = []
        chat_rate = self.limits.private_chat if chat_id > 0 else self.limits.group_chat
        if chat_rate is not None:
            found.append(self._window(("chat", bot_id, chat_id), chat_rate))
        if self.limits.per_bot is not None:
            found.append(self._window(("bot", bot_id), self.limits.per_bot))
        return found

    def spend(self, bot_id: int, chat_id: int, n: int = 1) -> None:
        """Record ``n`` messages to ``chat_id`` or raise 429 without recording any."""
        now = self._clock.monotonic()
        budgets = self._budgets(bot_id, chat_id)
        wait = max((b.wait_for(now, n) for b in budgets), default=0.0)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        for budget in budgets:
            budget.stamps.extend([now] * n)
