"""Time sources for the sandbox.

Flood limits, callback-query expiry and message dates all read time through a
:class:`Clock`, so tests can scale or freeze time instead of sleeping.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Where the sandbox gets time from."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards (for limits and timeouts)."""
        ...

    def now(self) -> float:
        """Unix time in seconds (for the ``date`` fields Telegram returns)."""
        ...


class SystemClock:
    """The real clocks of the machine."""

    def monotonic(self) -> float:
        """Return :func:`time.monotonic`."""
        return time.monotonic()

    def now(self) -> float:
        """Return :func:`time.time`."""
        return time.time()


class ManualClock:
    """A clock that only moves when told to; for deterministic unit tests."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._wall = start
        self._mono = 0.0

    def monotonic(self) -> float:
        """Return the current manual monotonic reading."""
        return self._mono

    def now(self) -> float:
        """Return the current manual Unix time."""
        return self._wall

    def advance(self, seconds: float) -> None:
        """Move both readings forward by ``seconds``."""
        self._mono += seconds
        self._wall += seconds
