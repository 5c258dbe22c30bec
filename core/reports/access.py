"""Who may see reports: managers and admins (:attr:`~core.staff.permissions.Action.REPORTS`).

A report names operators and quotes customers' complaints, so anyone below manager is
refused; the refusal is recorded as a ``REFUSED`` event and logged, like every other.
"""

from __future__ import annotations

from collections.abc import Collection

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import OperatorProfile
from core.enums import OperatorRole
from core.messaging.usecase import atomically
from core.staff.operators import refuse, upsert_operator
from core.staff.permissions import Action, allowed


async def may_see_reports(
    actor: OperatorProfile,
    ctx: DeskContext,
    *,
    what: str,
    admins: Collection[int] = (),
) -> bool:
    """May ``actor`` see reports? Register them; record and log a refusal of ``what``.

    ``what`` names what was asked (``/report``, ``/export``, a report button) for the log.
    """

    async def work(connection: BaseDBAsyncClient) -> bool:
        now = ctx.clock.now()
        me = await upsert_operator(connection, actor, now, admins=admins)
        if allowed(OperatorRole(me.role), Action.REPORTS):
            return True
        await refuse(connection, me, Action.REPORTS, now, details={"asked": what[:64]})
        return False

    return await atomically(work)
