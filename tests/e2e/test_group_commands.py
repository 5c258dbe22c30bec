"""Work commands in the operator group: lists with topic links, search, bans, help, paging."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from core.bans import NOTICE
from core.config import Settings
from core.enums import Channel, EventKind, TicketStatus
from core.i18n import gettext
from core.models import Conversation, Customer, Event, Message, Ticket
from sandbox.telegram import MessageView, Topic, User
from tests.e2e.conftest import FAST_RATES, from_bot, general, in_topic, opened, shown, until
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld


@pytest.fixture
async def desk(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> AsyncIterator[DeskWorld]:
    """The desk with the group's owner (Olga) as admin; Ivan stays an agent."""
    world = desk_world
    settings = desk_settings(
        world.sandbox, world.bot, world.group, admin_ids=[world.owner.id], **FAST_RATES
    )
    async with run_desk(settings):
        yield world


async def command(
    world: DeskWorld, user: User, text: str, topic: Topic | None = None
) -> MessageView:
    """``user`` writes ``text`` in General (or ``topic``); return the desk's answer."""

    def bot_said() -> list[MessageView]:
        seen = general(world) if topic is None else in_topic(world, topic)
        return [m for m in seen if m.sender_is_bot]

    before = len(bot_said())
    world.sandbox.send_text(user, world.group, text, topic=topic)
    return await until(world.sandbox, lambda: next(iter(bot_said()[before:]), None))


async def stored(text: str) -> None:
    """Wait until the desk has stored a customer message with ``text``."""
    for _ in range(200):
        if await Message.filter(text=text).exists():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{text!r} was never stored")


def links(view: MessageView) -> list[str]:
    """The URLs of the text links in a message."""
    return [e["url"] for e in view.entities if e.get("type") == "text_link"]


async def test_queue_links_each_ticket_to_its_topic(desk: DeskWorld) -> None:
    world = desk
    topic = await opened(world)
    ticket = await Ticket.get()
    answer = await command(world, world.operator, "/queue")
    assert f"#{ticket.number} Alice Customer @alice_c" in answer.body
    internal = str(world.group.id).removeprefix("-100")
    assert links(answer) == [f"https://t.me/c/{internal}/{topic.thread_id}"]
    found = await command(world, world.operator, "/search @alice_c")
    assert f"#{ticket.number} Alice Customer" in found.body


async def test_a_senior_bans_and_unbans_a_customer(desk: DeskWorld) -> None:
    world, olga = desk, desk.owner
    topic = await opened(world)
    answer = await command(world, olga, "/ban", topic=topic)
    assert answer.body.startswith("🚫 Alice Customer is banned")
    for text in ("are you there?", "hello??"):
        world.sandbox.send_text(world.customer, world.bot, text)
        await stored(text)
    notice = gettext(NOTICE, (await Customer.get()).language)
    await until(world.sandbox, lambda: any(m.body == notice for m in from_bot(world)))
    await asyncio.sleep(0.3)  # anything wrongly queued would show by now
    assert [m.body for m in from_bot(world)].count(notice) == 1
    assert not any(m.body in ("are you there?", "hello??") for m in in_topic(world, topic))
    answer = await command(world, olga, "/unban", topic=topic)
    assert answer.body.startswith("✅ Alice Customer is unbanned")
    world.sandbox.send_text(world.customer, world.bot, "back again")
    await shown(world, topic, "back again")
    kinds = [e.kind for e in await Event.filter(kind__in=(EventKind.BANNED, EventKind.UNBANNED))]
    assert kinds == [EventKind.BANNED, EventKind.UNBANNED]


async def test_an_agent_may_not_ban(desk: DeskWorld) -> None:
    world = desk
    topic = await opened(world)
    answer = await command(world, world.operator, "/ban", topic=topic)
    assert answer.body == "⛔ Only a senior operator or above may do that."
    assert not (await Customer.get()).is_banned
    assert await Event.filter(kind=EventKind.REFUSED).count() == 1


async def test_unknown_and_misplaced_commands_explain_themselves(desk: DeskWorld) -> None:
    world = desk
    answer = await command(world, world.operator, "/frobnicate now")
    assert answer.body.startswith("Commands") and "/queue" in answer.body
    misplaced = await command(world, world.operator, "/log")
    assert misplaced.body == "Use /log inside a conversation's topic."


async def test_long_lists_page_with_buttons(desk: DeskWorld) -> None:
    world = desk
    await command(world, world.operator, "/help")  # the desk is up (and its database)
    for n in range(12):
        customer = await Customer.create(
            channel=Channel.TELEGRAM, external_id=7000 + n, first_name=f"Guest{n:02d}"
        )
        conversation = await Conversation.create(
            customer=customer, channel=Channel.TELEGRAM, chat_id=7000 + n
        )
        await Ticket.create(conversation=conversation, status=TicketStatus.NEW)
    first = await command(world, world.operator, "/queue")
    assert "(page 1 of 2)" in first.body and "Guest00" in first.body
    assert "Guest11" not in first.body
    assert [b.text for row in first.buttons for b in row] == ["Next ▶"]
    world.sandbox.press_button(world.operator, first, text="Next ▶")

    def second_page() -> MessageView | None:
        now = next(m for m in general(world) if m.message_id == first.message_id)
        return now if "(page 2 of 2)" in now.body else None

    page = await until(world.sandbox, second_page)
    assert "Guest11" in page.body and "Guest00" not in page.body
    assert [b.text for row in page.buttons for b in row] == ["◀ Prev"]
