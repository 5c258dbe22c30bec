"""Shared helpers of the relay's end-to-end tests: a running desk and what each side sees.

Every test runs the real botdesk app against the sandbox; the helpers only read what a
customer sees in their private chat and what operators see in a topic.
"""

from __future__ import annotations

import os
import struct
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from core.config import Settings
from sandbox.telegram import Chat, MessageView, TelegramSandbox, Topic, User
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld

WAIT = 10.0
# The desk's own flood budgets (Telegram's real ones by default) would make a test that
# sends every kind of message wait for a minute; budgets have tests of their own.
FAST_RATES = {"rate_private_chat": "50/1", "rate_group": "200/1"}
#: how the desk's first message in a group begins (posted once, at its first start)
WELCOME = "✅ botdesk "  # en: "is connected to this group", ru: "подключён …"


def png(width: int = 64, height: int = 64) -> bytes:
    """A PNG header of the given size and random bytes (a distinct file every time)."""
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", width, height) + os.urandom(24)


def blob() -> bytes:
    """Random bytes for a non-image file."""
    return os.urandom(48)


@pytest.fixture
async def relay_desk(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> AsyncIterator[DeskWorld]:
    """The desk app running on ``desk_world`` until the test ends."""
    settings = desk_settings(desk_world.sandbox, desk_world.bot, desk_world.group, **FAST_RATES)
    async with run_desk(settings):
        await welcomed(desk_world)
        yield desk_world


def chat_of(world: DeskWorld, customer: User | None = None) -> Chat:
    """The customer's private chat with the desk bot."""
    return world.sandbox.private_chat(world.bot, customer or world.customer)


def in_topic(world: DeskWorld, topic: Topic) -> list[MessageView]:
    """What a topic shows apart from service messages and the pinned ticket card."""
    shown = world.sandbox.messages(world.group, topic=topic)
    return [m for m in shown if m.service is None and not m.pinned]


def from_bot(world: DeskWorld, customer: User | None = None) -> list[MessageView]:
    """What the bot sent into the customer's chat."""
    return [m for m in world.sandbox.messages(chat_of(world, customer)) if m.sender_is_bot]


def general(world: DeskWorld) -> list[MessageView]:
    """Messages of the General topic (desk alerts), after the desk's welcome."""
    shown = world.sandbox.messages(world.group, general=True)
    return [m for m in shown if m.service is None and not (m.body or "").startswith(WELCOME)]


async def welcomed(world: DeskWorld) -> MessageView:
    """Wait for the desk's welcome in General: it is up and owns its place in the group."""
    shown = world.sandbox.messages
    return await until(
        world.sandbox,
        lambda: next(
            (m for m in shown(world.group, general=True) if (m.body or "").startswith(WELCOME)),
            None,
        ),
    )


async def topic_of(world: DeskWorld, customer: User | None = None) -> Topic:
    """Wait for the customer's topic to appear and return it."""
    name = (customer or world.customer).first_name

    def find() -> Topic | None:
        return next((t for t in world.group.topics.values() if name in t.name), None)

    return await world.sandbox.wait_for(find, timeout=WAIT)


async def until(sb: TelegramSandbox, probe: Callable[[], Any], timeout: float = WAIT) -> Any:  # noqa: ASYNC109
    """``sb.wait_for`` with the relay tests' default timeout."""
    return await sb.wait_for(probe, timeout=timeout)


async def shown(world: DeskWorld, topic: Topic, body: str) -> MessageView:
    """Wait until a message with ``body`` (text or caption) shows in ``topic``."""
    return await until(
        world.sandbox, lambda: next((m for m in in_topic(world, topic) if m.body == body), None)
    )


async def received(world: DeskWorld, body: str, customer: User | None = None) -> MessageView:
    """Wait until the customer got a message with ``body`` from the bot."""
    return await until(
        world.sandbox,
        lambda: next((m for m in from_bot(world, customer) if m.body == body), None),
    )


async def opened(world: DeskWorld, first: str = "Hello") -> Topic:
    """The customer writes ``first``; return the topic once the message shows there."""
    world.sandbox.send_text(world.customer, world.bot, first)
    topic = await topic_of(world)
    await shown(world, topic, first)
    return topic


@pytest.fixture
async def admin_desk(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> AsyncIterator[DeskWorld]:
    """The desk with the group's owner (Olga) as the one admin from ADMIN_IDS; Ivan an agent."""
    world = desk_world
    settings = desk_settings(
        world.sandbox, world.bot, world.group, admin_ids=[world.owner.id], **FAST_RATES
    )
    async with run_desk(settings):
        await welcomed(world)
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
