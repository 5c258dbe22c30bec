"""Who may send to the operator group right now: one process at a time.

The send journal (:mod:`core.messaging.send_journal`) can tell which messages of ours
may have been posted twice only while sends to the group are serialized. Within one
process an :class:`asyncio.Lock` does that (:class:`LocalSendLock`); several processes
on one database take turns through the lease ``group:<chat>`` (:class:`GroupLease`).

A process keeps the lease while it sends and for ``idle`` seconds after (sends come in
bursts: a card, a message, a rename), renewing it; when another process took it since
this one last held it, the journal is read again before the next send, so every
process works from the state the previous holder left. The journal's writes carry the
lease's fencing token (:meth:`GroupLease.fence`): a holder paused past its lease
changes nothing, and it checks its lease before each send as well.

The outbox asks :meth:`SendLock.ready` before it spends the group's flood budget on a
send, and leaves the send for later while it would have to wait (for another process's
lease, or for a send of this one): a send that waited for its turn after its budget
was counted would reach Telegram that much later than the moment the budget counted,
in a crowd with the sends counted since, and Telegram would answer 429.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from core.leadership import HeldLease

__all__ = ["Fence", "GroupLease", "LeaseLost", "LocalSendLock", "SendLock"]

log = logging.getLogger(__name__)

#: the lease's name, holder and fencing token, for a guarded write
Fence = tuple[str, str, int]


class LeaseLost(RuntimeError):
    """This process no longer holds the group's lease: it must not send or write."""


class SendLock(Protocol):
    """Serializes the sends to the group (see the module's docstring)."""

    async def acquire(self) -> None:
        """Wait until this process may send."""

    def release(self) -> None:
        """Done sending for now."""

    async def ready(self) -> bool:
        """Whether a send could start now, without waiting for another one."""

    def check(self) -> None:
        """Raise :class:`LeaseLost` if sending is no longer allowed (right before a send)."""

    def fence(self) -> Fence | None:
        """What guards the journal's writes (None: nothing needs to)."""

    async def close(self) -> None:
        """Stop (the desk stops): let go of whatever is held."""


class LocalSendLock:
    """One process: an :class:`asyncio.Lock` is all it takes."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait for the sends before."""
        await self._lock.acquire()

    def release(self) -> None:
        """Let the next send go."""
        self._lock.release()

    async def ready(self) -> bool:
        """Unless a send is going on."""
        return not self._lock.locked()

    def check(self) -> None:
        """Nothing to check in one process."""

    def fence(self) -> Fence | None:
        """Nothing guards the writes in one process."""
        return None

    async def close(self) -> None:
        """Nothing is held beyond the process."""


class GroupLease:
    """The lease ``group:<chat_id>`` across processes, and the in-process lock under it.

    ``reload`` reads the journal again; it is awaited when the lease comes back after
    another holder. Waiting longer than ``wait`` seconds raises :class:`TimeoutError`
    (the outbox tries the item again later). :meth:`ready` asks the database at most
    every ``recheck`` seconds while another process holds the lease.
    """

    def __init__(
        self,
        chat_id: int,
        holder: str,
        ttl: float,
        reload: Callable[[], Awaitable[object]],
        *,
        idle: float = 1.0,
        wait: float | None = None,
        recheck: float = 0.25,
    ) -> None:
        self.lease = HeldLease(f"group:{chat_id}", holder, ttl)
        self._reload = reload
        self._idle = idle
        self._wait = wait if wait is not None else 3 * ttl
        self._recheck = recheck
        self._taken_elsewhere_until = 0.0  # monotonic: ready() says no until then
        self._lock = asyncio.Lock()
        self._known_token: int | None = None
        self._released_at = time.monotonic()
        self._keeper: asyncio.Task[None] | None = None

    async def acquire(self) -> None:
        """Wait for this process's other sends, then for the lease."""
        await self._lock.acquire()
        try:
            await self._take()
        except BaseException:
            self._lock.release()
            raise

    def release(self) -> None:
        """Done for now; the lease is let go after ``idle`` seconds without a send."""
        self._released_at = time.monotonic()
        self._lock.release()

    async def ready(self) -> bool:
        """Whether a send could start now: no send of this process is going on, and the
        lease is held here, or was free and is now.

        False while another process holds it (asked again after ``recheck`` seconds).
        """
        if self._lock.locked():
            return False
        if self.lease.held():
            return True
        if time.monotonic() < self._taken_elsewhere_until:
            return False
        async with self._lock:
            if await self._take(patient=False):
                self._released_at = time.monotonic()  # idle from now: the send comes soon
                return True
        self._taken_elsewhere_until = time.monotonic() + self._recheck
        return False

    def check(self) -> None:
        """Raise :class:`LeaseLost` when the lease ran out (a pause, a lost database)."""
        if not self.lease.held():
            raise LeaseLost(f"{self.lease.name} is no longer held by {self.lease.holder}")

    def fence(self) -> Fence | None:
        """The lease's name, holder and token."""
        token = self.lease.token
        if token is None:
            raise LeaseLost(f"{self.lease.name} is not held by {self.lease.holder}")
        return self.lease.name, self.lease.holder, token

    async def close(self) -> None:
        """Stop renewing and let the lease go (a clean stop)."""
        if self._keeper is not None:
            self._keeper.cancel()
            await asyncio.gather(self._keeper, return_exceptions=True)
            self._keeper = None
        await self.lease.let_go()

    async def _take(self, *, patient: bool = True) -> bool:
        """Hold the lease (waiting up to ``wait`` seconds if ``patient``); under the lock."""
        if self.lease.held():
            return True
        deadline = time.monotonic() + self._wait
        pause = 0.02
        while not await self.lease.try_take():
            if not patient:
                return False
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{self.lease.name} stayed with another process")
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.25)
        if self.lease.token != self._known_token:
            # another process sent since this one last did: start from its journal
            await self._reload()
            self._known_token = self.lease.token
        if self._keeper is None or self._keeper.done():
            self._keeper = asyncio.create_task(self._keep(), name=f"keep {self.lease.name}")
        return True

    async def _keep(self) -> None:
        """Renew while in use; let go once idle, so other processes get their turn."""
        while True:
            await asyncio.sleep(min(self.lease.ttl / 3, self._idle))
            if not self._lock.locked() and time.monotonic() - self._released_at >= self._idle:
                async with self._lock:  # no send may start while it is let go
                    await self.lease.let_go()
                return
            with contextlib.suppress(Exception):  # an outage: held() says when to stop
                await self.lease.try_take()
            if not self.lease.held():
                log.warning("%s lapsed while in use", self.lease.name)
                return
