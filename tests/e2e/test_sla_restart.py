"""SLA notices across a crash: the app is killed while a deadline is pending.

``botdesk run`` runs as a real process against the sandbox in this process (Telegram
survives the crash, as it would). It is killed with SIGKILL after the customer's message
reached the topic and before the warning is due, stays down past the warning (or past
both the warning and the breach), and is started again: what fell due while it was down
is told then, once, and a further restart tells nothing again.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from sandbox.telegram import MessageView, TelegramSandbox, Topic
from tests.botdesk.processes import clean_env, read_until, web_env
from tests.e2e.conftest import in_topic, shown, topic_of, until, welcomed
from tests.e2e.sla_helpers import reports_lines
from tests.fixtures.telegram_sandbox import DeskWorld


def sla_toml(warn_before: int, first_response: int) -> str:
    """A botdesk.toml with only a first-response target (other clocks add notices)."""
    return f"""
[sla]
warn_before = "{warn_before}s"

[sla.normal]
first_response = "{first_response}s"
business_hours = false
"""


# The desk process takes a few seconds to start; its notices take well under one.
# the desk process finds its database migrated (a copy of the session's template)
pytestmark = pytest.mark.usefixtures("desk_database")

WAIT = 20.0


@asynccontextmanager
async def desk_process(
    sb: TelegramSandbox, world: DeskWorld, data: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``botdesk run`` in ``data`` (its botdesk.toml and SQLite file), up once it logged.

    Yields after the " started: " line; on leaving, the process is SIGTERMed unless the
    block killed it already. Its log is drained meanwhile, so a full pipe never stalls it.
    """
    env = clean_env(
        BOT_TOKEN=world.bot.token,
        OPERATOR_GROUP_ID=str(world.group.id),
        TELEGRAM_API_BASE=sb.base_url,
        DATABASE_URL=f"sqlite://{data / 'desk.sqlite3'}",
        **web_env(),
        LOG_LEVEL="INFO",
        RATE_PRIVATE_CHAT="50/1",
        RATE_GROUP="200/1",
        # this test counts the messages in the topic; the acknowledgement has tests of its own
        ACKNOWLEDGEMENT='{"enabled": false}',
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "botdesk", "run",
        cwd=data, env=env, stdin=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    stderr = process.stderr
    drain: asyncio.Task[bytes] | None = None
    try:
        await read_until(stderr, " started: ", within=60)
        drain = asyncio.create_task(stderr.read())
        yield process
    finally:
        # ended already: the block killed it; else SIGTERM, and it must stop gracefully
        expected = -signal.SIGKILL if process.returncode is not None else 0
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 30)
        log = (await drain).decode() if drain is not None else ""
    assert code == expected, f"botdesk exited with {code}:\n{log}"
    assert "Traceback" not in log, log


def sla_notices(world: DeskWorld, topic: Topic) -> list[MessageView]:
    """The SLA notices the ticket's topic shows."""
    return [m for m in in_topic(world, topic) if m.sender_is_bot and "SLA" in m.body]


def warnings(world: DeskWorld, topic: Topic) -> list[MessageView]:
    """The SLA warnings in the topic."""
    return [m for m in sla_notices(world, topic) if m.body.startswith("⏰ SLA warning: ")]


def breaches(world: DeskWorld, topic: Topic) -> list[MessageView]:
    """The SLA breach notices in the topic."""
    return [m for m in sla_notices(world, topic) if m.body.startswith("🚨 SLA breached: ")]


def counts(world: DeskWorld, topic: Topic) -> tuple[int, int, int]:
    """How many warnings, breach notices and escalation lines there are."""
    return len(warnings(world, topic)), len(breaches(world, topic)), len(reports_lines(world))


async def open_then_kill(
    sb: TelegramSandbox, world: DeskWorld, data: Path, warn_at: float
) -> tuple[Topic, float]:
    """A customer writes, the topic shows it, the desk is SIGKILLed before ``warn_at`` s.

    Returns the topic and the monotonic time the message was written (the clocks start
    when the ticket is created, just after).
    """
    async with desk_process(sb, world, data) as app:
        await welcomed(world)
        written = time.monotonic()
        sb.send_text(world.customer, world.bot, "My order is late")
        topic = await topic_of(world)
        await shown(world, topic, "My order is late")
        app.send_signal(signal.SIGKILL)
        await app.wait()
    assert time.monotonic() - written < warn_at, "the desk was too slow to kill in time"
    # nothing SLA was told before the crash
    assert counts(world, topic) == (0, 0, 0)
    return topic, written


