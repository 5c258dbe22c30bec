"""Work commands in the operator group: lists with topic links, search, bans, help, paging."""

from __future__ import annotations

import asyncio

from core.enums import Channel, EventKind, TicketStatus
from core.i18n import gettext
from core.models import Conversation, Customer, Event, Message, Ticket
from core.tickets.bans import NOTICE
from sandbox.telegram import MessageView
from tests.e2e.conftest import command, from_bot, general, in_topic, opened, shown, until
from tests.fixtures.telegram_sandbox import DeskWorld


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


async def test_queue_links_each_ticket_to_its_topic(admin_desk: DeskWorld) -> None:
    world = admin_desk
    topic = await opened(world)
    ticket = await Ticket.get()
    answer = await command(world, world.operator, "/queue")
    assert f"#{ticket.number} Alice Customer @alice_c" in answer.body
    internal = str(world.group.id).removeprefix("-100")
    assert links(answer) == [f"https://t.me/c/{internal}/{topic.thread_id}"]
    found = await command(world, world.operator, "/search @alice_c")
    assert f"#{ticket.number} Alice Customer" in found.body


async def test_a_senior_bans_and_unbans_a_customer(admin_desk: DeskWorld) -> None:
    world, olga = admin_desk, admin_desk.owner
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


async def test_an_agent_may_not_ban(admin_desk: DeskWorld) -> None:
    world = admin_desk
    topic = await opened(world)
    answer = await command(world, world.operator, "/ban", topic=topic)
    assert answer.body == "⛔ Only a senior operator or above may do that."
    assert not (await Customer.get()).is_banned
    assert await Event.filter(kind=EventKind.REFUSED).count() == 1


async def test_unknown_and_misplaced_commands_explain_themselves(admin_desk: DeskWorld) -> None:
    world = admin_desk
    answer = await command(world, world.operator, "/frobnicate now")
    assert answer.body.startswith("Commands") and "/queue" in answer.body
    misplaced = await command(world, world.operator, "/log")
    assert misplaced.body == "Use /log inside a conversation's topic."


async def test_long_lists_page_with_buttons(admin_desk: DeskWorld) -> None:
    world = admin_desk
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
