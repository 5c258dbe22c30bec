"""The ticket card's buttons as operators meet them: take, menus, refusals, bursts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

import sandbox.telegram.server as sandbox_server
from core.config import Settings
from core.enums import EventKind, OutboxStatus, TicketPriority, TicketStatus
from core.models import Event, OutboxItem, Ticket
from core.outbox.queues import EDIT_CARD, RENAME_TOPIC
from operators_group.cards import CardAct, CardCallback
from sandbox.telegram import MessageView, Topic, User
from tests.e2e.conftest import FAST_RATES, general, opened, topic_of, until
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld


@pytest.fixture
async def card_desk(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> AsyncIterator[DeskWorld]:
    """The desk with the group's owner (Olga) as admin; Ivan is an agent."""
    world = desk_world
    settings = desk_settings(
        world.sandbox, world.bot, world.group, admin_ids=[world.owner.id], **FAST_RATES
    )
    async with run_desk(settings):
        yield world


def card_in(world: DeskWorld, topic: Topic) -> MessageView | None:
    """The pinned ticket card of ``topic`` (None until it is posted)."""
    shown = world.sandbox.messages(world.group, topic=topic)
    return next((m for m in shown if m.sender_is_bot and m.pinned), None)


async def card_of(world: DeskWorld, topic: Topic) -> MessageView:
    return await until(world.sandbox, lambda: card_in(world, topic))


def labels(card: MessageView) -> list[str]:
    return [button.text for row in card.buttons for button in row]


async def press(world: DeskWorld, user: User, card: MessageView, text: str) -> Any:
    """``user`` presses the button labelled ``text``; return the answered record."""
    record = world.sandbox.press_button(user, card, text=text)
    return await world.sandbox.wait_answer(record, timeout=10)


async def card_shows(world: DeskWorld, topic: Topic, probe: Callable[[MessageView], bool]) -> Any:
    return await until(
        world.sandbox, lambda: (c := card_in(world, topic)) is not None and probe(c) and c
    )


async def test_take_then_status_and_priority_through_menus(card_desk: DeskWorld) -> None:
    world, ivan = card_desk, card_desk.operator
    topic = await opened(world)
    card = await card_of(world, topic)
    assert "🙋 Take" in labels(card) and "Status ▾" in labels(card)
    answer = await press(world, ivan, card, "🙋 Take")
    assert answer.answer_text == "✅ Done." and not answer.show_alert
    card = await card_shows(world, topic, lambda c: "Assignee: Ivan" in c.body)
    assert "🙋 Take" not in labels(card)
    await until(world.sandbox, lambda: topic.name.startswith("🟢 #"))

    await press(world, ivan, card, "Status ▾")
    menu = await card_shows(world, topic, lambda c: "⬅ Back" in labels(c))
    await press(world, ivan, menu, "⏳ waiting for customer")
    await card_shows(world, topic, lambda c: "waiting for customer" in c.body.splitlines()[0])
    await until(world.sandbox, lambda: topic.name.startswith("⏳ #"))

    card = await card_shows(world, topic, lambda c: "Priority ▾" in labels(c))
    await press(world, ivan, card, "Priority ▾")
    menu = await card_shows(world, topic, lambda c: "urgent" in labels(c))
    await press(world, ivan, menu, "urgent")
    await card_shows(world, topic, lambda c: "Priority: urgent" in c.body)
    await until(world.sandbox, lambda: topic.name.startswith("⏳🔥 #"))
    ticket = await Ticket.get()
    assert ticket.status == TicketStatus.WAITING and ticket.priority == TicketPriority.URGENT


async def test_an_agent_pressing_assign_is_refused_and_nothing_changes(
    card_desk: DeskWorld,
) -> None:
    world, ivan = card_desk, card_desk.operator
    topic = await opened(world)
    card = await card_of(world, topic)
    answer = await press(world, ivan, card, "👥 Assign…")
    assert answer.show_alert and answer.answer_text == "⛔ This needs the senior role."
    assert await Event.filter(kind=EventKind.REFUSED).count() == 1
    after = card_in(world, topic)
    assert after is not None and after.buttons == card.buttons and after.body == card.body
    assert (await Ticket.get()).assignee_id is None


