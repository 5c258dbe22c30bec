"""The managers' place against the sandbox: the real ``Bot`` over HTTP, a real database.

Escalations (and reports) are queued with ``to_managers`` and sent by a real outbox
worker through ``TelegramOperatorDesk``: into a "📊 Reports" topic the desk creates once
in the operator group, or into ``MANAGERS_CHAT_ID`` when it is set.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aiogram import Bot

from bots.telegram.errors import telegram_errors
from core.clock import SystemClock
from core.context import DeskContext
from core.messaging.usecase import atomically
from core.models import ChannelCursor, OutboxItem
from core.notices.managers import reports_topic_key, to_managers
from core.notices.operations import notice_operations
from core.ports import Ports
from operators_group.desk import TelegramOperatorDesk
from sandbox.telegram import BotAccount, Chat, MessageView, Topic
from tests.core.outbox.test_outbox_support import running, until
from tests.fixtures.telegram_sandbox import DeskWorld

pytestmark = pytest.mark.usefixtures("db")

Factory = Callable[[BotAccount | str], Bot]


def desk_of(bot: Bot, world: DeskWorld, **ctx: object) -> tuple[Ports, DeskContext]:
    """The operator desk over the real bot, and a context for the group."""
    desk = TelegramOperatorDesk(bot, world.group.id, errors=telegram_errors)
    context = DeskContext(group_chat_id=world.group.id, clock=SystemClock(), **ctx)  # type: ignore[arg-type]
    return Ports(desk=desk, channels={}), context


async def post(ports: Ports, ctx: DeskContext, *texts: str) -> None:
    """Queue ``texts`` for the managers and run a worker until they are all sent."""
    for text in texts:
        await atomically(lambda connection, text=text: to_managers(connection, ctx, text))
    async with running(notice_operations(ports, ctx)):
        await until(_all_sent)


async def _all_sent() -> bool:
    return not await OutboxItem.filter(status__not="done").exists()


def reports_topics(world: DeskWorld, title: str = "📊 Reports") -> list[Topic]:
    return [topic for topic in world.group.topics.values() if topic.name == title]


def bodies(world: DeskWorld, chat: Chat, topic: Topic | None = None) -> list[str]:
    shown: list[MessageView] = world.sandbox.messages(chat, topic=topic)
    return [m.body for m in shown if m.service is None]


async def test_the_reports_topic_is_created_once_and_reused(
    desk_world: DeskWorld, sandbox_bot_factory: Factory
) -> None:
    ports, ctx = desk_of(sandbox_bot_factory(desk_world.bot), desk_world)
    await post(ports, ctx, "🚨 first <b>escalation</b>")
    await post(ports, ctx, "🚨 second")
    [topic] = reports_topics(desk_world)
    assert bodies(desk_world, desk_world.group, topic) == ["🚨 first escalation", "🚨 second"]
    cursor = await ChannelCursor.get(name=reports_topic_key(desk_world.group.id))
    assert cursor.value == str(topic.thread_id)
    general = desk_world.sandbox.messages(desk_world.group, general=True)
    assert [m.body for m in general if m.service is None] == []  # General stays for alerts


async def test_a_deleted_reports_topic_is_created_anew(
    desk_world: DeskWorld, sandbox_bot_factory: Factory
) -> None:
    ports, ctx = desk_of(sandbox_bot_factory(desk_world.bot), desk_world)
    await post(ports, ctx, "before")
    [old] = reports_topics(desk_world)
    desk_world.sandbox.delete_topic(desk_world.owner, desk_world.group, old)
    await post(ports, ctx, "after")
    [new] = reports_topics(desk_world)
    assert new.thread_id != old.thread_id
    assert bodies(desk_world, desk_world.group, new) == ["after"]
    cursor = await ChannelCursor.get(name=reports_topic_key(desk_world.group.id))
    assert cursor.value == str(new.thread_id)


async def test_the_topic_title_is_in_the_operators_language(
    desk_world: DeskWorld, sandbox_bot_factory: Factory
) -> None:
    ports, ctx = desk_of(sandbox_bot_factory(desk_world.bot), desk_world, locale="ru")
    await post(ports, ctx, "эскалация")
    [topic] = reports_topics(desk_world, "📊 Отчёты")
    assert bodies(desk_world, desk_world.group, topic) == ["эскалация"]


async def test_managers_chat_id_posts_there_instead(
    desk_world: DeskWorld, sandbox_bot_factory: Factory
) -> None:
    sb = desk_world.sandbox
    managers = sb.create_group("Managers", owner=desk_world.owner, forum=False)
    sb.add_bot(managers, desk_world.bot, admin=False)
    ports, ctx = desk_of(
        sandbox_bot_factory(desk_world.bot), desk_world, managers_chat_id=managers.id
    )
    await post(ports, ctx, "🚨 to the managers")
    assert bodies(desk_world, managers) == ["🚨 to the managers"]
    assert reports_topics(desk_world) == []
    assert not await ChannelCursor.filter(name=reports_topic_key(desk_world.group.id)).exists()


async def test_a_managers_chat_without_the_bot_fails_the_item_not_the_group(
    desk_world: DeskWorld, sandbox_bot_factory: Factory
) -> None:
    sb = desk_world.sandbox
    managers = sb.create_group("Managers", owner=desk_world.owner, forum=False)
    ports, ctx = desk_of(
        sandbox_bot_factory(desk_world.bot), desk_world, managers_chat_id=managers.id
    )
    await atomically(lambda connection: to_managers(connection, ctx, "lost"))
    async with running(notice_operations(ports, ctx)):
        await until(lambda: _status_is("failed"))
    assert bodies(desk_world, managers) == []


async def _status_is(status: str) -> bool:
    item = await OutboxItem.first()
    return item is not None and item.status == status
