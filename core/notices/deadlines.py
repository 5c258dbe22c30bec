"""The scheduler's handlers for SLA deadlines: mark the clock, then tell people.

Both run inside the transaction in which the scheduler claims the deadline, so the clock's
new state, its event and the notices commit together with the deadline's ``fired_at``.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.models import Deadline
from core.notices.sla import announce
from core.timers.scheduler import Handler
from core.timers.sla import SLA_BREACH, SLA_WARNING, fire


def sla_handlers(ctx: DeskContext) -> dict[str, Handler]:
    """Handlers of the SLA warning and breach deadlines, by kind."""

    async def handle(connection: BaseDBAsyncClient, deadline: Deadline, now: datetime) -> None:
        alarm = await fire(connection, deadline, now)
        if alarm is not None:  # None: stale (answered, paused or moved since it was set)
            await announce(connection, ctx, alarm)

    return {SLA_WARNING: handle, SLA_BREACH: handle}
