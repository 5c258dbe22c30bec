"""An aiogram Dispatcher polling the sandbox, as the product will."""

from __future__ import annotations

import asyncio
import contextlib

from aiogram import Bot, Dispatcher, F
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from tests.fixtures.telegram_sandbox import DeskWorld


async def test_dispatcher_polling_round_trip(desk_world: DeskWorld, desk_bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Help", callback_data="help")]]
        )
        await message.answer(f"Hello, {message.from_user.first_name}!", reply_markup=markup)  # type: ignore[union-attr]

    @dp.callback_query(F.data == "help")
    async def help_pressed(query: CallbackQuery) -> None:
        await query.answer("Write your question", show_alert=True)

    polling = asyncio.create_task(
        dp.start_polling(desk_bot, polling_timeout=1, handle_signals=False, close_bot_session=False)
    )
    try:
        sb = desk_world.sandbox
        chat = sb.private_chat(desk_world.bot, desk_world.customer)
        sb.send_text(desk_world.customer, desk_world.bot, "/start")
        views = await sb.wait_messages(chat, 2, timeout=5)
        assert views[1].text == "Hello, Alice!" and views[1].sender_is_bot
        press = sb.press_button(desk_world.customer, views[1], text="Help")
        answered = await sb.wait_answer(press, timeout=5)
        assert answered.answer_text == "Write your question" and answered.show_alert
    finally:
        await dp.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await polling
