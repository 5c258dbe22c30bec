"""Crash: the app is killed with SIGKILL under load and restarted; nothing is lost.

The app runs as a real ``botdesk run`` process against the sandbox in this process, so
the sandbox (Telegram) survives the crash just as Telegram would.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest

from sandbox.telegram import Limits, TelegramSandbox, User
from tests.botdesk.processes import web_env
from tests.e2e.test_relay_load import scaled_rates, tokens_in_topics
from tests.fixtures.telegram_sandbox import DeskWorld

ROOT = Path(__file__).resolve().parents[2]
SCALE = 0.02
CUSTOMERS = 20
MESSAGES = 15
# the desk process finds its database migrated (a copy of the session's template)
pytestmark = pytest.mark.usefixtures("desk_database")

REPLIES = 3
REPLY = re.compile(r"r(\d+)-(\d+)")


async def start_app(
    sb: TelegramSandbox, world: DeskWorld, data: Path
) -> asyncio.subprocess.Process:
    """``botdesk run`` in its own process, configured by environment variables only."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BOT_", "DATABASE_", "REDIS_", "WEBHOOK_", "RATE_"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        BOT_TOKEN=world.bot.token,
        OPERATOR_GROUP_ID=str(world.group.id),
        TELEGRAM_API_BASE=sb.base_url,
        DATABASE_URL=f"sqlite://{data / 'desk.sqlite3'}",
        LOG_LEVEL="WARNING",
        **web_env(),
        # these tests count the messages in each chat; the acknowledgement has tests of its own
        ACKNOWLEDGEMENT='{"enabled": false}',
        **{key.upper(): value for key, value in scaled_rates(SCALE).items()},
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "botdesk",
        "run",
        cwd=data,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
    )


def replies_seen(sb: TelegramSandbox, world: DeskWorld, customers: list[User]) -> Counter[str]:
    """Every operator reply token the customers received, with how often."""
    seen: Counter[str] = Counter()
    for customer in customers:
        for view in sb.messages(sb.private_chat(world.bot, customer)):
            seen.update(f"r{a}-{b}" for a, b in REPLY.findall(view.body or ""))
    return seen


async def test_sigkill_under_load_loses_and_duplicates_nothing(
    desk_world: DeskWorld, tmp_path: Path
) -> None:
    sb, world = desk_world.sandbox, desk_world
    sb.limits = Limits().scaled(SCALE)
    customers = [sb.create_user(f"Crash{i}", language_code="en") for i in range(CUSTOMERS)]
    replied: set[int] = set()
    sent_replies: list[str] = []

    def reply_in_new_topics() -> None:
        # Operators answer each topic as soon as it shows the customer's first message.
        for thread_id, tokens in tokens_in_topics(sb, world).items():
            if tokens and thread_id not in replied:
                replied.add(thread_id)
                customer = tokens[0][0]
                for k in range(REPLIES):
                    sb.send_text(
                        world.operator, world.group, f"r{customer}-{k} on it", topic=thread_id
                    )
                    sent_replies.append(f"r{customer}-{k}")

    app = await start_app(sb, world, tmp_path)
    try:
        for number in range(MESSAGES):
            for index, customer in enumerate(customers):
                sb.send_text(customer, world.bot, f"c{index}-m{number} help")
            reply_in_new_topics()
            await asyncio.sleep(0.05)
            if number == MESSAGES // 2:
                app.send_signal(signal.SIGKILL)
                await app.wait()
                app = await start_app(sb, world, tmp_path)
        expected = CUSTOMERS * MESSAGES

        def done() -> bool:
            reply_in_new_topics()
            visible = sum(map(len, tokens_in_topics(sb, world).values()))
            return (
                visible >= expected
                and sum(replies_seen(sb, world, customers).values())
                >= len(sent_replies)
                == CUSTOMERS * REPLIES
            )

        await sb.wait_for(done, timeout=120)
        await asyncio.sleep(0.5)
    finally:
        app.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(app.wait(), timeout=20)
    assert code == 0, "SIGTERM stops botdesk gracefully"

    for thread_id, tokens in tokens_in_topics(sb, world).items():
        assert [n for _, n in tokens] == list(range(MESSAGES)), f"topic {thread_id}"
    seen = replies_seen(sb, world, customers)
    assert sorted(seen) == sorted(sent_replies)
    assert set(seen.values()) == {1}, f"duplicated replies: {[k for k, v in seen.items() if v > 1]}"
