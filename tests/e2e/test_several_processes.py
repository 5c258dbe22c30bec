"""Three ``botdesk run`` processes on PostgreSQL and Redis; the polling leader is SIGKILLed.

The processes share one database and one Redis, and serve a Telegram operator forum
and a VK community, both sandboxes in this test's process (they outlive every desk, as
Telegram and VK would). One process holds the lease ``poll`` and long-polls both; the
others stand by, and all three send what the outbox holds and fire due deadlines.

Fifty customers (forty on Telegram, ten on VK) write twenty numbered messages each while
operators answer every topic three times: when it first shows its customer, while the
leader is dead, and after another process took over. Halfway through the leader is
killed, and the customers keep writing while nobody polls. One more customer writes a
little before the kill and is never answered: the SLA warning of that ticket falls due
half a second after the kill, before anyone took over.

Afterwards every customer message is in its topic exactly once (and in order), every
VK reply reached its customer exactly once (``random_id``) and every Telegram reply at
least once (the Bot API has no idempotency key: a reply the killed process sent just
before its death may go out again), nothing the desk posts shows twice in the group
(its journal of sends sweeps the copies a resend left), the group never got a 429
(the flood budgets are shared through Redis, and the processes take turns at the
group), and the warning fired exactly once.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bots.vk.polling import cursor_name
from core.db import migrate
from sandbox.telegram import Limits
from sandbox.vk import VkSandbox
from tests.e2e.conftest import WELCOME, welcomed
from tests.e2e.several import (
    Desk,
    FloodCount,
    Operators,
    connected,
    forget_desk_keys,
    poll_holder,
    start_desk,
    started,
    telegram_replies,
    tokens_in_topics,
    took_over,
    until,
    vk_replies,
    warning_due,
    worker_redis_url,
)
from tests.e2e.test_relay_load import TOKEN, scaled_rates
from tests.e2e.test_vk_load import limited_vk, long_poll_started, vk_settings  # noqa: F401
from tests.fixtures.telegram_sandbox import DeskWorld

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

SCALE = 0.02  # the group's 20 messages a minute become 20 per 1.2 s
# The desks keep a 5 % margin over the messengers' windows for the time between counting
# a send and its arrival: 3 s of Telegram's minute, but 60 ms of the scaled window, less
# than three desks and both sandboxes sharing two cores may take. The group gets more.
GROUP_SLACK = 0.3
TELEGRAM_CUSTOMERS = 40
VK_CUSTOMERS = 10
CUSTOMERS = TELEGRAM_CUSTOMERS + VK_CUSTOMERS
MESSAGES = 20
ROUND = 0.3  # seconds between two rounds of fifty messages
KILL_ROUND = 10  # the rounds written while the first leader lives
NAMES = ("desk-a", "desk-b", "desk-c")
TTL = 3  # LEADER_TTL_SECONDS: a dead leader is replaced within this and a second
REPLIES = 3  # per customer: before the kill, while the leader is dead, after the takeover
LATECOMER = "Latecomer"
#: the latecomer's warning falls due this long after the ticket is created
WARN_AFTER = 3
# Only urgent tickets have a target short enough to fall due here; normal ones need one
# as well, as a ticket whose first priority has none starts no first-response clock.
DESK_TOML = f"""
[sla]
warn_before = "{120 - WARN_AFTER}s"

[sla.normal]
first_response = "10m"
business_hours = false

[sla.urgent]
first_response = "2m"
business_hours = false

[[rules]]
name = "blocked cards"
when.keywords = ["blocked"]
then.priority = "urgent"
"""
WARNING = "⏰ SLA warning: first response due at "


@pytest.fixture
async def shared_database(postgres_database_url: str) -> str:
    """The desks' PostgreSQL database, migrated before any of them starts (as the compose
    file's one-off ``migrate`` service does), so that no two race to migrate it."""
    await migrate(postgres_database_url)
    return postgres_database_url


