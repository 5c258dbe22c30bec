"""What the demo's scenes share: narration, waiting for what people see, tiny files.

Telegram's real flood limits are on, so a step may stand still for most of a minute
while the desk waits for the group's budget (20 messages a minute). :func:`wait` says so
instead of leaving the viewer in front of a frozen screen.
"""

from __future__ import annotations

import asyncio
import math
import struct
import zlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sandbox.telegram import DemoWorld, MessageView, TelegramSandbox, Topic, User

STEP_TIMEOUT = 60.0  # Telegram's real flood limits are on: a step may wait for the budget
#: how often a waiting step looks at the group's flood budget
_LOOK_EVERY = 0.25

Scene = Callable[[TelegramSandbox, DemoWorld], Awaitable[None]]
T = TypeVar("T")


def say(text: str) -> None:
    """One line of narration."""
    print(f"\n▶ {text}", flush=True)


def group_limit(count: int, window: float) -> str:
    """``20 messages a minute``, or ``20 messages per 6 s`` when the windows are scaled."""
    if window == 60.0:
        return f"{count} messages a minute"
    return f"{count} messages per {window:g} s"


class GroupBudget:
    """The desk's flood budget for the operator group, as the demo's narration sees it.

    ``pause`` answers how many seconds the desk must still wait before its next send
    to the group; the demo points it at the running desk's own ledger (see
    :func:`botdesk.demo.run_demo`), so the narration tells what the desk is really doing.
    """

    def __init__(self, count: int = 20, window: float = 60.0) -> None:
        self.count, self.window = count, window
        self.pause: Callable[[], float] = lambda: 0.0

    @property
    def long(self) -> float:
        """A pause worth telling about: a sixth of the window (10 s of a minute)."""
        return self.window / 6


#: the one budget of the running demo (the demo plays one desk at a time)
GROUP_BUDGET = GroupBudget()


async def wait(sb: TelegramSandbox, world: DemoWorld, probe: Callable[[], T | None]) -> T:
    """``sb.wait_for(probe)``, narrating every long pause of the group's flood budget."""
    return await narrated(sb.wait_for(probe, timeout=STEP_TIMEOUT))


async def narrated(step: Awaitable[T], budget: GroupBudget = GROUP_BUDGET) -> T:
    """Await ``step``, saying so whenever the group's flood budget holds the desk back.

    Shorter pauses than :attr:`GroupBudget.long` pass unnoticed, like the one-second
    steps of a private chat; a long one is told once, with the seconds it will last.
    """
    task = asyncio.ensure_future(step)
    loop = asyncio.get_running_loop()
    quiet_until = 0.0  # one line per pause, not one per look
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=_LOOK_EVERY)
            if done:
                return task.result()
            pause = budget.pause()
            if pause > budget.long and loop.time() >= quiet_until:
                quiet_until = loop.time() + pause
                limit = group_limit(budget.count, budget.window)
                print(
                    f"  … waiting {math.ceil(pause)} s for Telegram's group limit ({limit})",
                    flush=True,
                )
    finally:
        task.cancel()


async def customer_writes(sb: TelegramSandbox, world: DemoWorld, who: User, text: str) -> None:
    """``who`` sends ``text`` to the bot and we wait for the bot's answer."""
    chat = sb.private_chat(world.bot, who)
    before = len(sb.messages(chat))
    say(f"{who.full_name} ({who.language_code}) writes to the bot: {text}")
    sb.send_text(who, world.bot, text)

    def answered() -> list[MessageView] | None:
        views = sb.messages(chat)
        return views if len(views) >= before + 2 else None

    views = await wait(sb, world, answered)
    print(f"  bot answers: {views[-1].body.splitlines()[0]} …")


def topic_of(world: DemoWorld, customer: User) -> Topic | None:
    """The customer's topic in the operator group, once it exists."""
    return next((t for t in world.group.topics.values() if customer.first_name in t.name), None)


async def shows(sb: TelegramSandbox, world: DemoWorld, customer: User, text: str) -> Topic:
    """Wait until the customer's topic shows a message containing ``text``."""

    def probe() -> Topic | None:
        topic = topic_of(world, customer)
        if topic and any(text in (m.body or "") for m in sb.messages(world.group, topic=topic)):
            return topic
        return None

    return await wait(sb, world, probe)


def tiny_png(seed: int) -> bytes:
    """A valid 1×1 PNG whose colour depends on ``seed`` (so each photo is a distinct file)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixel = zlib.compress(bytes([0, seed * 40 % 256, 120, 200]))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixel) + chunk(b"IEND", b"")
    )
