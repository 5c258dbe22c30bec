"""Outages the outbox waits out: one WARNING when one starts, one INFO when it ends.

The worker meets an outage many times a second (every scan, every send of every queue),
and each of those is the same news. An :class:`Outage` turns the stream of failures and
successes of one thing (the database, Telegram, VK …) into two log lines, and remembers
since when it is down, which the worker uses to tell an outage from an item's own trouble.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from core.clock import Clock
from core.outages import is_service_outage

__all__ = ["Outage", "Outages"]

log = logging.getLogger("core.outbox")

# while the database is out, a write is retried this often at most
_DATABASE_RETRY = (0.2, 5.0)


@dataclass(slots=True)
class Outage:
    """The state of one thing the desk depends on, as the worker last met it."""

    name: str  # how the log lines call it: "database", "telegram_group" …
    clock: Clock
    since: float | None = None  # when the current outage began (None: reachable)
    failures: int = 0  # failures met since it began

    @property
    def down(self) -> bool:
        """True from the first failure until the next success."""
        return self.since is not None

    def failed(self, error: BaseException) -> None:
        """It could not be reached; log the first time only."""
        self.failures += 1
        if self.since is None:
            self.since = self.clock.now().timestamp()
            log.warning("%s unreachable: %s; retrying", self.name, _short(error))

    def succeeded(self) -> None:
        """It answered; log once if it was down."""
        if self.since is None:
            return
        lasted = self.clock.now().timestamp() - self.since
        log.info(
            "%s reachable again after %.1f s (%d failed tries)", self.name, lasted, self.failures
        )
        self.since, self.failures = None, 0

    def backoff(self, base: float, ceiling: float) -> float:
        """Seconds to wait before the next try: doubling per failure, up to ``ceiling``."""
        return float(min(ceiling, base * 2 ** min(max(self.failures - 1, 0), 20)))


@dataclass(slots=True)
class Outages:
    """The outages of the database and of every destination kind, by name."""

    clock: Clock
    known: dict[str, Outage] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Outage:
        outage = self.known.get(name)
        if outage is None:
            outage = self.known[name] = Outage(name, self.clock)
        return outage

    @property
    def database(self) -> Outage:
        """The database's outage state."""
        return self["database"]

    def down(self) -> list[str]:
        """The names of everything down right now."""
        return sorted(name for name, outage in self.known.items() if outage.down)

    async def persist(self, write: Callable[[], Awaitable[None]]) -> None:
        """Run ``write`` until it succeeds while the database is out; other errors raise.

        A result the worker cannot record is not given up: the items would stay in
        flight until the next start. Cancelling the send (a stop) ends the wait.
        """
        database = self.database
        while True:
            try:
                await write()
            except Exception as exc:
                if not is_service_outage(exc):
                    raise
                database.failed(exc)
                await asyncio.sleep(database.backoff(*_DATABASE_RETRY))
            else:
                database.succeeded()
                return


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