@pytest.fixture
async def shared_redis(redis_url: str, desk_world: DeskWorld) -> AsyncIterator[str]:
    """The desks' Redis URL; what they leave there is deleted before and after."""
    url = worker_redis_url(redis_url)
    await forget_desk_keys(url, desk_world.group.id)
    yield url
    await forget_desk_keys(url, desk_world.group.id)


async def test_three_processes_lose_and_double_nothing_when_the_polling_leader_dies(
    desk_world: DeskWorld,
    limited_vk: VkSandbox,  # noqa: F811
    shared_database: str,
    shared_redis: str,
    tmp_path: Path,
) -> None:
    sb, world, vk = desk_world.sandbox, desk_world, limited_vk
    sb.limits = Limits().scaled(SCALE)
    floods = FloodCount.on(sb)
    community = vk.create_community("Acme")
    tg_users = [sb.create_user(f"Tg{i}", language_code="en") for i in range(TELEGRAM_CUSTOMERS)]
    vk_users = [vk.create_user(f"Vk{i}", "Several", lang="en") for i in range(VK_CUSTOMERS)]
    late = sb.create_user(LATECOMER, language_code="en")
    (tmp_path / "botdesk.toml").write_text(DESK_TOML, encoding="utf-8")
    rates = {**scaled_rates(SCALE), "rate_group": f"20/{60 * SCALE + GROUP_SLACK}"}
    env = {
        "BOT_TOKEN": world.bot.token,
        "OPERATOR_GROUP_ID": str(world.group.id),
        "TELEGRAM_API_BASE": sb.base_url,
        "DATABASE_URL": shared_database,
        "REDIS_URL": shared_redis,
        "LEADER_TTL_SECONDS": str(TTL),
        "LOG_LEVEL": "INFO",
        # this test counts the messages in each chat; the acknowledgement has tests of its own
        "ACKNOWLEDGEMENT": '{"enabled": false}',
        **{k.upper(): v for k, v in {**rates, **vk_settings(vk, community)}.items()},
    }
    operators = Operators(sb, world)
    expected = CUSTOMERS * MESSAGES
    tg_seen: Counter[str] = Counter()
    vk_seen: Counter[str] = Counter()

    def write(number: int) -> None:
        for index, user in enumerate(tg_users):
            sb.send_text(user, world.bot, f"c{index}-m{number} help")
        for index, vk_user in enumerate(vk_users, start=TELEGRAM_CUSTOMERS):
            vk.user_writes(community, vk_user, f"c{index}-m{number} help")
        operators.answer()

    def done() -> bool:
        nonlocal tg_seen, vk_seen
        operators.answer()
        tg_seen = telegram_replies(sb, world, tg_users)
        vk_seen = vk_replies(vk, community, vk_users)
        return (
            sum(map(len, tokens_in_topics(sb, world).values())) >= expected
            and len(operators.sent) == CUSTOMERS * REPLIES
            and len(tg_seen) + len(vk_seen) == len(operators.sent)
            and any(WARNING in (v.body or "") for v in sb.messages(world.group))
        )

    desks: list[Desk] = []
    began = time.monotonic()
    async with connected(shared_database) as db:
        try:
            desks = [await start_desk(name, tmp_path, **env) for name in NAMES]
            await started(desks)
            await welcomed(world)
            await long_poll_started(vk)
            # the VK long poll stored where it starts (earlier messages: read from history)
            cursor = "SELECT value <> '' FROM channel_cursors WHERE name = $1"
            await until(lambda: db.fetchval(cursor, cursor_name(community.id)), 30, "VK's ts")
            holder = await poll_holder(db)
            leader = next(desk for desk in desks if desk.name == holder)
            up = time.monotonic() - began
            for number in range(KILL_ROUND):
                write(number)
                if number == KILL_ROUND - WARN_AFTER - 1:
                    sb.send_text(late, world.bot, "My card is blocked")
                await asyncio.sleep(ROUND)
            due = await until(lambda: warning_due(db, LATECOMER), 20, "the latecomer's ticket")
            await asyncio.sleep(max(0.0, due.timestamp() - 0.5 - time.time()))
            at_kill = sum(map(len, tokens_in_topics(sb, world).values())), len(operators.sent)
            await leader.kill()
            killed_at = time.time()
            takeover = asyncio.create_task(took_over(shared_database, leader.name))
            operators.phase = 1
            for number in range(KILL_ROUND, MESSAGES):
                write(number)
                await asyncio.sleep(ROUND)
            took = await takeover
            operators.phase = 2
            settled = time.monotonic()
            await until(done, 90, "every message and reply delivered")
            settled = time.monotonic() - settled
            await asyncio.sleep(1.5)  # a duplicate would show by now
            # who took over while the desk ran: stopping one hands the lease to the next
            took_poll = [d.name for d in desks if d is not leader and "poll taken by " in d.text()]
        finally:
            codes = {desk.name: await desk.stop() for desk in desks}
    logs = "\n".join(f"--- {desk.name}\n{desk.text()}" for desk in desks)
    assert codes.pop(leader.name) == -9, "the leader was killed"
    assert set(codes.values()) == {0}, f"SIGTERM stops the others cleanly: {codes}\n{logs}"

    # Leadership: one successor, within the ttl and a second; the warning fell due between.
    successors = took_poll
    assert len(successors) == 1, f"one successor: {successors}\n{logs}"
    assert took <= TTL + 1.5, f"taken over {took:.1f} s after the kill"
    assert killed_at < due.timestamp() < killed_at + took, "the warning fell due meanwhile"

    # Every customer message in its topic exactly once and in order; a topic each.
    per_customer: dict[int, list[int]] = {}
    for thread_id, tokens in tokens_in_topics(sb, world).items():
        owners = {customer for customer, _ in tokens}
        assert len(owners) <= 1, f"topic {thread_id} holds {owners}"
        if owners:
            per_customer[owners.pop()] = [number for _, number in tokens]
    assert sorted(per_customer) == list(range(CUSTOMERS))
    for customer, numbers in per_customer.items():
        assert numbers == list(range(MESSAGES)), f"customer {customer}: {numbers}"
    topics = Counter(topic.name for topic in world.group.topics.values())
    assert len(topics) == CUSTOMERS + 1 and set(topics.values()) == {1}, topics

    # Replies: every one arrived, on VK exactly once.
    assert set(tg_seen) | set(vk_seen) == {f"r{c}-{k}" for c, k in operators.sent}
    assert len(vk_seen) == VK_CUSTOMERS * REPLIES
    assert set(vk_seen.values()) == {1}, f"VK replies twice: {+vk_seen - Counter(set(vk_seen))}"

    # Nothing the desk posted shows twice anywhere in the group, and no 429 there.
    views = sb.messages(world.group)
    tokens = Counter(token for view in views for token in TOKEN.findall(view.body or ""))
    assert len(tokens) == expected and set(tokens.values()) == {1}
    posted = Counter(v.body for v in views if v.sender_is_bot and v.service is None and v.body)
    assert [body for body, count in posted.items() if count > 1] == []
    assert sum((view.body or "").startswith(WELCOME) for view in views) == 1
    assert floods.of(world.group) == 0, f"429s per chat: {floods.refused}"

    # The warning that fell due while nobody polled: exactly once, and no other notice.
    notices = [v for v in views if v.sender_is_bot and "SLA" in (v.body or "")]
    assert [v.body.startswith(WARNING) for v in notices] == [True], [v.body for v in notices]
    assert LATECOMER in world.group.topics[notices[0].thread_id].name

    print(
        f"\nup in {up:.1f} s; {leader.name} killed with {at_kill[0]} of {expected} messages "
        f"in topics and {at_kill[1]} replies written; {successors[0]} took over in "
        f"{took:.1f} s; all delivered {settled:.1f} s after; Telegram replies twice: "
        f"{sum(tg_seen.values()) - len(tg_seen)}; 429s: {dict(floods.refused)}; "
        f"VK error 6: {vk.refused()}; {time.monotonic() - began:.1f} s in all"
    )
