"""PostgreSQL drops the desk's connections under load: the desk carries on by itself.

The desk's backends are terminated three times (``pg_terminate_backend``) while several
customers write and operators reply. Without a restart, every customer message reaches
its topic and every reply reaches its customer.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from urllib.parse import urlsplit

import asyncpg
import pytest

from core.config import Settings
from core.enums import OutboxStatus
from core.models import OutboxItem
from sandbox.telegram import TelegramSandbox, Topic, User
from tests.e2e.conftest import FAST_RATES, chat_of, welcomed
from tests.fixtures.database import _asyncpg_dsn, postgres_admin_url
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld

pytestmark = pytest.mark.postgres

CUSTOMERS = 4
ROUNDS = 6
LOAD_WAIT = 90.0
TOKEN = re.compile(r"\b([cr])(\d+)-(\d+)\b")


async def terminate_backends(database_url: str) -> int:
    """End every server process connected to the desk's database; return how many."""
    name = urlsplit(database_url).path.lstrip("/")
    admin = await asyncpg.connect(_asyncpg_dsn(postgres_admin_url()))
    try:
        rows = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
    finally:
        await admin.close()
    return len(rows)


def tokens(
    sb: TelegramSandbox, world: DeskWorld, customers: list[User], kind: str
) -> set[tuple[int, int]]:
    """(customer, number) of the tokens ``c…`` in topics or ``r…`` in customers' chats."""
    found: set[tuple[int, int]] = set()
    if kind == "c":
        views = [v for t in world.group.topics.values() for v in sb.messages(world.group, topic=t)]
    else:
        views = [
            v
            for customer in customers
            for v in sb.messages(chat_of(world, customer))
            if v.sender_is_bot
        ]
    for view in views:
        for letter, customer, number in TOKEN.findall(view.body or ""):
            if letter == kind:
                found.add((int(customer), int(number)))
    return found


async def topic_for(sb: TelegramSandbox, world: DeskWorld, customer: User) -> Topic:
    """The customer's topic, once it exists."""

    def find() -> Topic | None:
        return next((t for t in world.group.topics.values() if customer.first_name in t.name), None)

    return await sb.wait_for(find, timeout=LOAD_WAIT)


async def test_terminated_backends_three_times_under_load_nothing_lost(
    desk_world: DeskWorld,
    desk_settings: Callable[..., Settings],
    run_desk: DeskRunner,
    postgres_database_url: str,
) -> None:
    sb, world = desk_world.sandbox, desk_world
    customers = [sb.create_user(f"Pg{i}", language_code="en") for i in range(CUSTOMERS)]
    settings = desk_settings(
        sb, world.bot, world.group, database_url=postgres_database_url, **FAST_RATES
    )
    async with run_desk(settings):
        await welcomed(world)
        for index, customer in enumerate(customers):
            sb.send_text(customer, world.bot, f"c{index}-0 hello")
        topics = [await topic_for(sb, world, customer) for customer in customers]
        for round_ in range(1, ROUNDS + 1):
            for index, customer in enumerate(customers):
                sb.send_text(customer, world.bot, f"c{index}-{round_} more")
                sb.send_text(
                    world.operator, world.group, f"r{index}-{round_} ok", topic=topics[index]
                )
            if round_ % 2 == 0:
                assert await terminate_backends(postgres_database_url) >= 0
            await asyncio.sleep(0.3)
        want = {(i, n) for i in range(CUSTOMERS) for n in range(ROUNDS + 1)}
        replies = {(i, n) for i in range(CUSTOMERS) for n in range(1, ROUNDS + 1)}
        await arrived(sb, lambda: want - tokens(sb, world, customers, "c"), "in topics")
        await arrived(sb, lambda: replies - tokens(sb, world, customers, "r"), "delivered")


async def arrived(
    sb: TelegramSandbox, missing: Callable[[], set[tuple[int, int]]], where: str
) -> None:
    """Wait until nothing is missing; fail naming what still is."""
    try:
        await sb.wait_for(lambda: not missing(), timeout=LOAD_WAIT)
    except TimeoutError:
        waiting = await OutboxItem.filter(status__not=OutboxStatus.DONE).values_list(
            "id", "operation", "status", "last_error"
        )
        pytest.fail(f"not {where}: {sorted(missing())}; outbox not done: {waiting}")
