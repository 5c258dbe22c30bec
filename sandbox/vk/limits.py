"""VK's per-token request limit: at most N API calls in any one-second window.

VK allows a community token 20 requests per second; one more is answered
with error 6 "Too many requests per second". Rejected calls are not counted,
so a client that backs off for the window really gets through afterwards.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from .errors import VkApiError


class RateLimiter:
    """Sliding one-second windows keyed by access token."""

    def __init__(
        self,
        per_second: int | None = 20,
        clock: Callable[[], float] = time.monotonic,
        window: float = 1.0,
    ) -> None:
        self.per_second = per_second
        self.window = window
        self._clock = clock
        self._stamps: dict[str, deque[float]] = {}
        self.refused = 0  # calls answered with error 6 so far

    def spend(self, token: str) -> None:
        """Count one call for ``token`` or raise error 6 without counting it."""
        if self.per_second is None:
            return
        now = self._clock()
        stamps = self._stamps.setdefault(token, deque())
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        if len(stamps) >= self.per_second:
            self.refused += 1
            raise VkApiError(6)
        stamps.append(now)
