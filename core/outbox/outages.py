"""Outages the outbox waits out: one WARNING when one starts, one INFO when it ends.

The worker meets an outage many times a second (every scan, every send of every queue),
and each of those is the same news. An outage log turns the stream of failures and
successes of one thing (the database, Telegram, VK …) into two log lines, and remembers
since when it is down, which the worker uses to tell an outage from an item's own trouble.
:class:`Outages` keeps one :class:`~core.outages.OutageLog` per thing, by name.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from core.clock import Clock
from core.outages import UNREACHABLE, OutageLog, is_service_outage

__all__ = ["Outages"]

log = logging.getLogger("core.outbox")

T = TypeVar("T")

# while the database is out, a write is retried this often at most
_DATABASE_RETRY = (0.2, 5.0)


@dataclass(slots=True)
class Outages:
    """The outages of the database and of every destination kind, by name."""

    clock: Clock
    known: dict[str, OutageLog] = field(default_factory=dict)

    def __getitem__(self, name: str) -> OutageLog:
        """The outage state of ``name``, made on first use."""
        outage = self.known.get(name)
        if outage is None:
            outage = OutageLog(name, log, wording=UNREACHABLE, clock=self.clock)
            self.known[name] = outage
        return outage

    @property
    def database(self) -> OutageLog:
        """The database's outage state."""
        return self["database"]

    def down(self) -> list[str]:
        """The names of everything down right now."""
        return sorted(name for name, outage in self.known.items() if outage.ongoing)

    async def persist(self, write: Callable[[], Awaitable[T]]) -> T:
        """Run ``write`` until it succeeds while the database is out; return its result.

        Other errors raise.

        A result the worker cannot record is not given up: the items would stay in
        flight until the next start. Cancelling the send (a stop) ends the wait.
        """
        database = self.database
        while True:
            try:
                result = await write()
            except Exception as exc:
                if not is_service_outage(exc):
                    raise
                database.failed(exc)
                await asyncio.sleep(database.backoff(*_DATABASE_RETRY))
            else:
                database.recovered()
                return result
