"""What the demo's scenes share: narration, waiting for what people see, tiny files."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Awaitable, Callable

from sandbox.telegram import DemoWorld, TelegramSandbox, Topic, User

STEP_TIMEOUT = 60.0  # Telegram's real flood limits are on: a step may wait for the budget

Scene = Callable[[TelegramSandbox, DemoWorld], Awaitable[None]]


def say(text: str) -> None:
    """One line of narration."""
    print(f"\n▶ {text}", flush=True)


async def customer_writes(sb: TelegramSandbox, world: DemoWorld, who: User, text: str) -> None:
    """``who`` sends ``text`` to the bot and we wait for the bot's answer."""
    chat = sb.private_chat(world.bot, who)
    before = len(sb.messages(chat))
    say(f"{who.full_name} ({who.language_code}) writes to the bot: {text}")
    sb.send_text(who, world.bot, text)
    views = await sb.wait_messages(chat, before + 2, timeout=STEP_TIMEOUT)
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

    return await sb.wait_for(probe, timeout=STEP_TIMEOUT)


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
