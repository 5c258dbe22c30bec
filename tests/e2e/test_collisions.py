"""Who answers: auto-take by the first replier, held replies in someone else's ticket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from core.config import Settings
from core.enums import DeliveryState, EventKind, MessageDirection
from core.models import Event, Message, Operator, Ticket
from sandbox.telegram import MessageView, Topic
from tests.e2e.conftest import FAST_RATES, from_bot, in_topic, opened, received, shown, until
from tests.e2e.test_card_buttons import card_of, card_shows, press
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld


async def taken_by_ivan(world: DeskWorld, topic: Topic) -> None:
    card = await card_of(world, topic)
    await press(world, world.operator, card, "🙋 Take")
    await card_shows(world, topic, lambda c: "Assignee: Ivan" in c.body)


async def stored_state(message_id: int, state: DeliveryState) -> None:
    """Wait until the desk has recorded ``state`` for the message (after the send)."""
    for _ in range(200):
        if (await Message.get(id=message_id)).delivery_state == state:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"message {message_id} never became {state}")


async def prompt_under(world: DeskWorld, topic: Topic, text: str) -> MessageView:
    """The hold prompt the desk posted as a reply to the operator message ``text``."""
    written = await shown(world, topic, text)
    return await until(
        world.sandbox,
        lambda: next(
            (m for m in in_topic(world, topic) if m.reply_to == written.message_id and m.buttons),
            None,
        ),
    )


async def test_the_first_operator_to_reply_takes_an_unowned_ticket(admin_desk: DeskWorld) -> None:
    world, sb = admin_desk, admin_desk.sandbox
    topic = await opened(world)
    sb.send_text(world.owner, world.group, "// VIP customer, be gentle", topic=topic)
    await shown(world, topic, "// VIP customer, be gentle")
    assert (await Ticket.get()).assignee_id is None  # a note answers nobody: it takes nothing
    sb.send_text(world.operator, world.group, "Hi! Looking into it.", topic=topic)
    await received(world, "Hi! Looking into it.")
    await card_shows(world, topic, lambda c: "Assignee: Ivan" in c.body and "open" in c.body)
    ticket = await Ticket.get()
    ivan = await Operator.get(telegram_id=world.operator.id)
    assert ticket.assignee_id == ivan.id
    assigned = await Event.filter(kind=EventKind.ASSIGNED, ticket_id=ticket.id).get()
    assert assigned.actor_id == ivan.id
    await until(sb, lambda: topic.name.startswith("🟢 #"))


async def test_a_reply_in_someone_elses_ticket_waits_for_send_anyway(
    admin_desk: DeskWorld,
) -> None:
    world, sb, olga, ivan = admin_desk, admin_desk.sandbox, admin_desk.owner, admin_desk.operator
    topic = await opened(world)
    await taken_by_ivan(world, topic)

    sb.send_text(olga, world.group, "Olga here: refund approved", topic=topic)
    prompt = await prompt_under(world, topic, "Olga here: refund approved")
    assert "is Ivan" in prompt.body and "not sent" in prompt.body
    assert [b.text for b in prompt.buttons[0]] == ["📤 Send anyway", "🗑 Discard"]
    held = await Message.get(text="Olga here: refund approved")
    assert held.delivery_state == DeliveryState.HELD

    # Ivan is an agent and did not write it: he may not decide for Olga.
    refused = await sb.wait_answer(sb.press_button(ivan, prompt, text="📤 Send anyway"))
    assert refused.show_alert and "Only the writer" in (refused.answer_text or "")
    assert await Event.filter(kind=EventKind.REFUSED).count() == 1
    assert not [m for m in from_bot(world) if m.body == "Olga here: refund approved"]

    sent = await sb.wait_answer(sb.press_button(olga, prompt, text="📤 Send anyway"))
    assert sent.answer_text == "📤 Sent."
    await received(world, "Olga here: refund approved")
    await until(
        sb,
        lambda: next(
            (
                m
                for m in in_topic(world, topic)
                if m.message_id == prompt.message_id and not m.buttons
            ),
            None,
        ),
    )
    await stored_state(held.id, DeliveryState.DELIVERED)
    assert (await Ticket.get()).assignee_id == (await Operator.get(telegram_id=ivan.id)).id


async def test_discard_delivers_nothing(admin_desk: DeskWorld) -> None:
    world, sb, olga = admin_desk, admin_desk.sandbox, admin_desk.owner
    topic = await opened(world)
    await taken_by_ivan(world, topic)
    sb.send_text(olga, world.group, "Wrong chat, sorry", topic=topic)
    prompt = await prompt_under(world, topic, "Wrong chat, sorry")
    answer = await sb.wait_answer(sb.press_button(olga, prompt, text="🗑 Discard"))
    assert answer.answer_text == "🗑 Discarded."
    await until(
        sb,
        lambda: next(
            (
                m
                for m in in_topic(world, topic)
                if m.message_id == prompt.message_id and "Discarded by" in m.body
            ),
            None,
        ),
    )
    # The next reply goes out; the discarded one never does.
    sb.send_text(world.operator, world.group, "Ivan's answer", topic=topic)
    await received(world, "Ivan's answer")
    assert not [m for m in from_bot(world) if m.body == "Wrong chat, sorry"]
    stored = await Message.get(text="Wrong chat, sorry")
    assert stored.delivery_state == DeliveryState.DISCARDED


@pytest.fixture
async def warn_desk(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> AsyncIterator[DeskWorld]:
    """The desk with COLLISION_MODE=warn."""
    world = desk_world
    settings = desk_settings(
        world.sandbox,
        world.bot,
        world.group,
        admin_ids=[world.owner.id],
        collision_mode="warn",
        **FAST_RATES,
    )
    async with run_desk(settings):
        yield world


async def test_warn_mode_sends_and_says_whose_ticket_it_was(warn_desk: DeskWorld) -> None:
    world, sb, olga = warn_desk, warn_desk.sandbox, warn_desk.owner
    topic = await opened(world)
    await taken_by_ivan(world, topic)
    sb.send_text(olga, world.group, "Olga chiming in", topic=topic)
    await received(world, "Olga chiming in")
    ticket = await Ticket.get()
    await shown(world, topic, f"⚠️ #{ticket.number} is Ivan's ticket; your reply was sent anyway.")
    stored = await Message.get(text="Olga chiming in", direction=MessageDirection.OUTBOUND)
    await stored_state(stored.id, DeliveryState.DELIVERED)


async def test_a_template_in_someone_elses_ticket_is_held_too(admin_desk: DeskWorld) -> None:
    world, sb, olga = admin_desk, admin_desk.sandbox, admin_desk.owner
    source = sb.send_text(olga, world.group, "Hi {customer.first_name}, we are on it.")
    sb.send_text(olga, world.group, "/template save onit", reply_to=source)
    topic = await opened(world)
    await taken_by_ivan(world, topic)

    sb.send_text(olga, world.group, "/tpl onit", topic=topic)
    prompt = await prompt_under(world, topic, "Hi Alice, we are on it.")
    assert "is Ivan" in prompt.body
    assert not [m for m in from_bot(world) if m.body == "Hi Alice, we are on it."]
    await sb.wait_answer(sb.press_button(olga, prompt, text="📤 Send anyway"))
    await received(world, "Hi Alice, we are on it.")
