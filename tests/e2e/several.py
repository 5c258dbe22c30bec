"""Helpers of the several-processes end-to-end test: the processes, what they share, and
what customers and operators see.

Each desk is a real ``botdesk run`` configured by environment variables (and the
``botdesk.toml`` of its working directory), logging to a file of its own that the test
reads and shows when an assertion fails.
"""

from __future__ import annotations

import asyncio
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis

from sandbox.telegram import Chat, TelegramSandbox, User
from sandbox.vk import Community, VkSandbox, VkUser
from tests.botdesk.processes import clean_env, web_env
from tests.e2e.test_relay_load import TOKEN
from tests.fixtures.database import worker_id
from tests.fixtures.telegram_sandbox import DeskWorld

#: Redis has databases 0-15; a worker of ``pytest -n`` takes one of its own
REDIS_DATABASES = 16
REPLY = re.compile(r"r(\d+)-(\d+)")


@dataclass
class Desk:
    """One ``botdesk run`` process and its log file."""

    name: str
    process: asyncio.subprocess.Process
    log: Path

    def text(self) -> str:
        """What the process logged so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, its leases simply stop being renewed."""
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self, within: float = 30) -> int:
        """SIGTERM unless it ended already (SIGKILL if it does not stop); its exit code."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), within)
        except TimeoutError:
            await self.kill()
            return await self.process.wait()


async def start_desk(name: str, data: Path, **env: str) -> Desk:
    """``botdesk run`` named ``name`` in ``data`` (its botdesk.toml), logging to a file."""
    log = data / f"{name}.log"
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "botdesk", "run",
            cwd=data, env=clean_env(INSTANCE_NAME=name, **web_env(), **env),
            stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
    return Desk(name, process, log)


async def started(desks: list[Desk], within: float = 90) -> None:
    """Wait until every desk logged its start line."""
    deadline = time.monotonic() + within
    while not all(" started: " in desk.text() for desk in desks):
        for desk in desks:
            assert desk.process.returncode is None, f"{desk.name} ended:\n{desk.text()}"
        assert time.monotonic() < deadline, "\n".join(d.text() for d in desks)
        await asyncio.sleep(0.1)


async def until(probe: Callable[[], Any], timeout: float, what: str) -> Any:  # noqa: ASYNC109
    """Ask ``probe`` (maybe a coroutine) every quarter second until it answers something."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = probe()
        if isinstance(outcome, Awaitable):
            outcome = await outcome
        if outcome:
            return outcome
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        await asyncio.sleep(0.25)


# -- what the desks share -------------------------------------------------------------


def worker_redis_url(url: str) -> str:
    """``url`` with a Redis database of this ``pytest -n`` worker's own.

    A desk keeps its keys by its operator group (budgets) and by chat and person (event
    isolation), and every sandbox numbers its groups and people alike, so two desks of
    two workers on one database would share them. Without ``-n`` the database is kept.
    """
    worker = worker_id()
    if not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    number = (base + 1 + int(worker[2:])) % REDIS_DATABASES
    return urlunsplit(parts._replace(path=f"/{number}"))


async def forget_desk_keys(url: str, group_id: int) -> int:
    """Delete what the desks of ``group_id`` left in Redis: budgets, and the event
    isolation locks of a killed process (they would hold up the next test's desk)."""
    client = Redis.from_url(url)
    try:
        keys = [
            key
            for pattern in (f"botdesk:{{{group_id}}}:*", f"fsm:{group_id}:*")
            async for key in client.scan_iter(match=pattern, count=500)
        ]
        return int(await client.delete(*keys)) if keys else 0
    finally:
        await client.aclose()


@asynccontextmanager
async def connected(database_url: str) -> AsyncIterator[Any]:
    """An asyncpg connection to the desks' database, for the test's own questions."""
    import asyncpg

    parts = urlsplit(database_url)
    connection = await asyncpg.connect(urlunsplit(parts._replace(scheme="postgresql")))
    try:
        yield connection
    finally:
        await connection.close()


async def poll_holder(connection: Any) -> str | None:
    """The process holding the lease ``poll`` now (None: nobody, or it expired)."""
    holder = await connection.fetchval(
        "SELECT holder FROM leases WHERE name = 'poll' "
        "AND expires_at >= EXTRACT(EPOCH FROM clock_timestamp())"
    )
    return None if holder is None else str(holder)


