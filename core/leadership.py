"""Keeping a lease while doing the job it guards, and standing by while another process does.

:class:`HeldLease` is one lease this process wants (:mod:`core.leases`): taken, renewed
by a heartbeat every third of its ttl, and judged *locally* by the monotonic clock. The
local judgement is what stops a paused process: it counts its lease from before the
request that took it, minus a margin, so it gives up before the database lets anyone
else take over, even if it never managed to ask the database again.

:func:`lead` runs a job (long polling, say) only while the lease is held: it stands by,
retrying every ``retry`` seconds, takes over when the holder's lease expires (a killed
holder's within ``ttl``), and ends the job as soon as the lease is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from core.leases import release, take
from core.metrics import LEASE_HELD
from core.outages import OutageLog, is_outage
from core.stopping import sleep_or_stop

__all__ = ["HeldLease", "lead"]

log = logging.getLogger("core.leadership")

#: the share of the ttl a holder trusts its lease for (the rest absorbs clock drift
#: and the time a renewal takes to reach the database)
_TRUSTED = 0.8


class HeldLease:
    """The lease ``name`` as ``holder`` wants it: for ``ttl`` seconds at a time."""

    def __init__(
        self,
        name: str,
        holder: str,
        ttl: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl <= 0:
            raise ValueError(f"a lease needs a positive ttl, not {ttl}")
        self.name, self.holder, self.ttl = name, holder, ttl
        self.token: int | None = None
        self._monotonic = monotonic
        self._valid_until = 0.0
        self._since: float | None = None  # when the current unbroken hold began
        self._outage = OutageLog(f"the lease {name}", log)
        self._kind = name.split(":", 1)[0]  # poll, group, instance: a few label values

    def held(self) -> bool:
        """Whether this process may still act on the lease right now (a local check)."""
        return self.token is not None and self._monotonic() < self._valid_until

    def held_throughout(self, since: float) -> bool:
        """Whether the lease is held now and was, without a gap, since the monotonic
        moment ``since``: then no other process can have taken it over meanwhile."""
        return self.held() and self._since is not None and self._since <= since

    async def try_take(self) -> bool:
        """Take or renew the lease; False while someone else holds it or the database is out."""
        started = self._monotonic()
        try:
            token = await take(self.name, self.holder, self.ttl)
        except Exception as exc:
            if not is_outage(exc):
                raise
            self._outage.failed(exc)
            return self.held()  # an outage: it holds until its local expiry, no longer
        self._outage.recovered()
        if token is None:
            self._set(None)
            return False
        if not self.held():
            self._since = started  # a new hold (the first, or after a lapse)
        self._set(token)
        self._valid_until = started + self.ttl * _TRUSTED
        return True

    def _set(self, token: int | None) -> None:
        self.token = token
        if token is None:
            self._since = None
        # "which process polls?": the metric answers, with the log line of lead()
        LEASE_HELD.labels(self._kind).set(0 if token is None else 1)

    async def keep(self, lost: asyncio.Event) -> None:
        """Renew every third of the ttl until ``lost`` is set; set it when the lease is lost."""
        while not lost.is_set():
            await sleep_or_stop(self.ttl / 3, lost)
            if lost.is_set():
                return
            if not await self.try_take() or not self.held():
                lost.set()

    async def let_go(self) -> None:
        """Release the lease (a clean stop), so another process takes over at once."""
        if self.token is None:
            return
        self._set(None)
        with contextlib.suppress(Exception):  # it expires on its own anyway
            await release(self.name, self.holder)


async def lead(
    lease: HeldLease,
    stop: asyncio.Event,
    job: Callable[[asyncio.Event], Awaitable[None]],
    *,
    retry: float = 1.0,
) -> None:
    """Run ``job(ended)`` whenever this process holds ``lease``, until ``stop`` is set.

    ``ended`` is set when ``stop`` is or the lease is lost; ``job`` must return soon after.
    Standing by, the lease is asked for every ``retry`` seconds.
    """
    standing_by = False
    while not stop.is_set():
        if not await lease.try_take():
            if not standing_by:
                log.info("%s is held by another process: standing by", lease.name)
                standing_by = True
            await sleep_or_stop(retry, stop)
            continue
        standing_by = False
        log.info("%s taken by %s (token %s)", lease.name, lease.holder, lease.token)
        ended = asyncio.Event()
        helpers = [
            asyncio.create_task(lease.keep(ended), name=f"keep {lease.name}"),
            asyncio.create_task(_set_when(stop, ended), name=f"stop {lease.name}"),
        ]
        try:
            await job(ended)
        finally:
            ended.set()
            for helper in helpers:
                helper.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
        if stop.is_set():
            await lease.let_go()
            return
        log.warning("%s lost by %s: standing by", lease.name, lease.holder)


async def _set_when(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()
