"""The relay as people meet it: a customer writes, a topic appears, operators answer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from core.config import Settings
from sandbox.telegram import MessageView, TelegramSandbox, Topic, User
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld

WAIT = 10.0


def topics(world: DeskWorld) -> list[Topic]:
    return list(world.group.topics.values())


def people_messages(sb: TelegramSandbox, world: DeskWorld, topic: Topic) -> list[MessageView]:
    """What a topic shows apart from service messages and the desk's own card."""
    return [m for m in sb.messages(world.group, topic=topic) if m.service is None]


@pytest.fixture
async def desk(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> AsyncIterator[DeskWorld]:
    async with run_desk(desk_settings(desk_world.sandbox, desk_world.bot, desk_world.group)):
        yield desk_world


async def topic_of(sb: TelegramSandbox, world: DeskWorld, customer: User) -> Topic:
    """Wait for the customer's topic to appear and return it."""

    def find() -> Topic | None:
        for topic in topics(world):
            if customer.first_name in topic.name:
                return topic
        return None

    return await sb.wait_for(find, timeout=WAIT)


async def shown_in(sb: TelegramSandbox, world: DeskWorld, topic: Topic, text: str) -> MessageView:
    """Wait until a message with ``text`` shows in ``topic``."""
    return await sb.wait_for(
        lambda: next((m for m in people_messages(sb, world, topic) if m.body == text), None),
        timeout=WAIT,
    )


async def test_first_message_opens_a_topic_with_a_pinned_card(desk: DeskWorld) -> None:
    sb, customer = desk.sandbox, desk.customer
    sb.send_text(customer, desk.bot, "/start")
    sb.send_text(customer, desk.bot, "My order #42 has not arrived")
    topic = await topic_of(sb, desk, customer)
    assert topic.name.startswith("🆕 #")
    assert topic.name.endswith("\u2068Alice Customer\u2069 · Telegram")
    await shown_in(sb, desk, topic, "My order #42 has not arrived")
    shown = sb.messages(desk.group, topic=topic)
    card = next(m for m in shown if m.sender_is_bot and m.pinned)
    assert "Alice Customer" in card.body and "@alice_c" in card.body
    assert str(customer.id) in card.body
    mirrored = [m for m in shown if m.body == "My order #42 has not arrived"]
    assert len(mirrored) == 1 and not mirrored[0].forwarded
    assert len(topics(desk)) == 1  # /start alone opened nothing


async def test_operator_reply_reaches_the_customer_and_notes_do_not(desk: DeskWorld) -> None:
    sb, customer, operator = desk.sandbox, desk.customer, desk.operator
    sb.send_text(customer, desk.bot, "Hello, I need help")
    topic = await topic_of(sb, desk, customer)
    await shown_in(sb, desk, topic, "Hello, I need help")
    sb.send_text(operator, desk.group, "// customer seems upset, be gentle", topic=topic)
    sb.send_text(operator, desk.group, "/note check the order in the CRM", topic=topic)
    reply = sb.send_text(operator, desk.group, "Hi! We are on it.", topic=topic)
    chat = sb.private_chat(desk.bot, customer)
    answer = await sb.wait_for(
        lambda: next((m for m in sb.messages(chat) if m.sender_is_bot), None), timeout=WAIT
    )
    assert answer.body == "Hi! We are on it."
    assert not answer.forwarded  # operators stay anonymous
    # The reply is marked delivered in the topic.
    await sb.wait_for(
        lambda: any(
            m.message_id == reply.message_id and m.reactions for m in sb.messages(desk.group)
        ),
        timeout=WAIT,
    )
    seen_by_customer = [m.body for m in sb.messages(chat)]
    assert not any("CRM" in text or "gentle" in text for text in seen_by_customer)


async def test_two_customers_get_two_topics_and_replies_never_cross(desk: DeskWorld) -> None:
    sb = desk.sandbox
    bob = sb.create_user("Bob", language_code="en")
    sb.send_text(desk.customer, desk.bot, "question from Alice")
    sb.send_text(bob, desk.bot, "question from Bob")
    alice_topic = await topic_of(sb, desk, desk.customer)
    bob_topic = await topic_of(sb, desk, bob)
    assert alice_topic.thread_id != bob_topic.thread_id
    sb.send_text(desk.operator, desk.group, "answer for Bob", topic=bob_topic)
    bob_chat = sb.private_chat(desk.bot, bob)
    await sb.wait_for(
        lambda: any(m.body == "answer for Bob" for m in sb.messages(bob_chat)), timeout=WAIT
    )
    alice_chat = sb.private_chat(desk.bot, desk.customer)
    assert not any(m.body == "answer for Bob" for m in sb.messages(alice_chat))


async def test_ten_first_messages_at_once_open_one_topic(desk: DeskWorld) -> None:
    sb, customer = desk.sandbox, desk.customer
    for number in range(10):
        sb.send_text(customer, desk.bot, f"burst {number}")
    topic = await topic_of(sb, desk, customer)

    def all_shown() -> bool:
        text = "\n".join(m.body or "" for m in people_messages(sb, desk, topic))
        return all(f"burst {number}" in text for number in range(10))

    await sb.wait_for(all_shown, timeout=WAIT)
    assert len(topics(desk)) == 1
