"""``botdesk demo``: the whole desk offline against the Telegram sandbox, narrated.

It starts the sandbox with Telegram's flood limits on, creates a demo world (a bot that
is an admin of an operator forum, operators, customers), runs the real botdesk app
against it over HTTP with a throw-away SQLite database, plays a scripted scenario as the
customers, and prints what each side saw. No token, database or network is needed.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from botdesk.app import run_app
from core.config import isolated_settings
from sandbox.telegram import AlbumItem, DemoWorld, TelegramSandbox, Topic, User, create_demo_world

STEP_TIMEOUT = 15.0

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


async def greetings(sb: TelegramSandbox, world: DemoWorld) -> None:
    """Customers start the bot and are greeted in their own language."""
    english, russian = world.customers[0], world.customers[1]
    await customer_writes(sb, world, english, "/start")
    await customer_writes(sb, world, russian, "/start")


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


async def relay(sb: TelegramSandbox, world: DemoWorld) -> None:
    """A customer writes text, an album and a voice message; an operator answers."""
    alice, ivan = world.customers[0], world.operators[0]
    say("Alice writes her question, sends two photos as an album and a voice message")
    first = sb.send_text(
        alice, world.bot, "Hi! My <b>order #1042</b> has not arrived.", parse_mode="HTML"
    )
    sb.send_album(
        alice,
        world.bot,
        [
            AlbumItem("photo", tiny_png(1), caption="the tracking page"),
            AlbumItem("photo", tiny_png(2)),
        ],
    )
    sb.send_voice(alice, world.bot, b"OggS-demo-voice", duration=3)
    topic = await shows(sb, world, alice, "order #1042")
    await sb.wait_for(lambda: len(sb.messages(world.group, topic=topic)) >= 7, timeout=STEP_TIMEOUT)
    print(f"  a topic appears for her: “{topic.name}”, with a pinned ticket card")

    say("Ivan (operator) writes an internal note, then answers in the topic")
    sb.send_text(ivan, world.group, "// checked the warehouse: it ships today", topic=topic)
    sb.send_text(ivan, world.group, "Sorry for the wait! Your parcel ships today.", topic=topic)
    chat = sb.private_chat(world.bot, alice)
    await sb.wait_for(
        lambda: any("ships today" in (m.body or "") for m in sb.messages(chat)),
        timeout=STEP_TIMEOUT,
    )
    print("  Alice gets the answer from the bot; the note stays in the topic")

    say("Alice corrects her first message")
    sb.edit_message(alice, first, "Hi! My <b>order #1043</b> has not arrived.", parse_mode="HTML")
    await shows(sb, world, alice, "order #1043")
    print("  the copy in the topic is corrected too")


def tiny_png(seed: int) -> bytes:
    """A valid 1×1 PNG whose colour depends on ``seed`` (so each photo is a distinct file)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixel = zlib.compress(bytes([0, seed * 40 % 256, 120, 200]))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixel) + chunk(b"IEND", b"")
    )


SCENES: list[Scene] = [greetings, relay]


def print_transcripts(sb: TelegramSandbox, world: DemoWorld) -> None:
    """What each customer's chat and the operator group show now."""
    print("\n────────────── what each side saw ──────────────\n")
    for customer in world.customers:
        chat = sb.private_chat(world.bot, customer)
        if sb.messages(chat):
            print(sb.transcript(chat))
        topic = topic_of(world, customer)
        if topic is not None:
            print(sb.transcript(world.group, topic=topic))


async def run_demo() -> int:
    """Play every scene; return 0 when each one saw what it waited for."""
    with tempfile.TemporaryDirectory(prefix="botdesk-demo-") as tmp:
        async with TelegramSandbox() as sb:
            world = create_demo_world(sb)
            print(f"Telegram sandbox at {sb.base_url} (flood limits on)")
            print(f"Operator group: {world.group.title} ({world.group.id})")
            settings = isolated_settings(
                bot_token=world.bot.token,
                operator_group_id=world.group.id,
                admin_ids=[world.owner.id],
                telegram_api_base=sb.base_url,
                database_url=f"sqlite://{Path(tmp) / 'demo.sqlite3'}",
                company_name="Acme",
            )
            say("botdesk starts: a fresh SQLite database, long polling against the sandbox")
            stop = asyncio.Event()
            app = asyncio.create_task(run_app(settings, stop), name="botdesk")
            try:
                for scene in SCENES:
                    await scene(sb, world)
            except TimeoutError:
                print("\n✗ the desk did not answer in time; transcripts so far:")
                print_transcripts(sb, world)
                return 1
            finally:
                stop.set()
                await app
            print_transcripts(sb, world)
    print("✓ demo finished")
    return 0
