"""vkbottle's ``API`` whose calls outside the outbox take their share of the budget.

VK allows a community token 20 calls a second, all methods together. The outbox
budgets its own sends; the intake's calls (``users.get`` for a new customer, the answer
to a button press, the long-poll server) happen outside it. Each such call books its
share of the same channel-wide budget first and waits its turn, so intake and replies
never together exceed the limit, and the outbox sees what the intake used; with several
processes the share is booked in the budgets they share too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from vkbottle import API

from core.clock import Clock
from core.enums import DestinationKind
from core.outbox.attempt import current_attempt
from core.outbox.shared_budgets import SharedLedger

#: waits for one call's share of the channel budget and books it
Reserve = Callable[[], Awaitable[None]]


class PacedAPI(API):
    """An ``API`` that waits for the community's budget before calls outside the outbox."""

    reserve: Reserve | None = None

    def pace_with(self, budgets: SharedLedger, clock: Clock) -> None:
        """Book calls on the VK channel budget of ``budgets`` (the outbox worker's: its
        ledger, and the budgets every process of the desk shares, if any)."""
        self.reserve = lambda: budgets.reserve(DestinationKind.VK, clock)

    async def request(
        self, method: str, data: dict[str, Any], version: str | None = None
    ) -> dict[str, Any]:
        """One API call; outside an outbox attempt it waits for its share first."""
        # an outbox attempt's calls were budgeted when the worker claimed its items
        if self.reserve is not None and current_attempt() is None:
            await self.reserve()
        result: dict[str, Any] = await super().request(method, data, version)
        return result
