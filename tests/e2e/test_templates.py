"""Templates as people use them: an admin saves variants, an agent sends one with /tpl."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from core.config import Settings
from sandbox.telegram import MessageView, User
from tests.e2e.conftest import FAST_RATES, general, received, shown, topic_of, until
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld


@pytest.fixture
async def desk(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> AsyncIterator[DeskWorld]:
    """The desk running with the group's owner as the configured admin."""
    w = desk_world
    settings = desk_settings(w.sandbox, w.bot, w.group, admin_ids=[w.owner.id], **FAST_RATES)
    async with run_desk(settings):
        yield w


async def answer_to(world: DeskWorld, command: MessageView) -> MessageView:
    """Wait for the desk's reply to ``command`` in the General topic."""
    return await until(
        world.sandbox,
        lambda: next((m for m in general(world) if m.reply_to == command.message_id), None),
    )


async def save(world: DeskWorld, who: User, body: str, command: str) -> str:
    """``who`` writes ``body`` in General and replies to it with ``command``."""
    sb = world.sandbox
    source = sb.send_text(who, world.group, body)
    sent = sb.send_text(who, world.group, command, reply_to=source)
    return (await answer_to(world, sent)).body or ""


async def test_agent_sends_the_customers_language_variant(desk: DeskWorld) -> None:
    sb, owner = desk.sandbox, desk.owner
    en = "Hello {customer.first_name}, your request is #{ticket.number}."
    ru = "Здравствуйте, {customer.first_name}! Ваше обращение №{ticket.number}."
    assert "saved" in await save(desk, owner, en, "/template save greet en")
    assert "saved" in await save(desk, owner, ru, "/template save greet ru")

    boris = sb.create_user("Boris", language_code="ru")
    sb.private_chat(desk.bot, boris)
    sb.send_text(boris, desk.bot, "Где мой заказ?")
    topic = await topic_of(desk, boris)
    await shown(desk, topic, "Где мой заказ?")
    number = topic.name.split("#", 1)[1].split()[0]  # "🆕 #12 Boris · Telegram"

    sb.send_text(desk.operator, desk.group, "/tpl greet", topic=topic)
    expected = f"Здравствуйте, Boris! Ваше обращение №{number}."
    got = await received(desk, expected, boris)
    assert got.sender_is_bot
    posted = await shown(desk, topic, expected)  # operators see exactly what was sent
    assert posted.sender_is_bot


async def test_unknown_variable_cannot_be_saved(desk: DeskWorld) -> None:
    answer = await save(desk, desk.owner, "You are {customer.age}", "/template save age")
    assert "customer.age" in answer and "saved" not in answer.replace("Not saved", "")
    listed = desk.sandbox.send_text(desk.owner, desk.group, "/template list")
    assert "No templates yet" in ((await answer_to(desk, listed)).body or "")


async def test_an_agent_cannot_save(desk: DeskWorld) -> None:
    answer = await save(desk, desk.operator, "Hi {customer.name}", "/template save hi")
    assert "Only admins" in answer
