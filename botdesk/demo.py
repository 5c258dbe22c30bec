"""``botdesk demo``: the whole desk offline against the Telegram and VK sandboxes, narrated.

It starts both sandboxes with the messengers' flood limits on, creates a demo world (a
bot that is an admin of an operator forum, operators, customers, a VK community), runs
the real botdesk app against them over HTTP with a throw-away SQLite database, plays a
scripted scenario as the customers and operators, and prints what each side saw. No
token, database or network is needed.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path

from botdesk.app import Desk, run_app
from botdesk.demo_scenes import card_of, closing_the_loop, vk_scene, vk_transcript, workflow
from botdesk.demo_support import (
    GROUP_BUDGET,
    STEP_TIMEOUT,
    GroupBudget,
    Scene,
    customer_writes,
    narrated,
    say,
    shows,
    tiny_png,
    topic_of,
    wait,
)
from botdesk.web import free_port
from core.config import isolated_settings
from core.enums import OutboxStatus
from core.models import OutboxItem
from core.outbox.queues import general_queue
from sandbox.telegram import AlbumItem, DemoWorld, Limits, TelegramSandbox, create_demo_world
from sandbox.vk import Community, VkSandbox, VkUser


async def greetings(sb: TelegramSandbox, world: DemoWorld) -> None:
    """The desk says hello to the operators once; customers are greeted in their language."""

    def welcome() -> str | None:
        shown = sb.messages(world.group, general=True)
        return next((m.body for m in shown if m.sender_is_bot and m.body), None)

    first = (await wait(sb, world, welcome)).split(". ")[0]
    print(f"  it says so once in the operator group's General topic: “{first}.”")
    english, russian = world.customers[0], world.customers[1]
    await customer_writes(sb, world, english, "/start")
    await customer_writes(sb, world, russian, "/start")


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

    # the card, her question, two photos and the voice message (service messages aside)
    def shown() -> int:
        return sum(m.service is None for m in sb.messages(world.group, topic=topic))

    await wait(sb, world, lambda: shown() >= 5)
    print(f"  a topic appears for her: “{topic.name}”, with a pinned ticket card")

    say("Ivan (operator) writes an internal note, then answers in the topic")
    sb.send_text(ivan, world.group, "// checked the warehouse: it ships today", topic=topic)
    sb.send_text(ivan, world.group, "Sorry for the wait! Your parcel ships today.", topic=topic)
    chat = sb.private_chat(world.bot, alice)
    await wait(sb, world, lambda: any("ships today" in (m.body or "") for m in sb.messages(chat)))
    print("  Alice gets the answer from the bot; the note stays in the topic")
    await shows(sb, world, alice, "Assignee: Ivan")
    print("  Ivan answered first, so the ticket is his now (the card says so)")

    say("Alice corrects her first message")
    sb.edit_message(alice, first, "Hi! My <b>order #1043</b> has not arrived.", parse_mode="HTML")
    await shows(sb, world, alice, "order #1043")
    print("  the copy in the topic is corrected too")


SCENES: list[Scene] = [greetings, relay, workflow, closing_the_loop]


def watch_group_budget(budget: GroupBudget, window: float) -> Callable[[Desk], None]:
    """Point ``budget`` at the group budget of the desk once it is built."""

    def attach(desk: Desk) -> None:
        queue = general_queue(desk.ctx.group_chat_id)  # every topic spends the same budget
        ledger, clock = desk.worker.ledger, desk.ctx.clock

        def pause() -> float:
            now = clock.now().timestamp()
            return ledger.check(queue.kind, queue.budget_key, 1, now).ready_at - now

        budget.window, budget.pause = window, pause

    return attach


async def settle(sb: TelegramSandbox, world: DemoWorld) -> None:
    """Wait until the desk has sent everything it queued (the last card edits above all)."""

    async def drained() -> None:
        unsent = (OutboxStatus.PENDING, OutboxStatus.IN_FLIGHT)
        # The app runs in this process but offers no "drained" event: ask its database.
        while await OutboxItem.filter(status__in=unsent).exists():  # noqa: ASYNC110
            await asyncio.sleep(0.2)

    say("The desk sends what it still has queued (card edits wait for the group's budget)")
    try:
        await narrated(asyncio.wait_for(drained(), STEP_TIMEOUT))
    except TimeoutError:
        print("  (some of it is still on its way)")


def print_cards(sb: TelegramSandbox, world: DemoWorld) -> None:
    """Each ticket's card as operators see it now, pinned on top of its topic."""
    print("\n────────────── the ticket cards now ──────────────\n")
    for topic in world.group.topics.values():
        card = card_of(sb, world, topic)
        if card is None:
            continue
        print(f"── {topic.name}")
        print("\n".join(f"  {line}" for line in card.body.splitlines()))
        for row in card.buttons:
            print("  " + " ".join(f"[ {button.text} ]" for button in row))
        print()


