"""What the outbox worker runs: jobs, operations, completions and failure decisions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.enums import DestinationKind
from core.errors import DeliveryError
from core.models import OutboxItem

#: how ``last_error`` of a held item begins (the cause follows)
HELD_PREFIX = "held: "

__all__ = [
    "Completion",
    "FailureAction",
    "FailureDecision",
    "Job",
    "Operation",
    "and_resumed",
]

#: Runs in the transaction that marks the items done (or failed/held): whatever it writes
#: through the connection it gets commits together with that mark, or not at all.
Completion = Callable[[BaseDBAsyncClient], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Job:
    """A read-only view of one outbox item, handed to an :class:`Operation`."""

    id: int
    destination: str
    kind: DestinationKind
    budget_key: str
    operation: str
    payload: dict[str, Any]
    message_id: int | None
    attempts: int
    created_at: datetime
    held: bool = False  # it was held (see FailureDecision.hold) before this try

    @classmethod
    def of(cls, item: OutboxItem) -> Job:
        """The view of a storage row."""
        return cls(
            id=int(item.id),
            destination=item.destination,
            kind=DestinationKind(item.destination_kind),
            budget_key=item.budget_key,
            operation=item.operation,
            payload=dict(item.payload),
            message_id=item.message_id,
            attempts=item.attempts,
            created_at=item.created_at,
            held=(item.last_error or "").startswith(HELD_PREFIX),
        )


class FailureAction(StrEnum):
    """What becomes of items that cannot be delivered."""

    #: end them: status ``failed`` with ``last_error``
    FAIL = "fail"
    #: keep them pending but due only after :func:`core.outbox.release_held`
    HOLD = "hold"


@dataclass(frozen=True, slots=True)
class FailureDecision:
    """An :class:`Operation`'s answer to a permanent error (or to running out of attempts).

    ``completion`` runs in the transaction that records the decision, e.g. to mark the
    message failed and enqueue a notice to the topic.
    """

    action: FailureAction = FailureAction.FAIL
    completion: Completion | None = None
    recheck: timedelta | None = None  # a held queue is tried again after this long

    @classmethod
    def fail(cls, completion: Completion | None = None) -> FailureDecision:
        """End the items as failed."""
        return cls(FailureAction.FAIL, completion)

    @classmethod
    def hold(
        cls, completion: Completion | None = None, *, recheck: timedelta | None = None
    ) -> FailureDecision:
        """Keep the items (and everything behind them) until the destination is released.

        With ``recheck`` the head item is also tried again after that long, in case the
        release was missed (an unblock handled while the failing send was in flight).
        Without it the worker probes the queue on its own schedule
        (``OutboxSettings.hold_recheck``): some causes (Topics turned back on) send no
        event that could release it.
        """
        return cls(FailureAction.HOLD, completion, recheck)


class Operation:
    """One kind of outbound call, registered with the worker under the items' ``operation``.

    Subclasses implement :meth:`run`; the rest has defaults: every job costs one send, no
    batching, and a permanent error fails the items.

    Batching: when :meth:`batch_key` of the head job of a destination is not None, the
    worker hands :meth:`run` the consecutive due jobs of that destination with the same
    operation and key, at most :attr:`max_batch` of them. While the batch is not full
    and its newest job is younger than :meth:`settle_for` the key, the worker waits, so
    the parts of an album that arrive a few milliseconds apart travel together.
    """

    #: the largest batch :meth:`run` accepts (1: no batching)
    max_batch: int = 1
    #: how old the newest job of a batch must be before the batch goes (see settle_for)
    settle: timedelta = timedelta(0)

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        """Make the call(s) for ``jobs``; return what to record with the done mark.

        Raises :mod:`core.errors` exceptions only: ``RetryLater`` pauses the chat,
        ``TransientError`` retries with backoff, ``PermanentError`` ends in
        :meth:`on_failure`, ``NotModified`` counts as success.
        """
        raise NotImplementedError

    def cost(self, jobs: Sequence[Job]) -> int:
        """How many messages the call spends from the flood budgets (default: one per job)."""
        return len(jobs)

    def batch_key(self, job: Job) -> str | None:
        """The key that lets ``job`` travel with its neighbours, or None to go alone."""
        return None

    def settle_for(self, key: str) -> timedelta:
        """How long a batch with ``key`` waits for more parts (default :attr:`settle`)."""
        return self.settle

    async def on_failure(self, jobs: Sequence[Job], error: DeliveryError) -> FailureDecision:
        """Decide what becomes of ``jobs`` after a permanent error (default: fail them)."""
        return FailureDecision.fail()

    async def resumed(self, jobs: Sequence[Job], connection: BaseDBAsyncClient) -> None:
        """Held jobs went out: their cause is gone (runs with the done mark; default: nothing)."""


def and_resumed(
    operation: Operation, jobs: Sequence[Job], completion: Completion | None
) -> Completion:
    """``completion`` followed by the operation's word that held jobs went out."""

    async def both(connection: BaseDBAsyncClient) -> None:
        if completion is not None:
            await completion(connection)
        await operation.resumed(jobs, connection)

    return both
