"""The outbox attempt a send belongs to, as the adapters below the port can see it.

An operation's ``run`` calls the messenger through a port, far from the worker that
claimed the items. Some adapters must still know that a call belongs to an outbox
attempt: a call that may have reached the messenger without an answer is then sent
again by the outbox, and they prepare for that (``operators_group.sent_journal``). The
worker publishes the attempt in a context variable for the duration of ``run`` and of
recording its outcome; an adapter registers hooks on it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar

from tortoise.backends.base.client import BaseDBAsyncClient

from core.errors import ClaimLost

__all__ = ["Attempt", "current_attempt"]

DoneHook = Callable[[BaseDBAsyncClient], Awaitable[None]]
EndHook = Callable[[bool], None]
Confirm = Callable[[], Awaitable[bool]]

_CURRENT: ContextVar[Attempt | None] = ContextVar("outbox_attempt", default=None)


class Attempt:
    """One run of an operation for a claimed batch, from ``run`` to its recorded outcome."""

    def __init__(self, confirm: Confirm | None = None) -> None:
        """``confirm`` tells whether the claimed items are still this process's (none:
        one process, they always are)."""
        self._confirm = confirm
        self._done: list[DoneHook] = []
        self._end: list[EndHook] = []
        self.recorded_done = False
        self.ended = False

    async def confirm(self) -> None:
        """Raise :class:`~core.errors.ClaimLost` if the items passed to another process.

        The worker asks before the attempt runs; an adapter asks again after a wait of
        its own (for its turn at the operator group), during which this process may have
        been paused past its leases.
        """
        if self._confirm is not None and not await self._confirm():
            raise ClaimLost("the items passed to another process while this one was paused")

    def on_done(self, hook: DoneHook) -> None:
        """Run ``hook(connection)`` inside the transaction that marks the items done.

        It may run more than once (the commit is retried), so it must be idempotent.
        """
        self._done.append(hook)

    def on_end(self, hook: EndHook) -> None:
        """Call ``hook(done)`` once the outcome is recorded, whatever it was."""
        self._end.append(hook)

    async def done(self, connection: BaseDBAsyncClient) -> None:
        """Run the done hooks in the caller's transaction (the worker calls this)."""
        for hook in self._done:
            await hook(connection)

    def end(self) -> None:
        """Run the end hooks (the worker calls this last, also on errors)."""
        self.ended = True
        hooks, self._end = self._end, []
        for hook in hooks:
            hook(self.recorded_done)

    def __enter__(self) -> Attempt:
        self._token = _CURRENT.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _CURRENT.reset(self._token)
        self.end()


def current_attempt() -> Attempt | None:
    """The outbox attempt the running code sends for, or None outside the worker.

    A task started during an attempt inherits the context variable; once the attempt
    has ended, its calls are no longer the attempt's (nobody would run their hooks).
    """
    attempt = _CURRENT.get()
    return None if attempt is None or attempt.ended else attempt
