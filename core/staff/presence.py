"""Presence: the one place that says whether an operator takes work now.

Telegram has no "online" light, so presence is explicit: ``/online``, ``/away`` and
``/offline`` (and the older ``/shift on|off``, which means online / offline). Every change
goes through :func:`set_presence`, which keeps ``Operator.on_shift`` equal to "online" for
the queries that predate presence, records a ``PRESENCE`` event by the operator, and says
what must follow (:class:`Follow`): coming online may take tickets from the queue, going
away or offline hands the operator's tickets back. Those follow-ups change tickets, so they
live above this layer (:mod:`core.tickets.hand_back`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import OperatorProfile
from core.enums import EventKind, OperatorPresence, OperatorRole
from core.messaging.usecase import atomically
from core.staff.events import record
from core.staff.operators import OperatorInfo, Refusal, info_of, refuse, upsert_operator
from core.staff.permissions import Action, allowed

log = logging.getLogger(__name__)


class Follow(StrEnum):
    """What a presence change asks of the tickets once it is committed."""

    NOTHING = "nothing"
    DRAIN = "drain"  # came online: hand the queue out
    HAND_BACK = "hand_back"  # went away or offline: their tickets go back


@dataclass(frozen=True, slots=True)
class PresenceResult:
    """What :func:`set_presence` did: the operator as they are now, and what follows."""

    refused: Refusal | None = None
    operator: OperatorInfo | None = None
    operator_id: int | None = None  # the row id, for the follow-up
    previous: OperatorPresence | None = None
    follow: Follow = Follow.NOTHING

    @property
    def ok(self) -> bool:
        """True when the change (or the no-change) went through."""
        return self.refused is None


def follow_of(old: OperatorPresence, new: OperatorPresence) -> Follow:
    """What a move from ``old`` to ``new`` asks of the tickets.

    Away → offline hands back too: a ticket given to them by hand while away goes back.
    """
    if old == new:
        return Follow.NOTHING
    return Follow.DRAIN if new is OperatorPresence.ONLINE else Follow.HAND_BACK


async def presence_in(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    me: OperatorProfile,
    presence: OperatorPresence,
    *,
    admins: Collection[int] = (),
) -> PresenceResult:
    """:func:`set_presence` inside the caller's transaction ``connection``."""
    now = ctx.clock.now()
    row = await upsert_operator(connection, me, now, admins=admins)
    if not allowed(OperatorRole(row.role), Action.SHIFT):
        refused = await refuse(connection, row, Action.SHIFT, now, details={"new": str(presence)})
        return PresenceResult(refused=refused.refused, operator=refused.operator)
    old = OperatorPresence(row.presence)
    if old != presence:
        row.presence, row.on_shift = presence, presence is OperatorPresence.ONLINE
        await row.save(using_db=connection, update_fields=["presence", "on_shift"])
        data = {"operator": row.telegram_id, "old": str(old), "new": str(presence)}
        await record(connection, kind=EventKind.PRESENCE, actor_id=row.id, data=data, now=now)
        log.info("operator %s is %s (was %s)", row.telegram_id, presence, old)
    return PresenceResult(
        operator=info_of(row),
        operator_id=row.id,
        previous=old,
        follow=follow_of(old, presence),
    )


async def set_presence(
    me: OperatorProfile,
    presence: OperatorPresence,
    ctx: DeskContext,
    *,
    admins: Collection[int] = (),
) -> PresenceResult:
    """Make ``me`` ``presence`` (online, away or offline) in one transaction.

    Any operator may set their own presence (:attr:`Action.SHIFT`). The result's
    ``follow`` says what must happen after the commit; setting the presence one already
    has changes nothing and asks for nothing.
    """

    async def work(connection: BaseDBAsyncClient) -> PresenceResult:
        return await presence_in(connection, ctx, me, presence, admins=admins)

    return await atomically(work)


def shift_presence(on: bool) -> OperatorPresence:
    """What ``/shift on`` / ``/shift off`` mean since presence exists."""
    return OperatorPresence.ONLINE if on else OperatorPresence.OFFLINE


async def set_shift(
    operator: OperatorProfile, on: bool, ctx: DeskContext, *, admins: Collection[int] = ()
) -> PresenceResult:
    """Put ``operator`` on shift (online) or off it (offline): :func:`set_presence`."""
    return await set_presence(operator, shift_presence(on), ctx, admins=admins)
