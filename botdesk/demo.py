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
from sandbox.telegram import DemoWorld, TelegramSandbox, User, create_demo_world

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
    await customer_writes(sb, world, russian, "/help")


SCENES: list[Scene] = [greetings]


def print_transcripts(sb: TelegramSandbox, world: DemoWorld) -> None:
    """What each customer's chat and the operator group show now."""
    print("\n────────────── what each side saw ──────────────\n")
    for customer in world.customers:
        chat = sb.private_chat(world.bot, customer)
        if sb.messages(chat):
            print(sb.transcript(chat))
    print(sb.transcript(world.group))


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
