"""Flood limits: honest retry_after, per chat, per group, per bot, batches counted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from aiogram.types import BufferedInputFile, InputMediaPhoto

from sandbox.telegram import ApiError, Limits, ManualClock, Rate, TelegramSandbox
from sandbox.telegram.limits import FloodControl
from tests.fixtures.telegram_sandbox import sandbox_bot

# Telegram's counts with windows short enough for a test run.
FAST = Limits(private_chat=Rate(1, 1.0), group_chat=Rate(3, 1.0), per_bot=Rate(5, 1.0))


def test_defaults_follow_telegram() -> None:
    limits = Limits()
    assert limits.private_chat == Rate(1, 1.0)
    assert limits.group_chat == Rate(20, 60.0)
    assert limits.per_bot == Rate(30, 1.0)
    assert Limits().scaled(0.5).group_chat == Rate(20, 30.0)


def test_group_budget_with_a_manual_clock() -> None:
    clock = ManualClock()
    flood = FloodControl(Limits(), clock)
    for _ in range(20):
        flood.spend(1, -100, 1)
        clock.advance(1.0)  # 20 sends over 20 s: within 20/min
    with pytest.raises(ApiError) as caught:
        flood.spend(1, -100, 1)
    assert caught.value.code == 429
    retry = caught.value.parameters["retry_after"]  # type: ignore[index]
    assert retry == 40  # the first send leaves the window 60 s after it was made
    clock.advance(retry - 1)
    with pytest.raises(ApiError):
        flood.spend(1, -100, 1)
    clock.advance(1)
    flood.spend(1, -100, 1)


def test_batches_count_each_item_and_idle_chats_take_an_album() -> None:
    clock = ManualClock()
    flood = FloodControl(Limits(), clock)
    flood.spend(1, 42, 10)  # an album into an idle private chat goes through
    with pytest.raises(ApiError) as caught:
        flood.spend(1, 42, 1)
    assert caught.value.parameters == {"retry_after": 1}
    with pytest.raises(ApiError):
        flood.spend(1, 43, 21)  # ten album items already used 10 of the 30/s bot budget
    flood.spend(1, 43, 20)


def test_off_means_unlimited() -> None:
    flood = FloodControl(Limits.off(), ManualClock())
    for _ in range(1000):
        flood.spend(1, 5, 1)


@pytest.fixture
async def limited() -> AsyncIterator[tuple[TelegramSandbox, Bot]]:
    async with TelegramSandbox(limits=FAST) as sb:
        account = sb.create_bot("limited_bot")
        bot = sandbox_bot(sb, account.token)
        sb.limited_account = account  # type: ignore[attr-defined]
        yield sb, bot
        await bot.session.close()


async def expect_retry(call: object) -> int:
    with pytest.raises(TelegramRetryAfter) as caught:
        await call  # type: ignore[misc]
    expected = f"Original description: Too Many Requests: retry after {caught.value.retry_after}"
    assert caught.value.message.endswith(expected)
    assert 1 <= caught.value.retry_after <= 2
    return caught.value.retry_after


async def test_private_chat_limit_and_honest_retry(limited: tuple[TelegramSandbox, Bot]) -> None:
    sb, bot = limited
    user = sb.create_user("Alice")
    sb.send_text(user, sb.limited_account, "/start")  # type: ignore[attr-defined]
    await bot.send_message(user.id, "one")
    retry = await expect_retry(bot.send_message(user.id, "two"))
    await bot.get_chat(user.id)  # reads never count
    await asyncio.sleep(retry)
    await bot.send_message(user.id, "two")


async def test_group_limit_counts_album_items_and_copies(
    limited: tuple[TelegramSandbox, Bot],
) -> None:
    sb, bot = limited
    owner = sb.create_user("Olga")
    group = sb.create_group("Ops", owner=owner)
    sb.add_bot(group, sb.limited_account)  # type: ignore[attr-defined]
    photo = lambda: InputMediaPhoto(media=BufferedInputFile(b"x" * 10, "p.jpg"))  # noqa: E731
    album = await bot.send_media_group(group.id, [photo(), photo()])
    await bot.send_message(group.id, "third")
    retry = await expect_retry(bot.send_message(group.id, "fourth"))
    await asyncio.sleep(retry)
    third = await bot.send_message(group.id, "after the pause")
    ids = [m.message_id for m in album]
    # 1 used + 3 copies > 3 per window: copyMessages counts every copied message.
    await expect_retry(bot.copy_messages(group.id, group.id, [*ids, third.message_id]))
    await bot.copy_messages(group.id, group.id, ids)


async def test_per_bot_limit_across_chats(limited: tuple[TelegramSandbox, Bot]) -> None:
    sb, bot = limited
    users = [sb.create_user(f"U{i}") for i in range(6)]
    for user in users:
        sb.send_text(user, sb.limited_account, "/start")  # type: ignore[attr-defined]
    for user in users[:5]:
        await bot.send_message(user.id, "hi")
    retry = await expect_retry(bot.send_message(users[5].id, "hi"))
    await asyncio.sleep(retry)
    await bot.send_message(users[5].id, "hi")


async def test_edits_count_too(limited: tuple[TelegramSandbox, Bot]) -> None:
    sb, bot = limited
    user = sb.create_user("Bob")
    sb.send_text(user, sb.limited_account, "/start")  # type: ignore[attr-defined]
    sent = await bot.send_message(user.id, "v1")
    await expect_retry(bot.edit_message_text("v2", chat_id=user.id, message_id=sent.message_id))
