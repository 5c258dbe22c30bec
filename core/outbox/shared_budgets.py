"""Flood budgets shared by every process of one desk (the port, and its use by the worker).

Several ``botdesk run`` processes on one database each keep a :class:`BudgetLedger`, which
counts only that process's sends; two of them together would send 40 messages a minute
into a group whose limit is 20. :class:`SharedBudgets` is the port to a store every
process sees (Redis, in ``botdesk.redis_budgets``) that keeps the same sliding window logs
as the ledger, so the limits hold for all the processes together.

The local ledger stays in charge of everything it did before and is still spent, so a
single process behaves exactly as without sharing; the shared budgets are asked last,
right before a claim, and only ever make a send wait longer. Once the send is answered,
both are told when (:meth:`SharedLedger.landed`): a send that landed later than its
window's slack allows counts again from then (see :mod:`core.outbox.budgets`) in every
process, so a late send of one process cannot make another's land too early.

An implementation never raises for an outage of its store: it answers as if no other
process had spent anything, which leaves each process with its own ledger (and the
messengers' 429s, which pause the chat) until the store is back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from core.clock import Clock
from core.enums import DestinationKind
from core.outbox.budgets import BudgetLedger, Rate

__all__ = ["Grant", "SharedBudgets", "SharedLedger", "Spend", "Spent"]


@dataclass(frozen=True, slots=True)
class Spend:
    """One window a send spends: its name (as the ledger names it), its rate with the
    ledger's margin already applied, and the send's cost; ``slack`` is how many seconds
    that margin adds to the window (see :meth:`SharedBudgets.restamp`)."""

    name: str
    rate: Rate
    cost: int
    slack: float = 0.0


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

    async def restamp(self, spends: Sequence[Spend], token: str, at: float) -> None:
        """The send of a grant was answered at ``at``: in each window, move its cost to
        ``at`` less the window's slack where that is later than where it stands.

        Its cost is added again at that time where it already left the window (a send
        in flight longer than the window).
        """
        ...

    async def pause(self, budget_key: str, until: float, now: float) -> None:
        """Send nothing to ``budget_key`` before ``until``, in any process (a later
        pause wins)."""
        ...


@dataclass(frozen=True, slots=True)
class Spent:
    """What a claimed send spent: its windows, the times the local ledger recorded it at,
    and the shared budgets' grant (for :meth:`SharedLedger.landed`)."""

    kind: DestinationKind
    budget_key: str
    cost: int
    stamps: tuple[float, ...]
    grant: Grant


class SharedLedger:
    """A worker's local ledger together with the shared budgets, when there are any."""

    def __init__(self, ledger: BudgetLedger, shared: SharedBudgets | None = None) -> None:
        self.ledger = ledger
        self.shared = shared

    def spends(self, kind: DestinationKind, budget_key: str, cost: int) -> list[Spend]:
        """The windows a send of ``cost`` to ``budget_key`` spends, as the ledger keeps them."""
        slack = self.ledger.budgets.slack
        windows = self.ledger.windows(kind, budget_key)
        return [Spend(name, rate, cost, slack(rate)) for name, rate in windows]

    async def take(self, kind: DestinationKind, budget_key: str, cost: int, now: float) -> Grant:
        """Ask the shared budgets for a send the local ledger already lets go."""
        if self.shared is None:
            return Grant(now)
        spends = self.spends(kind, budget_key, cost)
        return await self.shared.take(spends, now, pause=budget_key)

    def spend(
        self, kind: DestinationKind, budget_key: str, cost: int, now: float, grant: Grant
    ) -> Spent:
        """Record a claimed send in the local ledger (the shared budgets took it already)."""
        stamps = self.ledger.spend(kind, budget_key, cost, now)
        return Spent(kind, budget_key, cost, stamps, grant)

    async def landed(self, spent: Spent, at: float) -> None:
        """Every request of the send was answered by ``at`` (or given up on): count it
        no earlier than it can have landed, here and, when it was shared, everywhere."""
        kind, key, cost = spent.kind, spent.budget_key, spent.cost
        # first the local ledger, at once: this process sees it before its next check
        self.ledger.restamp(kind, key, cost, spent.stamps, at)
        token = spent.grant.token
        if self.shared is None or token is None:
            return
        spends = self.spends(kind, key, cost)
        # the shared stamp is the grant's time (or a moment later): nothing to move
        # while the send landed within every window's slack of it
        if all(at - spend.slack <= spent.grant.ready_at for spend in spends):
            return
        await self.shared.restamp(spends, token, at)

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
