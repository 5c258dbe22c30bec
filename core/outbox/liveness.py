"""This process is alive: its ``instance:<name>`` lease, and the claims of the dead.

With several processes on one database, an item stays in flight while the process that
claimed it sends it; if that process dies (SIGKILL, a lost machine) nobody else may take
the item until it is sure the claimer is gone. Every process therefore renews a lease
named after itself; one that stopped renewing for its ttl is dead, and every live
process, on each of its own renewals, returns the dead ones' items to their queues.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from core.clock import Clock
from core.leadership import HeldLease
from core.leases import INSTANCE
from core.outages import is_outage
from core.outbox.store import recover_dead

__all__ = ["Liveness"]

log = logging.getLogger("core.outbox")


class Liveness:
    """Keeps ``instance:<name>`` for ``ttl`` seconds at a time; ``on_recovered`` is called
    after items of dead processes went back to their queues (wake the worker)."""

    def __init__(
        self, name: str, ttl: float, *, clock: Clock, on_recovered: Callable[[], None]
    ) -> None:
        self.lease = HeldLease(INSTANCE + name, name, ttl)
        self._clock = clock
        self._on_recovered = on_recovered
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Say this process lives (before its first claim), then keep saying it."""
        if not await self.lease.try_take():
            raise RuntimeError(f"another process is named {self.lease.holder!r}")
        self._task = asyncio.create_task(self._beat(), name="liveness")

    async def stop(self) -> None:
        """Stop renewing and let the lease go: this process is done."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.lease.let_go()

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.lease.ttl / 3)
            lapsed = not self.lease.held()
            # an outage is logged there; the next beat retries
            if await self.lease.try_take() and lapsed:
                # paused (or cut off) past the ttl: other processes may have returned this
                # one's claims to their queues; its sends check before they go
                log.warning("outbox: %s lapsed and was taken again", self.lease.name)
            try:
                recovered = await recover_dead(self._clock.now())
            except Exception as exc:
                if not is_outage(exc):
                    log.exception("outbox: returning the items of dead processes failed")
                continue
            if recovered:
                log.warning("outbox: %d items of a process that died go out again", recovered)
                self._on_recovered()
