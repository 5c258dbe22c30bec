"""VK under load with VK's real 20 requests/s limit on: nothing lost, nothing doubled.

Thirty VK customers write twenty messages each within about a second; operators answer
every customer from their topic in the operator group while the load is still coming
in. Every customer message must show in its own topic exactly once and in order, and
every operator reply must reach the right VK chat exactly once.

The VK sandbox keeps its real limit (20 API calls per second per token, error 6 beyond
it); only the Telegram group's budget is scaled down the way the Telegram load test
does it, so the test takes seconds instead of the minutes a real group's 20 messages a
minute would need.

Without a crash, exactly-once here rests on ordinary retries: a call VK refuses with
error 6 takes no effect and is retried (an inbound event is handled again before its
long-poll ``ts`` is stored; an outbox item keeps its ``random_id``). What survives a
SIGKILL, and what does not, is spelled out in ``test_vk_crash.py``.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable

import pytest

from core.config import Settings
from sandbox.telegram import Limits
from sandbox.vk import Community, VkSandbox, VkUser
from tests.e2e.test_relay_load import scaled_rates, tokens_in_topics
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld

SCALE = 0.02  # the Telegram group's 20 messages a minute become 20 per 1.2 s
VK_RATE = 20  # VK's own limit per community token, left as it is
CUSTOMERS = 30
MESSAGES = 20
REPLIES = 2  # per customer, answered as soon as their topic shows them
REPLY = re.compile(r"r(\d+)-(\d+)")


class CountingVk:
    """How often the VK sandbox answered error 6 (too many requests per second)."""

    def __init__(self, vk: VkSandbox) -> None:
        self.rejected = 0
        limiter = vk.world.limiter
        spend = limiter.spend

        def counted(token: str) -> None:
            try:
                spend(token)
            except Exception:
                self.rejected += 1
                raise

        limiter.spend = counted  # type: ignore[method-assign]


@pytest.fixture
async def limited_vk() -> AsyncIterator[VkSandbox]:
    """A VK sandbox with VK's real per-token limit on (the shared fixture turns it off)."""
    async with VkSandbox(rate_limit=VK_RATE) as vk:
        yield vk


def vk_settings(vk: VkSandbox, community: Community) -> dict[str, str]:
    """The desk settings (or, upper-cased, environment variables) for the VK channel."""
    return {
        "vk_token": community.token,
        "vk_group_id": str(community.id),
        "vk_api_base": vk.base_url,
    }


def replies_in_vk(
    vk: VkSandbox, community: Community, users: list[VkUser]
) -> dict[int, Counter[str]]:
    """Per customer index, every operator reply token their VK chat shows, with how often."""
    seen: dict[int, Counter[str]] = {}
    for index, user in enumerate(users):
        found = seen.setdefault(index, Counter())
        for message in vk.chat(community, user):
            if message.from_id < 0:  # the community's own messages
                found.update(f"r{a}-{b}" for a, b in REPLY.findall(message.text or ""))
    return seen


def customer_tokens_in_vk(
    vk: VkSandbox, community: Community, users: list[VkUser]
) -> dict[int, list[int]]:
    """Per customer index, the numbers of the messages they wrote (to check the input)."""
    pattern = re.compile(r"c(\d+)-m(\d+)")
    return {
        index: [
            int(number)
            for message in vk.chat(community, user)
            if message.from_id > 0
            for _, number in pattern.findall(message.text or "")
        ]
        for index, user in enumerate(users)
    }


async def long_poll_started(vk: VkSandbox, calls: int = 1) -> None:
    """Wait until the desk has asked for its long-poll server ``calls`` times in all.

    On its very first start the desk has no stored ``ts``: it takes the current one from
    ``groups.getLongPollServer`` and first reads what waited unanswered in VK
    (``bots.vk.backlog``). The load starts once it is listening, so that it measures
    the long poll.
    """
    await vk.wait_for(lambda: len(vk.calls("groups.getLongPollServer")) >= calls, timeout=30)
    await asyncio.sleep(0.2)  # the answer (and its ts) is on its way back


