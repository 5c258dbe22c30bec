"""The team without any messenger: the registry, config admins, roles, shifts, refusals."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from core.clock import FrozenClock
from core.context import DeskContext
from core.entities import OperatorProfile
from core.enums import EventKind, OperatorPresence, OperatorRole
from core.models import Event, Operator
from core.staff.events import events_of, record
from core.staff.operators import Refusal, set_role, team, whoami
from core.staff.presence import set_shift

GROUP = -1001234567890
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ADMINS = frozenset({1})

BOSS = OperatorProfile(1, "Olga Boss", "olga")
IVAN = OperatorProfile(2, "Ivan Agent", "Ivan_Op")
PETR = OperatorProfile(3, "Petr Agent", None)


def context() -> DeskContext:
    return DeskContext(group_chat_id=GROUP, clock=FrozenClock(NOW))


async def test_record_writes_one_event_row(db: str) -> None:
    async with in_transaction() as connection:
        event = await record(connection, kind=EventKind.ROLE, data={"new": "senior"}, now=NOW)
    stored = await Event.get(id=event.id)
    assert stored.kind == EventKind.ROLE and stored.data == {"new": "senior"}
    assert stored.actor_id is None and stored.ticket_id is None and stored.created_at == NOW


async def test_registry_fills_itself_and_config_admins_are_admins(db: str) -> None:
    ctx = context()
    boss = await whoami(BOSS, ctx, admins=ADMINS)
    ivan = await whoami(IVAN, ctx, admins=ADMINS)
    assert boss.role is OperatorRole.ADMIN and ivan.role is OperatorRole.AGENT
    renamed = await whoami(OperatorProfile(2, "Ivan Petrov", "ivan_new"), ctx, admins=ADMINS)
    assert renamed.name == "Ivan Petrov" and renamed.username == "ivan_new"
    assert await Operator.all().count() == 2


async def test_a_config_admin_first_seen_as_agent_becomes_admin_and_stays(db: str) -> None:
    ctx = context()
    assert (await whoami(BOSS, ctx)).role is OperatorRole.AGENT  # seen without the config
    assert (await whoami(BOSS, ctx, admins=ADMINS)).role is OperatorRole.ADMIN
    await whoami(IVAN, ctx, admins=ADMINS)
    await set_role(BOSS, "2", "admin", ctx, admins=ADMINS)
    result = await set_role(IVAN, "@olga", "agent", ctx, admins=ADMINS)
    assert result.refused is Refusal.CONFIG_ADMIN
    assert (await Operator.get(telegram_id=1)).role == OperatorRole.ADMIN


async def test_admin_sets_a_role_by_username_or_id_and_an_event_is_recorded(db: str) -> None:
    ctx = context()
    await whoami(IVAN, ctx)
    await whoami(PETR, ctx)
    result = await set_role(BOSS, "@ivan_op", "Senior", ctx, admins=ADMINS)
    assert result.ok and result.previous_role is OperatorRole.AGENT
    assert result.operator is not None and result.operator.role is OperatorRole.SENIOR
    assert (await set_role(BOSS, "3", "manager", ctx, admins=ADMINS)).ok
    roles = {o.telegram_id: o.role for o in await team()}
    assert roles == {1: OperatorRole.ADMIN, 2: OperatorRole.SENIOR, 3: OperatorRole.MANAGER}
    events = await events_of(kind=EventKind.ROLE)
    boss = await Operator.get(telegram_id=1)
    assert [e.data for e in events] == [
        {"operator": 2, "old": "agent", "new": "senior"},
        {"operator": 3, "old": "agent", "new": "manager"},
    ]
    assert all(e.actor_id == boss.id and e.created_at == NOW for e in events)


async def test_unknown_users_and_roles_are_refused_with_a_reason(db: str) -> None:
    ctx = context()
    await whoami(IVAN, ctx)
    assert (await set_role(BOSS, "@nobody", "senior", ctx, admins=ADMINS)).refused is (
        Refusal.UNKNOWN_USER
    )
    assert (await set_role(BOSS, "999", "senior", ctx, admins=ADMINS)).refused is (
        Refusal.UNKNOWN_USER
    )
    assert (await set_role(BOSS, "@ivan_op", "boss", ctx, admins=ADMINS)).refused is (
        Refusal.UNKNOWN_ROLE
    )
    assert (await Operator.get(telegram_id=2)).role == OperatorRole.AGENT
    assert await events_of(kind=EventKind.ROLE) == []


async def test_non_admins_are_refused_and_the_refusal_is_recorded(db: str) -> None:
    ctx = context()
    await whoami(BOSS, ctx, admins=ADMINS)
    await set_role(BOSS, "@ivan_op", "manager", ctx, admins=ADMINS)  # unknown yet: refused
    await whoami(IVAN, ctx)
    assert (await set_role(BOSS, "@ivan_op", "manager", ctx, admins=ADMINS)).ok
    for target in ("@ivan_op", "2", "@olga"):  # a manager may neither promote nor demote
        result = await set_role(IVAN, target, "admin", ctx, admins=ADMINS)
        assert result.refused is Refusal.NOT_ALLOWED
    assert (await Operator.get(telegram_id=2)).role == OperatorRole.MANAGER
    refused = await events_of(kind=EventKind.REFUSED)
    ivan = await Operator.get(telegram_id=2)
    assert len(refused) == 3 and all(e.actor_id == ivan.id for e in refused)
    assert refused[0].data["action"] == "manage_roles" and refused[0].data["target"] == "@ivan_op"


async def test_shift_on_and_off(db: str) -> None:
    ctx = context()
    assert (await set_shift(IVAN, True, ctx)).ok
    assert (await set_shift(PETR, True, ctx)).ok
    assert (await set_shift(PETR, False, ctx)).ok
    on = await team(on_shift_only=True)
    assert [o.telegram_id for o in on] == [2] and on[0].on_shift
    assert on[0].presence is OperatorPresence.ONLINE
    assert len(await team()) == 2
    presence = await Event.filter(kind=EventKind.PRESENCE).order_by("id")
    assert [e.data["new"] for e in presence] == ["online", "online", "offline"]


async def test_a_name_longer_than_its_column_is_cut(db: str) -> None:
    profile = OperatorProfile(telegram_id=555, name="N" * 400, username="u" * 100)
    info = await whoami(profile, DeskContext(group_chat_id=-100))
    assert (len(info.name), len(info.username or "")) == (255, 64)
