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
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

from core.errors import ClaimLost
from core.leadership import HeldLease

__all__ = ["Fence", "GroupLease", "LeaseLost", "LocalSendLock", "SendLock"]

log = logging.getLogger(__name__)

#: the lease's name, holder and fencing token, for a guarded write
Fence = tuple[str, str, int]


class LeaseLost(ClaimLost):
    """This process no longer holds the group's lease: it must not send or write."""


class SendLock(Protocol):
    """Serializes the sends to the group (see the module's docstring)."""

    async def acquire(self) -> None:
        """Wait until this process may send."""

    def release(self) -> None:
        """Done sending for now."""

    async def ready(self) -> bool:
        """Whether this process may send now without waiting (the outbox asks first)."""

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
        """Unless a send is under way: the next would wait for it after its budget's stamp."""
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
    (the outbox tries the item again later). The lease is let go ``idle`` seconds after
    the last send, so a burst (a card, a message, a rename) stays with one process and
    the next process waits a moment at most.
    """

    def __init__(
        self,
        chat_id: int,
        holder: str,
        ttl: float,
        reload: Callable[[], Awaitable[object]],
        *,
        idle: float = 0.1,
        wait: float | None = None,
    ) -> None:
        self.lease = HeldLease(f"group:{chat_id}", holder, ttl)
        self._reload = reload
        self._idle = idle
        self._wait = wait if wait is not None else 3 * ttl
        self._lock = asyncio.Lock()
        self._known_token: int | None = None
        self._released_at = time.monotonic()
        self._tasks: dict[str, asyncio.Task[None]] = {}

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
        self._start("let go", self._let_go_when_idle)

    async def ready(self) -> bool:
        """Hold the lease, or take it if it is free; False while another process has it.

        The outbox asks before it spends the group's flood budget on a send, so the send
        goes out at once instead of waiting for the lease: a wait between the budget's
        stamp and the send would let two sends land closer than the budget allows.
        """
        if self._lock.locked():
            return False  # a send of this process is under way: the next one waits
        if not self.lease.held():
            if not await self.lease.try_take():
                return False
            await self._took()
        self._released_at = time.monotonic()  # a send follows: not let go meanwhile
        self._start("let go", self._let_go_when_idle)
        return True

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
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        self._tasks.clear()
        await self.lease.let_go()

    def _start(self, name: str, job: Callable[[], Coroutine[Any, Any, None]]) -> None:
        task = self._tasks.get(name)
        if task is None or task.done():
            self._tasks[name] = asyncio.create_task(job(), name=f"{name} {self.lease.name}")

    async def _take(self) -> None:
        if self.lease.held():
            return
        deadline = time.monotonic() + self._wait
        pause = 0.01
        while not await self.lease.try_take():
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{self.lease.name} stayed with another process")
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.1)
        await self._took()

    async def _took(self) -> None:
        if self.lease.token != self._known_token:
            # another process sent since this one last did: start from its journal
            await self._reload()
            self._known_token = self.lease.token
        self._start("keep", self._keep)

    async def _keep(self) -> None:
        """Renew every third of the ttl while held (a long send, a flood wait); a let-go
        cancels this."""
        await self.lease.keep(asyncio.Event())  # returns only when the lease was lost
        log.warning("%s lapsed while held", self.lease.name)

    async def _let_go_when_idle(self) -> None:
        """Let the lease go once no send came for ``idle`` seconds."""
        while True:
            await asyncio.sleep(self._idle)
            if self._lock.locked():
                return  # in use again: its release looks again
            if time.monotonic() - self._released_at >= self._idle:
                async with self._lock:  # no send may start while it is let go
                    keeper = self._tasks.pop("keep", None)
                    if keeper is not None:
                        keeper.cancel()
                    await self.lease.let_go()
                return