class Operators:
    """Operators answer each topic once it shows its customer's first message."""

    def __init__(self, world: DeskWorld, replies: int = REPLIES) -> None:
        self.world = world
        self.replies = replies
        self.answered: set[int] = set()
        self.sent: list[str] = []

    def answer_new_topics(self) -> None:
        sb = self.world.sandbox
        for thread_id, tokens in tokens_in_topics(sb, self.world).items():
            if tokens and thread_id not in self.answered:
                self.answered.add(thread_id)
                customer = tokens[0][0]
                for k in range(self.replies):
                    sb.send_text(
                        self.world.operator,
                        self.world.group,
                        f"r{customer}-{k} looking into it",
                        topic=thread_id,
                    )
                    self.sent.append(f"r{customer}-{k}")


def assert_exactly_once(
    world: DeskWorld,
    vk: VkSandbox,
    community: Community,
    users: list[VkUser],
    operators: Operators,
    messages: int,
) -> None:
    """Both directions: each topic has its customer's messages once, in order; each
    VK chat has its operator replies once."""
    assert customer_tokens_in_vk(vk, community, users) == {
        index: list(range(messages)) for index in range(len(users))
    }, "the customers wrote what the test meant them to"
    topics = tokens_in_topics(world.sandbox, world)
    assert len(topics) == len(users), "one topic per VK customer"
    for thread_id, tokens in topics.items():
        owners = {customer for customer, _ in tokens}
        assert len(owners) == 1, f"topic {thread_id} mixes customers: {owners}"
        numbers = [number for _, number in tokens]
        assert numbers == list(range(messages)), (
            f"topic {thread_id} (customer {owners}): every message exactly once, in order; "
            f"missing {sorted(set(range(messages)) - set(numbers))}, "
            f"doubled {sorted(n for n, c in Counter(numbers).items() if c > 1)}"
        )
    assert len(operators.sent) == len(users) * operators.replies
    seen = replies_in_vk(vk, community, users)
    for index in range(len(users)):
        expected = [f"r{index}-{k}" for k in range(operators.replies)]
        assert seen[index] == Counter(expected), f"VK customer {index}: replies exactly once"
        assert list(seen[index]) == expected, f"VK customer {index}: replies in order"


async def test_thirty_vk_customers_twenty_messages_each_with_replies(
    desk_world: DeskWorld,
    desk_settings: Callable[..., Settings],
    run_desk: DeskRunner,
    limited_vk: VkSandbox,
) -> None:
    sb, vk = desk_world.sandbox, limited_vk
    sb.limits = Limits().scaled(SCALE)
    rejected = CountingVk(vk)
    community = vk.create_community("Acme")
    users = [vk.create_user(f"Vk{i}", "Load", lang="en") for i in range(CUSTOMERS)]
    settings = desk_settings(
        sb,
        desk_world.bot,
        desk_world.group,
        **scaled_rates(SCALE),
        **vk_settings(vk, community),
    )
    operators = Operators(desk_world)
    expected = CUSTOMERS * MESSAGES

    async with run_desk(settings):
        await long_poll_started(vk)
        for number in range(MESSAGES):
            for index, user in enumerate(users):
                vk.user_writes(community, user, f"c{index}-m{number} please help")
            operators.answer_new_topics()
            await asyncio.sleep(0.05)

        def done() -> bool:
            operators.answer_new_topics()
            visible = sum(map(len, tokens_in_topics(sb, desk_world).values()))
            delivered = sum(sum(c.values()) for c in replies_in_vk(vk, community, users).values())
            return visible >= expected and delivered >= len(operators.sent) == CUSTOMERS * REPLIES

        await vk.wait_for(done, timeout=120)
        await asyncio.sleep(1.0)  # anything extra (a duplicate) would show up by now

    assert_exactly_once(desk_world, vk, community, users, operators, MESSAGES)
    # The limit stayed on throughout: every call beyond 20 a second was refused.
    assert vk.world.limiter.per_second == VK_RATE
    print(f"VK calls: {len(vk.calls())}, refused with error 6: {rejected.rejected}")