async def test_a_forged_callback_for_another_ticket_is_refused(card_desk: DeskWorld) -> None:
    world, olga = card_desk, card_desk.owner
    topic = await opened(world)
    bob = world.sandbox.create_user("Bob", username="bob_c")
    world.sandbox.send_text(bob, world.bot, "Hi from Bob")
    bob_topic = await topic_of(world, bob)
    card, bob_card = await card_of(world, topic), await card_of(world, bob_topic)
    bob_ticket = await Ticket.filter(card_message_id=bob_card.message_id).get()
    forged = CardCallback(ticket=bob_ticket.number, act=CardAct.TAKE).pack()
    # A modified client: Alice's card carries a button for Bob's ticket.
    stored = world.sandbox.world.groups[world.group.id].messages[card.message_id]
    stored.reply_markup = {"inline_keyboard": [[{"text": "x", "callback_data": forged}]]}
    record = world.sandbox.press_button(olga, card, data=forged)
    answer = await world.sandbox.wait_answer(record, timeout=10)
    assert answer.show_alert and "does not belong" in (answer.answer_text or "")
    assert (await Ticket.get(id=bob_ticket.id)).assignee_id is None
    assert await Event.filter(kind=EventKind.REFUSED).count() == 1


async def test_a_burst_of_ten_taps_costs_at_most_two_card_edits(
    card_desk: DeskWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, olga = card_desk, card_desk.owner
    topic = await opened(world)
    card = await card_of(world, topic)
    edits: list[int] = []
    find = sandbox_server.find

    def counting(name: str) -> Any:
        handler = find(name)
        if handler is None or name.lower() != "editmessagetext":
            return handler

        async def counted(call: Any) -> Any:
            edits.append(call.p.req_int("message_id"))
            return await handler(call)

        return counted

    monkeypatch.setattr(sandbox_server, "find", counting)
    await press(world, olga, card, "Priority ▾")
    menu = await card_shows(world, topic, lambda c: "urgent" in labels(c))
    ticket = await Ticket.get()
    records = []
    for n in range(10):
        value = "high" if n % 2 == 0 else "low"
        data = CardCallback(ticket=ticket.number, act=CardAct.PRIORITY, value=value).pack()
        records.append(world.sandbox.press_button(olga, menu, data=data))
    for record in records:
        await world.sandbox.wait_answer(record, timeout=10)
    await card_shows(world, topic, lambda c: "Priority: low" in c.body)
    await settled()
    assert 1 <= edits.count(card.message_id) <= 2
    assert await Event.filter(kind=EventKind.PRIORITY).count() == 10


async def settled() -> None:
    """Wait until no card edit or topic rename is pending or in flight any more."""
    for _attempt in range(100):
        busy = await OutboxItem.filter(
            operation__in=[EDIT_CARD, RENAME_TOPIC],
            status__in=[OutboxStatus.PENDING, OutboxStatus.IN_FLIGHT],
        ).exists()
        if not busy:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("card refreshes never settled")


async def test_an_admin_adds_a_tag_and_an_agent_puts_it_on_the_ticket(
    card_desk: DeskWorld,
) -> None:
    world, olga, ivan = card_desk, card_desk.owner, card_desk.operator
    topic = await opened(world)
    world.sandbox.send_text(olga, world.group, "/tag add Billing")
    await until(world.sandbox, lambda: any("Tag #billing added" in m.body for m in general(world)))
    card = await card_of(world, topic)
    await press(world, ivan, card, "Tags ▾")
    menu = await card_shows(world, topic, lambda c: "#billing" in labels(c))
    await press(world, ivan, menu, "#billing")
    await card_shows(world, topic, lambda c: "Tags: #billing" in c.body)
    assert (await Ticket.get()).tags == ["billing"]


async def test_a_non_member_pressing_a_button_is_refused(card_desk: DeskWorld) -> None:
    world = card_desk
    topic = await opened(world)
    card = await card_of(world, topic)
    # Someone who can see the (public) group but is not in it, and a member who left.
    outsider = world.sandbox.create_user("Eve", username="eve")
    answer = await press(world, outsider, card, "🙋 Take")
    assert answer.show_alert and answer.answer_text == (
        "⛔ Only members of the operator group can do that."
    )
    maria = world.sandbox.create_user("Maria", username="maria")
    world.sandbox.add_member(world.group, maria)
    world.sandbox.remove_member(world.group, maria)
    answer = await press(world, maria, card, "🙋 Take")
    assert answer.show_alert and "Only members" in (answer.answer_text or "")
    assert (await Ticket.get()).assignee_id is None
    assert card_in(world, topic) is not None and card_in(world, topic).body == card.body
