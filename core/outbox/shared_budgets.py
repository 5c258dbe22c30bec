"""Flood budgets shared by every process of one desk (the port, and its use by the worker).

Several ``botdesk run`` processes on one database each keep a :class:`BudgetLedger`, which
counts only that process's sends; two of them together would send 40 messages a minute
into a group whose limit is 20. :class:`SharedBudgets` is the port to a store every
process sees (Redis, in ``botdesk.redis_budgets``) that keeps the same sliding window logs
as the ledger, so the limits hold for all the processes together.

The local ledger stays in charge of everything it did before and is still spent, so a
single process behaves exactly as without sharing; the shared budgets are asked last,
right before a claim, and only ever make a send wait longer. An implementation never
raises for an outage of its store: it answers as if no other process had spent anything,
which leaves each process with its own ledger (and the messengers' 429s, which pause the
chat) until the store is back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from core.clock import Clock
from core.enums import DestinationKind
from core.outbox.budgets import BudgetLedger, Rate

__all__ = ["Grant", "SharedBudgets", "SharedLedger", "Spend"]


@dataclass(frozen=True, slots=True)
class Spend:
    """One window a send spends: its name (as the ledger names it), its rate with the
    ledger's margin already applied, and the send's cost."""

    name: str
    rate: Rate
    cost: int


@dataclass(frozen=True, slots=True)
class Grant:
    """The shared budgets' answer: ``ready_at`` equals the asked ``now`` when the cost
    was spent; otherwise nothing was spent and ``blocking`` names what holds it back.

    ``token`` names the spend for :meth:`SharedBudgets.give_back`; it is None when
    nothing shared was spent (a refusal, or the store being out).
    """

    ready_at: float
    blocking: tuple[str, ...] = ()
    token: str | None = None

    @property
    def granted(self) -> bool:
        """True when the send may go now."""
        return not self.blocking


class SharedBudgets(Protocol):
    """Sliding window logs and pauses shared by every process of one desk."""

    async def take(self, spends: Sequence[Spend], now: float, *, pause: str | None) -> Grant:
        """Atomically across processes: spend every cost at ``now``, or spend nothing.

        A send fits a window when ``(now - per_seconds, now]`` holds at most
        ``count - cost`` sends (a cost above ``count`` counts as ``count``), as in
        :class:`~core.outbox.budgets.SlidingWindow`. A pause of the budget key ``pause``
        that lasts past ``now`` holds the send too (``blocking`` names it
        ``pause:<key>``). Refused, the grant's ``ready_at`` is the earliest time every
        window would take the cost and the pause is over.
        """
        ...

    async def give_back(self, spends: Sequence[Spend], token: str) -> None:
        """Undo the spend of a grant whose send never happened (its claim was lost)."""
        ...

    async def pause(self, budget_key: str, until: float, now: float) -> None:
        """Send nothing to ``budget_key`` before ``until``, in any process (a later
        pause wins)."""
        ...


class SharedLedger:
    """A worker's local ledger together with the shared budgets, when there are any."""

    def __init__(self, ledger: BudgetLedger, shared: SharedBudgets | None = None) -> None:
        self.ledger = ledger
        self.shared = shared

    def spends(self, kind: DestinationKind, budget_key: str, cost: int) -> list[Spend]:
        """The windows a send of ``cost`` to ``budget_key`` spends, as the ledger keeps them."""
        return [Spend(name, rate, cost) for name, rate in self.ledger.windows(kind, budget_key)]

    async def take(self, kind: DestinationKind, budget_key: str, cost: int, now: float) -> Grant:
        """Ask the shared budgets for a send the local ledger already lets go."""
        if self.shared is None:
            return Grant(now)
        spends = self.spends(kind, budget_key, cost)
        return await self.shared.take(spends, now, pause=budget_key)

    async def give_back(
        self, kind: DestinationKind, budget_key: str, cost: int, grant: Grant
    ) -> None:
        """Return a grant's shared spend: the send it was for did not happen."""
        if self.shared is not None and grant.token is not None:
            await self.shared.give_back(self.spends(kind, budget_key, cost), grant.token)

    async def pause(self, budget_key: str, until: float, now: float) -> None:
        """Pause ``budget_key`` here and, when shared, in every other process."""
        self.ledger.pause(budget_key, until)
        if self.shared is not None:
            await self.shared.pause(budget_key, until, now)

    async def reserve(self, kind: DestinationKind, clock: Clock) -> None:
        """Wait until a call made outside the outbox (an intake lookup, a button answer)
        fits the channel-wide budget of ``kind``, and book it: in this process's ledger,
        and, when shared, in every process's (several intakes share one VK community)."""
        delay = self.ledger.reserve(kind, clock.now().timestamp())
        if delay > 0:
            await asyncio.sleep(delay)
        if self.shared is None:
            return
        _chat, (name, rate) = self.ledger.windows(kind, "")
        spends = [Spend(name, rate, 1)]
        while True:
            now = clock.now().timestamp()
            grant = await self.shared.take(spends, now, pause=None)
            if grant.granted:
                return
            await asyncio.sleep(max(grant.ready_at - now, 0.001))
