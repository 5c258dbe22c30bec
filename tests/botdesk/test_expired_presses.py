"""A button press answered after Telegram stopped waiting: the answer is dropped, not retried."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from botdesk.retry import ExpiredPressAnswers
from tests.fixtures.telegram_sandbox import DeskWorld


async def old_press(world: DeskWorld, bot: Bot) -> str:
    """A press of a button the bot posted, made to look 60 s old; its query id."""
    button = InlineKeyboardButton(text="Go", callback_data="go")
    await bot.send_message(
        world.group.id, "press me", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]])
    )
    [shown] = [m for m in world.sandbox.messages(world.group, general=True) if m.sender_is_bot]
    record = world.sandbox.press_button(world.operator, shown, text="Go")
    record.created -= 60  # Telegram waits about 15 s for the answer
    return record.id


async def test_a_late_answer_is_dropped_and_the_handler_goes_on(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    query_id = await old_press(desk_world, desk_bot)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await desk_bot.answer_callback_query(query_id, text="done")
    desk_bot.session.middleware(ExpiredPressAnswers())
    assert await desk_bot.answer_callback_query(query_id, text="done") is True


async def test_other_bad_requests_still_raise(desk_world: DeskWorld, desk_bot: Bot) -> None:
    desk_bot.session.middleware(ExpiredPressAnswers())
    with pytest.raises(TelegramBadRequest):
        await desk_bot.send_message(desk_world.group.id, "")