def print_transcripts(
    sb: TelegramSandbox,
    world: DemoWorld,
    vk: VkSandbox,
    community: Community,
    vk_customers: list[VkUser],
) -> None:
    """What each customer's chat and each topic of the operator group show now."""
    print("\n────────────── what each side saw ──────────────\n")
    for customer in world.customers:
        chat = sb.private_chat(world.bot, customer)
        if sb.messages(chat):
            print(sb.transcript(chat))
        topic = topic_of(world, customer)
        if topic is not None:
            print(sb.transcript(world.group, topic=topic))
    if vk_customers:
        print(vk_transcript(vk, community, vk_customers))
        for topic in world.group.topics.values():
            if topic.name.endswith("· VK"):
                print(sb.transcript(world.group, topic=topic))


async def run_demo(*, time_scale: float = 1.0) -> int:
    """Play every scene; return 0 when each one saw what it waited for.

    ``time_scale`` shortens every flood-limit window (the sandboxes' and the desk's
    budgets alike) so the same scenario runs faster; 1.0 keeps the real limits.
    """
    with tempfile.TemporaryDirectory(prefix="botdesk-demo-") as tmp:
        limits = Limits() if time_scale == 1.0 else Limits().scaled(time_scale)
        async with TelegramSandbox(limits=limits) as sb, VkSandbox(rate_limit=20) as vk:
            world = create_demo_world(sb)
            community = vk.create_community("Acme")
            vk_customers: list[VkUser] = []
            print(f"Telegram sandbox at {sb.base_url}, VK sandbox at {vk.base_url} (limits on)")
            print(f"Operator group: {world.group.title} ({world.group.id})")
            settings = isolated_settings(
                bot_token=world.bot.token,
                operator_group_id=world.group.id,
                admin_ids=[world.owner.id],
                telegram_api_base=sb.base_url,
                database_url=f"sqlite://{Path(tmp) / 'demo.sqlite3'}",
                company_name="Acme",
                # the desk's web server (/healthz, /metrics): loopback, any free port
                web_host="127.0.0.1",
                web_port=free_port(),
                vk_token=community.token,
                vk_group_id=community.id,
                vk_api_base=vk.base_url,
                rate_private_chat=f"1/{1.0 * time_scale}",
                rate_group=f"20/{60.0 * time_scale}",
                rate_bot=f"30/{1.0 * time_scale}",
            )
            say("botdesk starts: a fresh SQLite database, long polling both sandboxes")
            stop = asyncio.Event()
            watch = watch_group_budget(GROUP_BUDGET, 60.0 * time_scale)
            app = asyncio.create_task(run_app(settings, stop, on_built=watch), name="botdesk")
            try:
                for scene in [*SCENES, vk_scene(vk, community, vk_customers)]:
                    await scene(sb, world)
                await settle(sb, world)
            except TimeoutError:
                print("\n✗ the desk did not answer in time; transcripts so far:")
                print_transcripts(sb, world, vk, community, vk_customers)
                return 1
            finally:
                stop.set()
                await app
            print_transcripts(sb, world, vk, community, vk_customers)
            print_cards(sb, world)
    print("✓ demo finished")
    return 0