async def down_until(world: DeskWorld, topic: Topic, moment: float) -> None:
    """Stay down until the monotonic ``moment``: a killed desk tells nothing meanwhile."""
    await asyncio.sleep(max(0.0, moment - time.monotonic()))
    assert counts(world, topic) == (0, 0, 0), "a killed desk told something"


async def test_a_warning_due_while_the_app_was_down_fires_once_then_the_breach_once(
    desk_world: DeskWorld, tmp_path: Path
) -> None:
    sb, world = desk_world.sandbox, desk_world
    warn_at, due_at = 4, 14  # the desk restarts within a few seconds, well before the breach
    (tmp_path / "botdesk.toml").write_text(sla_toml(due_at - warn_at, due_at), encoding="utf-8")
    topic, written = await open_then_kill(sb, world, tmp_path, warn_at)
    await down_until(world, topic, written + warn_at + 0.5)

    async with desk_process(sb, world, tmp_path):
        # the warning that fell due while the desk was down comes at its start
        await until(sb, lambda: counts(world, topic)[0] == 1, timeout=WAIT)
        assert time.monotonic() < written + due_at, "the restart was too slow for the test"
        assert counts(world, topic)[1:] == (0, 0), "the breach came before it was due"
        warning = warnings(world, topic)[0]
        assert warning.body.startswith("⏰ SLA warning: first response due at "), warning.body
        # then the breach, on time, while the desk runs
        await until(sb, lambda: counts(world, topic) == (1, 1, 1), timeout=WAIT)
        breach = breaches(world, topic)[0]
        assert breach.body.startswith("🚨 SLA breached: first response was due at "), breach.body
        line = reports_lines(world)[0]
        assert line.body.startswith("🚨 SLA breached on #1 ("), line.body
        assert "first response" in line.body
        await until(sb, lambda: "🚨" in topic.name)

    async with desk_process(sb, world, tmp_path):
        await still_one_of_each(world, topic, (1, 1, 1))


async def test_a_breach_due_while_the_app_was_down_fires_once_without_a_late_warning(
    desk_world: DeskWorld, tmp_path: Path
) -> None:
    sb, world = desk_world.sandbox, desk_world
    warn_at, due_at = 3, 6
    (tmp_path / "botdesk.toml").write_text(sla_toml(due_at - warn_at, due_at), encoding="utf-8")
    topic, written = await open_then_kill(sb, world, tmp_path, warn_at)
    # down until both the warning and the breach are a second past due
    await down_until(world, topic, written + due_at + 1)

    async with desk_process(sb, world, tmp_path):
        # The breach comes once, with its escalation line. The warning fell due too, but
        # its due time has passed: the desk drops it (core.timers.sla_deadlines.fire), as
        # "due at 14:30 (in …)" after 14:30 would mislead, and the breach says more.
        await until(sb, lambda: counts(world, topic)[1:] == (1, 1), timeout=WAIT)
        breach = breaches(world, topic)[0]
        assert breach.body.startswith("🚨 SLA breached: first response was due at "), breach.body
        line = reports_lines(world)[0]
        assert line.body.startswith("🚨 SLA breached on #1 ("), line.body
        assert "first response" in line.body
        await until(sb, lambda: "🚨" in topic.name)
        # The scheduler fired what was due at its first tick; give the outbox time to send
        # a duplicate or the late warning, were there one (it sends within a second here).
        await asyncio.sleep(2)
        assert counts(world, topic) == (0, 1, 1)

    async with desk_process(sb, world, tmp_path):
        await still_one_of_each(world, topic, (0, 1, 1))


async def still_one_of_each(world: DeskWorld, topic: Topic, expected: tuple[int, int, int]) -> None:
    """In a restarted desk, nothing already told is told again."""
    # Proof the restarted desk works: a new customer message reaches the topic.
    world.sandbox.send_text(world.customer, world.bot, "Anyone there?")
    await shown(world, topic, "Anyone there?")
    # A re-fired deadline would be sent at the first tick after the start, before that
    # message was relayed; wait well past it anyway (the outbox sends within a second).
    await asyncio.sleep(2)
    assert counts(world, topic) == expected