async def took_over(database_url: str, dead: str) -> float:
    """Seconds until a process other than ``dead`` holds the lease ``poll`` (from now)."""
    began = time.monotonic()
    async with connected(database_url) as connection:
        while True:
            if (await poll_holder(connection)) not in (None, dead):
                return time.monotonic() - began
            await asyncio.sleep(0.05)


async def warning_due(connection: Any, first_name: str) -> datetime | None:
    """When the SLA warning of the first response of ``first_name``'s ticket falls due."""
    return await connection.fetchval(
        "SELECT d.due_at FROM deadlines d"
        " JOIN tickets t ON d.key = 'sla:' || t.id || ':first_response:1:warning'"
        " JOIN conversations c ON c.id = t.conversation_id"
        " JOIN customers u ON u.id = c.customer_id WHERE u.first_name = $1",
        first_name,
    )


# -- what each side sees --------------------------------------------------------------


@dataclass
class FloodCount:
    """The 429s the Telegram sandbox answered, per chat (the sandbox only raises them)."""

    refused: Counter[int] = field(default_factory=Counter)

    @classmethod
    def on(cls, sb: TelegramSandbox) -> FloodCount:
        """Count every 429 of ``sb`` from now on."""
        counted = cls()
        flood = sb.world.flood
        spend = flood.spend

        def spend_counted(bot_id: int, chat_id: int, n: int = 1) -> None:
            try:
                spend(bot_id, chat_id, n)
            except Exception:
                counted.refused[chat_id] += 1
                raise

        flood.spend = spend_counted  # type: ignore[method-assign]
        return counted

    def of(self, chat: Chat) -> int:
        """How many sends to ``chat`` got a 429."""
        return self.refused[chat.id]


def tokens_in_topics(sb: TelegramSandbox, world: DeskWorld) -> dict[int, list[tuple[int, int]]]:
    """Per topic, the (customer, message) tokens it shows, in order.

    As ``tests.e2e.test_relay_load.tokens_in_topics``, reading the group once: the
    sandbox answers the desks from this process, and a slow probe would hold up its
    answers, then stamp a crowd of them at once against the flood limits.
    """
    seen: dict[int, list[tuple[int, int]]] = {t.thread_id: [] for t in world.group.topics.values()}
    for view in sb.messages(world.group):
        if view.thread_id in seen:
            seen[view.thread_id] += [(int(c), int(n)) for c, n in TOKEN.findall(view.body or "")]
    return seen


class Operators:
    """Operators answer every topic that shows its customer, once per phase so far."""

    def __init__(self, sb: TelegramSandbox, world: DeskWorld) -> None:
        self.sb, self.world = sb, world
        self.phase = 0
        self.given: Counter[int] = Counter()  # thread id -> replies given
        self.sent: list[tuple[int, int]] = []  # (customer, reply number)

    def answer(self) -> None:
        """Reply in each topic up to the current phase (``r<customer>-<phase>``)."""
        for thread_id, tokens in tokens_in_topics(self.sb, self.world).items():
            if not tokens:
                continue  # the unanswered customer's topic, or one not showing a message yet
            customer = tokens[0][0]
            while self.given[thread_id] <= self.phase:
                k = self.given[thread_id]
                text = f"r{customer}-{k} on it"
                self.sb.send_text(self.world.operator, self.world.group, text, topic=thread_id)
                self.sent.append((customer, k))
                self.given[thread_id] += 1


def telegram_replies(sb: TelegramSandbox, world: DeskWorld, users: list[User]) -> Counter[str]:
    """Every reply token the Telegram customers received, with how often."""
    seen: Counter[str] = Counter()
    for user in users:
        for view in sb.messages(sb.private_chat(world.bot, user)):
            if view.sender_is_bot:
                seen.update(f"r{a}-{b}" for a, b in REPLY.findall(view.body or ""))
    return seen


def vk_replies(vk: VkSandbox, community: Community, users: list[VkUser]) -> Counter[str]:
    """Every reply token the VK customers received, with how often."""
    seen: Counter[str] = Counter()
    for user in users:
        for message in vk.chat(community, user):
            if message.from_id < 0:  # the community's own messages
                seen.update(f"r{a}-{b}" for a, b in REPLY.findall(message.text or ""))
    return seen
