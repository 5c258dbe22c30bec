"""How much work each operator takes: capacity, languages and the team's load.

* ``/capacity @user 5`` (admins) sets how many active tickets auto-assignment may give
  someone; ``default`` gives them ``DEFAULT_CAPACITY`` again. Manual assignment ignores it.
* ``/languages @user ru en`` (admins), or ``/languages ru en`` for oneself, lists the
  languages someone answers in: a customer writing in one of them goes to them first.
* :func:`roster` is the team with presence, load and capacity, for ``/capacity`` alone.

A ticket is *active* while it is new, open or waiting; an operator's load is the number of
active tickets assigned to them. Every change is an event (``CAPACITY``, by the admin).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Count

from core.context import DeskContext
from core.entities import OperatorProfile
from core.enums import ACTIVE_TICKET_STATUSES, EventKind, OperatorPresence, OperatorRole
from core.i18n import language_tag
from core.messaging.usecase import atomically
from core.models import Operator, Ticket
from core.staff.events import record
from core.staff.operators import (
    OperatorInfo,
    Refusal,
    TeamResult,
    find_operator,
    info_of,
    refuse,
    upsert_operator,
)
from core.staff.permissions import ROLE_ORDER, Action, allowed

log = logging.getLogger(__name__)

#: The statuses in which a ticket counts against its assignee's capacity.
ACTIVE = ACTIVE_TICKET_STATUSES
#: The largest capacity a command accepts (more is a typo, not a plan).
MAX_CAPACITY = 1000
#: How many languages one operator may list.
MAX_LANGUAGES = 10


@dataclass(frozen=True, slots=True)
class Load:
    """One operator's line in ``/capacity``: who, their presence, load and capacity."""

    operator: OperatorInfo
    active: int
    capacity: int
    own_capacity: bool  # set with /capacity (else the default)
    languages: tuple[str, ...]


def capacity_of(operator: Operator, default: int) -> int:
    """The capacity auto-assignment respects for ``operator`` (their own, else ``default``)."""
    return default if operator.capacity is None else int(operator.capacity)


async def loads(
    connection: BaseDBAsyncClient | None, operator_ids: Iterable[int]
) -> dict[int, int]:
    """Active tickets per operator row id (an operator without any is absent)."""
    ids = list(operator_ids)
    if not ids:
        return {}
    query = Ticket.filter(assignee_id__in=ids, status__in=ACTIVE)
    if connection is not None:
        query = query.using_db(connection)
    rows = await query.annotate(n=Count("id")).group_by("assignee_id").values("assignee_id", "n")
    return {int(row["assignee_id"]): int(row["n"]) for row in rows}


def parse_capacity(value: str) -> int | None:
    """``"5"`` → 5; ``"default"`` → -1 (back to the default); anything else → None."""
    word = value.strip().lower()
    if word in ("default", "-"):
        return -1
    if word.isascii() and word.isdigit() and int(word) <= MAX_CAPACITY:
        return int(word)
    return None


def parse_languages(words: Sequence[str]) -> tuple[str, ...] | None:
    """Language codes (``ru``, ``en-GB`` → ``en``), deduplicated; None if one is not a code.

    ``-`` alone clears the list (the operator then takes any language, preferred by none).
    """
    if list(words) == ["-"]:
        return ()
    codes: list[str] = []
    for word in words:
        code = language_tag(word)
        if not code or len(code) > 3:
            return None
        if code not in codes:
            codes.append(code)
    return tuple(codes) if 0 < len(codes) <= MAX_LANGUAGES else None


async def _admin_change(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    actor: OperatorProfile,
    target: str | None,
    admins: Collection[int],
    details: dict[str, object],
) -> tuple[Operator, Operator | None, TeamResult | None]:
    """The acting row and the target row, or the refusal (only admins change others)."""
    now = ctx.clock.now()
    me = await upsert_operator(connection, actor, now, admins=admins)
    if target is None:
        return me, me, None
    operator = await find_operator(connection, target)
    if operator is not None and operator.id == me.id and details.get("what") == "languages":
        return me, me, None  # one's own languages need no admin
    if not allowed(OperatorRole(me.role), Action.MANAGE_ROLES):
        return me, None, await refuse(connection, me, Action.MANAGE_ROLES, now, details=details)
    if operator is None:
        return me, None, TeamResult(refused=Refusal.UNKNOWN_USER)
    return me, operator, None


async def set_capacity(
    actor: OperatorProfile,
    target: str,
    capacity: int,
    ctx: DeskContext,
    *,
    admins: Collection[int] = (),
) -> TeamResult:
    """Give ``target`` (``@username`` or Telegram id) ``capacity`` (-1: the default again).

    Admins only; records a ``CAPACITY`` event when the value changes.
    """

    async def work(connection: BaseDBAsyncClient) -> TeamResult:
        details: dict[str, object] = {"what": "capacity", "target": target, "new": capacity}
        me, operator, refused = await _admin_change(connection, ctx, actor, target, admins, details)
        if refused is not None or operator is None:
            return refused or TeamResult(refused=Refusal.UNKNOWN_USER)
        new = None if capacity < 0 else capacity
        if operator.capacity != new:
            old, operator.capacity = operator.capacity, new
            await operator.save(using_db=connection, update_fields=["capacity"])
            data = {"operator": operator.telegram_id, "old": old, "new": new}
            now = ctx.clock.now()
            await record(connection, kind=EventKind.CAPACITY, actor_id=me.id, data=data, now=now)
            log.info("operator %s capacity %s → %s", operator.telegram_id, old, new)
        return TeamResult(operator=info_of(operator))

    return await atomically(work)


async def set_languages(
    actor: OperatorProfile,
    target: str | None,
    languages: Sequence[str],
    ctx: DeskContext,
    *,
    admins: Collection[int] = (),
) -> TeamResult:
    """Set the languages ``target`` answers in (``None``: the actor's own; others: admins)."""

    async def work(connection: BaseDBAsyncClient) -> TeamResult:
        details: dict[str, object] = {"what": "languages", "target": target, "new": list(languages)}
        me, operator, refused = await _admin_change(connection, ctx, actor, target, admins, details)
        if refused is not None or operator is None:
            return refused or TeamResult(refused=Refusal.UNKNOWN_USER)
        if list(operator.languages or []) != list(languages):
            data = {
                "operator": operator.telegram_id,
                "languages": list(languages),
                "old_languages": list(operator.languages or []),
            }
            operator.languages = list(languages)
            await operator.save(using_db=connection, update_fields=["languages"])
            now = ctx.clock.now()
            await record(connection, kind=EventKind.CAPACITY, actor_id=me.id, data=data, now=now)
        return TeamResult(operator=info_of(operator))

    return await atomically(work)


async def roster(default_capacity: int) -> list[Load]:
    """Every operator with presence, load and capacity: online first, then by role, name."""
    operators = await Operator.all()
    active = await loads(None, (o.id for o in operators))
    order = {OperatorPresence.ONLINE: 0, OperatorPresence.AWAY: 1, OperatorPresence.OFFLINE: 2}
    operators.sort(
        key=lambda o: (
            order[OperatorPresence(o.presence)],
            -ROLE_ORDER[OperatorRole(o.role)],
            o.name.casefold(),
            o.telegram_id,
        )
    )
    return [
        Load(
            operator=info_of(o),
            active=active.get(o.id, 0),
            capacity=capacity_of(o, default_capacity),
            own_capacity=o.capacity is not None,
            languages=tuple(o.languages or ()),
        )
        for o in operators
    ]
