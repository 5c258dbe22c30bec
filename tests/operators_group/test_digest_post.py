"""Posting a digest against the sandbox: the chart as a photo, the text as caption or after.

A queued digest is drawn and sent by a real outbox worker through
``TelegramOperatorDesk`` with the real ``Bot``: into ``MANAGERS_CHAT_ID`` as one photo
when the text fits a caption, and as a photo followed by the text when it does not.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from aiogram import Bot

from core.enums import Channel, EventKind, TicketStatus
from core.messaging.usecase import atomically
from core.models import Conversation, Customer, Event, OutboxItem, Ticket
from core.notices.digests import queue_digest
from core.notices.operations import notice_operations
from core.reports.digest_periods import DigestKind, period_of
from sandbox.telegram import BotAccount, Chat, MessageView
from tests.core.outbox.test_outbox_support import running, until
from tests.fixtures.telegram_sandbox import DeskWorld
from tests.operators_group.test_managers_place import desk_of

pytestmark = pytest.mark.usefixtures("db")

Factory = Callable[[BotAccount | str], Bot]


async def low_ratings(count: int, at: datetime) -> None:
    """``count`` tickets resolved and rated 1 at ``at``, each with a long comment."""
    for i in range(1, count + 1):
        customer = await Customer.create(
            channel=Channel.TELEGRAM, external_id=i, first_name=f"C{i}", last_name="", language=""
        )
        conversation = await Conversation.create(
            channel=Channel.TELEGRAM, chat_id=i, customer=customer, message_thread_id=500 + i,
            topic_title=f"C{i}",
        )  # fmt: skip
        ticket = await Ticket.create(
            conversation=conversation, status=TicketStatus.RESOLVED, opened_at=at, resolved_at=at,
            csat_score=1, csat_comment=f"Complaint {i}: " + "slow " * 40,
        )  # fmt: skip
        await Event.create(kind=EventKind.RATED, ticket_id=ticket.id, created_at=at)


async def send_yesterdays_digest(world: DeskWorld, bot: Bot, managers: Chat) -> list[MessageView]:
    """Queue yesterday's digest for ``managers`` and send it; what that chat shows."""
    ports, ctx = desk_of(bot, world, managers_chat_id=managers.id)
    yesterday = ctx.clock.now().date() - timedelta(days=1)
    period = period_of(DigestKind.DAILY, yesterday, ctx.timezone)
    queued = await atomically(
        lambda connection: queue_digest(connection, ctx, DigestKind.DAILY, period, ctx.clock.now())
    )
    assert queued

    async def all_done() -> bool:
        return not await OutboxItem.filter(status__not="done").exists()

    async with running(notice_operations(ports, ctx)):
        await until(all_done)
    return [m for m in world.sandbox.messages(managers) if m.service is None]


def managers_chat(world: DeskWorld) -> Chat:
    managers = world.sandbox.create_group("Managers", owner=world.owner, forum=False)
    world.sandbox.add_bot(managers, world.bot, admin=False)
    return managers


async def test_a_short_digest_is_one_photo_with_the_text_as_caption(
    desk_world: DeskWorld, sandbox_bot_factory: Factory
) -> None:
    managers = managers_chat(desk_world)
    shown = await send_yesterdays_digest(desk_world, sandbox_bot_factory(desk_world.bot), managers)
    [photo] = shown
    assert photo.type == "photo" and photo.caption is not None
    assert photo.caption.startswith("📊 Daily digest · ")
    assert "New tickets: 0  = · =" in photo.caption


async def test_a_long_digest_is_a_photo_then_the_text_with_every_low_rating(
    desk_world: DeskWorld, sandbox_bot_factory: Factory
) -> None:
    yesterday_noon = datetime.now(UTC).replace(hour=12, minute=0) - timedelta(days=1)
    await low_ratings(30, yesterday_noon)
    managers = managers_chat(desk_world)
    shown = await send_yesterdays_digest(desk_world, sandbox_bot_factory(desk_world.bot), managers)
    photo, *texts = shown
    assert photo.type == "photo" and photo.caption is not None
    assert photo.caption.startswith("📊 Daily digest · ") and "\n" not in photo.caption
    assert len(texts) >= 2 and all(m.type == "text" for m in texts)  # over 4,096 characters
    whole = "\n".join(m.body for m in texts)
    assert "Low ratings: 30" in whole
    for i in range(1, 31):
        assert f"Complaint {i}: slow" in whole
