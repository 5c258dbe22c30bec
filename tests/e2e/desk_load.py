"""What the tests of several processes send and look at: the load, the group's 429s,
and the database's view of leases, outbox items and topics (for failure messages).

:class:`Load` has customers write numbered messages (``ci-mN``) and operators answer
each new topic (``ri-K``), then checks that every message shows once in its topic and
every answer reached its customer. Its customers are Telegram's, and VK's too when
given :class:`VkCustomers`.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import pytest

from sandbox.telegram import MessageView, TelegramSandbox, User
from sandbox.vk import Community, VkSandbox, VkUser
from tests.e2e.several import vk_replies
from tests.e2e.test_relay_crash import replies_seen
from tests.e2e.test_relay_load import tokens_in_topics
from tests.fixtures.database import _asyncpg_dsn
from tests.fixtures.telegram_sandbox import DeskWorld

REPLIES = 2  # operator replies per customer


async def _rows(database_url: str, query: str) -> list[asyncpg.Record]:
    """The rows of ``query``, over a connection of the test's own (not the desks')."""
    connection = await asyncpg.connect(_asyncpg_dsn(database_url))
    try:
        return await connection.fetch(query)
    finally:
        await connection.close()


async def holders(database_url: str) -> dict[str, str]:
    """The leases held right now (by the database's clock): name -> holder."""
    rows = await _rows(
        database_url,
        "SELECT name, holder FROM leases WHERE expires_at > EXTRACT(EPOCH FROM clock_timestamp())",
    )
    return {row["name"]: row["holder"] for row in rows}


async def unfinished(database_url: str) -> list[str]:
    """The outbox items not done, one line each, for a failure message."""
    rows = await _rows(
        database_url,
        "SELECT id, operation, destination, status, claimed_by, attempts, last_error"
        " FROM outbox WHERE status <> 'done' ORDER BY id",
    )
    return [" ".join(str(value) for value in row.values()) for row in rows]


async def topics_and_conversations(world: DeskWorld, database_url: str) -> list[str]:
    """Each topic of the group (its name, the customer tokens in it) beside each
    conversation's topic as the database has it, for a failure message."""
    rows = await _rows(
        database_url, "SELECT chat_id, message_thread_id FROM conversations ORDER BY id"
    )
    found = tokens_in_topics(world.sandbox, world)
    lines = [f"conversation of chat {r['chat_id']}: topic {r['message_thread_id']}" for r in rows]
    for topic in world.group.topics.values():
        lines.append(f"topic {topic.thread_id} {topic.name!r}: {found.get(topic.thread_id)}")
    return lines


class FloodWatch:
    """Counts the sandbox's 429 answers by chat id (the sandbox keeps no log of them), and
    keeps what each refused send to a group came after, for the failure message."""

    def __init__(self, sb: TelegramSandbox) -> None:
        self.refused: Counter[int] = Counter()
        self.stories: list[str] = []
        self._sent: list[tuple[float, str]] = []  # group sends: sandbox time, what
        flood = sb.world.flood
        spend: Callable[..., None] = flood.spend
        clock = sb.world.clock

        def counting(bot_id: int, chat_id: int, n: int = 1) -> None:
            now = clock.monotonic()
            call = sys._getframe(1).f_locals.get("call")  # the method being served
            what = f"{(call.p.str('text') or '?')[:30]!r}" if call is not None else "?"
            try:
                spend(bot_id, chat_id, n)
            except Exception:
                self.refused[chat_id] += 1
                if chat_id < 0:
                    window = [f"{now - at:.2f}s ago {w}" for at, w in self._sent[-25:]]
                    self.stories.append(f"refused {what} after:\n  " + "\n  ".join(window))
                raise
            if chat_id < 0:
                self._sent.extend([(now, what)] * n)

        flood.spend = counting  # type: ignore[method-assign]


async def settled(probe: Callable[[], bool], timeout: float) -> None:  # noqa: ASYNC109
    """Wait until ``probe()``, asking twice a second (the probes read every chat: asking
    on every change of the sandbox would starve the sandbox's own deliveries)."""
    async with asyncio.timeout(timeout):
        while True:
            if probe():
                return
            await asyncio.sleep(0.5)


@dataclass
class VkCustomers:
    """Customers of a VK community, writing alongside the Telegram ones."""

    vk: VkSandbox
    community: Community
    users: list[VkUser]


class Load:
    """Customers writing numbered messages, operators answering each new topic.

    Customer ``i`` writes ``ci-mN``; once a topic shows a customer's first message the
    operator answers it ``REPLIES`` times with ``ri-K``. The Telegram customers are
    numbered first, then those of ``vk``.
    """

    def __init__(
        self,
        sb: TelegramSandbox,
        world: DeskWorld,
        customers: list[User],
        vk: VkCustomers | None = None,
    ) -> None:
        self.sb, self.world, self.customers, self.vk = sb, world, customers, vk
        self.messages = 0  # per customer, so far
        self.replied: set[int] = set()
        self.sent_replies: list[str] = []

    @property
    def everyone(self) -> int:
        """How many customers write, on both channels."""
        return len(self.customers) + (len(self.vk.users) if self.vk else 0)

    @property
    def vk_indexes(self) -> range:
        """The numbers of the VK customers."""
        return range(len(self.customers), self.everyone)

    @property
    def sent(self) -> int:
        """Updates sent so far (customer messages and operator replies)."""
        return self.messages * self.everyone + len(self.sent_replies)

    async def send(
        self,
        rounds: int,
        pause: float = 0.2,
        between: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        """Every customer writes ``rounds`` more messages, one round each ``pause`` s;
        ``between(n)`` runs after round ``n``."""
        for _ in range(rounds):
            number = self.messages
            for index, customer in enumerate(self.customers):
                self.sb.send_text(customer, self.world.bot, f"c{index}-m{number} help")
            if self.vk is not None:
                vk, community = self.vk.vk, self.vk.community
                for index, user in zip(self.vk_indexes, self.vk.users, strict=True):
                    vk.user_writes(community, user, f"c{index}-m{number} help")
            self.messages += 1
            self.reply_in_new_topics()
            await asyncio.sleep(pause)
            if between is not None:
                await between(number)

    def reply_in_new_topics(self) -> None:
        """Operators answer each topic that shows its customer's first message."""
        sb, world = self.sb, self.world
        for thread_id, tokens in tokens_in_topics(sb, world).items():
            if tokens and thread_id not in self.replied:
                self.replied.add(thread_id)
                customer = tokens[0][0]
                for k in range(REPLIES):
                    sb.send_text(
                        world.operator, world.group, f"r{customer}-{k} ok", topic=thread_id
                    )
                    self.sent_replies.append(f"r{customer}-{k}")

    def done(self) -> bool:
        """Every message in a topic, every topic answered, every answer delivered."""
        self.reply_in_new_topics()
        visible = sum(map(len, tokens_in_topics(self.sb, self.world).values()))
        return (
            visible >= self.messages * self.everyone
            and len(self.sent_replies) == REPLIES * self.everyone
            and set(self.replies()) >= set(self.sent_replies)
        )

    def missing(self) -> str:
        """What has not arrived yet, for a failure message."""
        seen = {
            f"c{c}-m{n}"
            for tokens in tokens_in_topics(self.sb, self.world).values()
            for c, n in tokens
        }
        wanted = {f"c{c}-m{n}" for c in range(self.everyone) for n in range(self.messages)}
        replies = set(self.sent_replies) - set(self.replies())
        return f"not in topics: {sorted(wanted - seen)}; not delivered: {sorted(replies)}"

    def replies(self) -> Counter[str]:
        """The reply tokens the customers received, with how often."""
        return replies_seen(self.sb, self.world, self.customers) + self.vk_replies()

    def vk_replies(self) -> Counter[str]:
        """The reply tokens the VK customers received, with how often."""
        if self.vk is None:
            return Counter()
        return vk_replies(self.vk.vk, self.vk.community, self.vk.users)

    def replies_twice(self) -> list[str]:
        """Replies a customer received more than once (allowed: at least once)."""
        return sorted(token for token, count in self.replies().items() if count > 1)

    def cards(self, thread_id: int) -> list[MessageView]:
        """The ticket cards in a topic: the bot's messages with buttons."""
        shown = self.sb.messages(self.world.group, topic=thread_id)
        return [m for m in shown if m.sender_is_bot and m.buttons]

    def unpinned_cards(self) -> list[int]:
        """The topics whose card is not pinned (a crash between the card and its pin)."""
        topics = tokens_in_topics(self.sb, self.world)
        return [t for t in topics if not any(card.pinned for card in self.cards(t))]

    def check_exactly_once(self) -> None:
        """One topic per customer with one card, each message in it once (a VK
        customer's in order too); every reply delivered, on Telegram at least once (a
        process killed after a send and before its record may send it again, as after any
        crash), on VK exactly once (``random_id``)."""
        topics = tokens_in_topics(self.sb, self.world)
        owners = {}
        for thread_id, tokens in topics.items():
            assert tokens, f"topic {thread_id} has no customer message: a topic opened twice?"
            assert len({customer for customer, _ in tokens}) == 1, f"topic {thread_id} mixes"
            owners[tokens[0][0]] = thread_id
            numbers = [number for _, number in tokens]
            assert sorted(numbers) == list(range(self.messages)), f"topic {thread_id}: each once"
            if tokens[0][0] in self.vk_indexes:
                assert numbers == sorted(numbers), f"VK topic {thread_id} in order: {numbers}"
            cards = self.cards(thread_id)
            assert len(cards) == 1, f"topic {thread_id}: one ticket card, not {len(cards)}"
        assert len(owners) == len(topics) == self.everyone, "one topic per customer"
        assert set(self.replies()) == set(self.sent_replies), "every reply reached its customer"
        twice = +self.vk_replies() - Counter(set(self.vk_replies()))
        assert not twice, f"VK replies delivered more than once: {twice}"


async def delivered(load: Load, within: float, database_url: str, *more: Callable[[], str]) -> None:
    """Wait until every message and reply of ``load`` arrived, or fail saying what is
    missing, the updates still queued, the outbox items not done and what each of
    ``more`` says then (the desks' logs, say)."""
    try:
        await settled(load.done, within)
    except TimeoutError:
        pending = len(load.world.bot.updates.pending)
        lines = await unfinished(database_url)
        pytest.fail(
            "\n".join(
                [f"{load.missing()}; {pending} updates pending; outbox:", *lines]
                + [describe() for describe in more]
            )
        )
