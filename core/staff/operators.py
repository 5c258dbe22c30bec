"""The team: the operator registry, roles and refusals (no messenger code here).

* The registry fills itself: whoever acts in the operator group gets a row
  (:func:`upsert_operator`), refreshed with their current name and username.
* The first admins come from the configuration (``ADMIN_IDS``): such an operator is
  ``admin`` when first seen, is made ``admin`` again whenever seen, and cannot be
  demoted with a command.
* Changing roles needs :attr:`Action.MANAGE_ROLES` (see :mod:`core.staff.permissions`); every
  change is an ``EventKind.ROLE`` event, every refusal an ``EventKind.REFUSED`` one.

Use cases return small frozen results (``ok`` or a :class:`Refusal` reason) that the
operator-group handlers render; they never hand out ORM rows.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import OperatorProfile
from core.enums import EventKind, OperatorPresence, OperatorRole
from core.limits import BIGINT_MAX, operator_profile
from core.messaging.usecase import atomically
from core.models import Operator
from core.staff.events import record
from core.staff.permissions import ROLE_ORDER, Action, allowed

log = logging.getLogger(__name__)


class Refusal(StrEnum):
    """Why a team command changed nothing (handlers map each to a short reply)."""

    NOT_ALLOWED = "not_allowed"
    UNKNOWN_USER = "unknown_user"
    UNKNOWN_ROLE = "unknown_role"
    CONFIG_ADMIN = "config_admin"


@dataclass(frozen=True, slots=True)
class OperatorInfo:
    """An operator as the handlers show them."""

    telegram_id: int
    name: str
    username: str | None
    role: OperatorRole
    on_shift: bool
    presence: OperatorPresence = OperatorPresence.OFFLINE


@dataclass(frozen=True, slots=True)
class TeamResult:
    """What a team use case did: ``operator`` is the one it concerned (if known)."""

    refused: Refusal | None = None
    operator: OperatorInfo | None = None
    previous_role: OperatorRole | None = None

    @property
    def ok(self) -> bool:
        """True when the change (or the query) went through."""
        return self.refused is None


def info_of(operator: Operator) -> OperatorInfo:
    """The frozen view of an operator row."""
    return OperatorInfo(
        telegram_id=operator.telegram_id,
        name=operator.name,
        username=operator.username,
        role=OperatorRole(operator.role),
        on_shift=operator.on_shift,
        presence=OperatorPresence(operator.presence),
    )


async def upsert_operator(
    connection: BaseDBAsyncClient,
    profile: OperatorProfile,
    now: datetime,
    *,
    admins: Collection[int] = (),
) -> Operator:
    """The operator row for ``profile``: the registry fills itself from who acts.

    Someone listed in ``admins`` (``ADMIN_IDS``) is ``admin`` when first seen and is
    made ``admin`` again whenever seen.
    """
    is_admin = profile.telegram_id in admins
    # Whatever adapter built the profile, the row holds only so much of a name.
    profile = operator_profile(profile.telegram_id, profile.name, profile.username)
    operator = await Operator.filter(telegram_id=profile.telegram_id).using_db(connection).first()
    if operator is None:
        return await Operator.create(
            using_db=connection,
            telegram_id=profile.telegram_id,
            name=profile.name,
            username=profile.username,
            role=OperatorRole.ADMIN if is_admin else OperatorRole.AGENT,
            created_at=now,
            last_seen_at=now,
        )
    operator.name, operator.username, operator.last_seen_at = profile.name, profile.username, now
    if is_admin:
        operator.role = OperatorRole.ADMIN
    await operator.save(using_db=connection)
    return operator


async def refuse(
    connection: BaseDBAsyncClient,
    actor: Operator,
    action: Action,
    now: datetime,
    *,
    reason: Refusal = Refusal.NOT_ALLOWED,
    details: dict[str, Any] | None = None,
) -> TeamResult:
    """Record and log that ``actor`` was not allowed to take ``action``; return the refusal."""
    data = {
        "action": str(action),
        "reason": str(reason),
        "role": str(actor.role),
        **(details or {}),
    }
    await record(connection, kind=EventKind.REFUSED, actor_id=actor.id, data=data, now=now)
    log.warning("refused %s to operator %s: %s", action, actor.telegram_id, data)
    return TeamResult(refused=reason, operator=info_of(actor))


async def operator_row(connection: BaseDBAsyncClient, operator_id: int | None) -> Operator | None:
    """The operator with row id ``operator_id``, if there is one."""
    if operator_id is None:
        return None
    return await Operator.filter(id=operator_id).using_db(connection).first()


async def name_of(connection: BaseDBAsyncClient, operator_id: int | None) -> str | None:
    """The name of the operator with row id ``operator_id`` (None: nobody)."""
    operator = await operator_row(connection, operator_id)
    return operator.name if operator else None


async def telegram_id_of(connection: BaseDBAsyncClient, operator_id: int | None) -> int | None:
    """The Telegram id of the operator with row id ``operator_id`` (None: nobody)."""
    operator = await operator_row(connection, operator_id)
    return operator.telegram_id if operator else None


async def whoami(
    profile: OperatorProfile, ctx: DeskContext, *, admins: Collection[int] = ()
) -> OperatorInfo:
    """Register ``profile`` (if new) and return how the desk knows them."""

    async def work(connection: BaseDBAsyncClient) -> OperatorInfo:
        return info_of(await upsert_operator(connection, profile, ctx.clock.now(), admins=admins))

    return await atomically(work)


def parse_role(value: str) -> OperatorRole | None:
    """The role named ``value`` (any case), or None for an unknown name."""
    try:
        return OperatorRole(value.strip().lower())
    except ValueError:
        return None


async def _find(connection: BaseDBAsyncClient, target: str) -> Operator | None:
    """An operator by Telegram id (``123``) or username (``@name`` / ``name``)."""
    target = target.strip()
    query = Operator.all().using_db(connection)
    if target.lstrip("-").isascii() and target.lstrip("-").isdigit():
        telegram_id = int(target)  # beyond the column's range there is no such operator
        if abs(telegram_id) > BIGINT_MAX:
            return None
        return await query.filter(telegram_id=telegram_id).first()
    username = target.removeprefix("@")
    if not username:
        return None
    return await query.filter(username__iexact=username).first()


async def find_operator(connection: BaseDBAsyncClient, target: str) -> Operator | None:
    """An operator by Telegram id (``123``) or username (``@name`` / ``name``), if known."""
    return await _find(connection, target)


async def set_role(
    actor: OperatorProfile,
    target: str,
    role: str,
    ctx: DeskContext,
    *,
    admins: Collection[int] = (),
) -> TeamResult:
    """Give the operator ``target`` (``@username`` or Telegram id) the role named ``role``.

    Only an operator allowed :attr:`Action.MANAGE_ROLES` may; anyone else is refused
    (and the refusal recorded). Unknown users and roles are refused with their reason,
    and so is demoting an admin from ``ADMIN_IDS``. A change records an ``ROLE`` event.
    """

    async def work(connection: BaseDBAsyncClient) -> TeamResult:
        now = ctx.clock.now()
        me = await upsert_operator(connection, actor, now, admins=admins)
        details = {"target": target, "new": role}
        if not allowed(OperatorRole(me.role), Action.MANAGE_ROLES):
            return await refuse(connection, me, Action.MANAGE_ROLES, now, details=details)
        new_role = parse_role(role)
        if new_role is None:
            return TeamResult(refused=Refusal.UNKNOWN_ROLE)
        operator = await _find(connection, target)
        if operator is None:
            return TeamResult(refused=Refusal.UNKNOWN_USER)
        if operator.telegram_id in admins and new_role is not OperatorRole.ADMIN:
            return TeamResult(refused=Refusal.CONFIG_ADMIN, operator=info_of(operator))
        previous = OperatorRole(operator.role)
        if previous is not new_role:
            operator.role = new_role
            await operator.save(using_db=connection, update_fields=["role"])
            data = {"operator": operator.telegram_id, "old": str(previous), "new": str(new_role)}
            await record(connection, kind=EventKind.ROLE, actor_id=me.id, data=data, now=now)
            log.info(
                "operator %s is now %s (by %s)", operator.telegram_id, new_role, me.telegram_id
            )
        return TeamResult(operator=info_of(operator), previous_role=previous)

    return await atomically(work)


async def team(*, on_shift_only: bool = False) -> list[OperatorInfo]:
    """Every known operator (or those on shift), the highest role first, then by name."""
    query = Operator.all()
    if on_shift_only:
        query = query.filter(on_shift=True)
    rows = await query
    rows.sort(key=lambda o: (-ROLE_ORDER[OperatorRole(o.role)], o.name.casefold(), o.telegram_id))
    return [info_of(row) for row in rows]
