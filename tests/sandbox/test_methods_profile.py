"""The bot's name and descriptions, the menu button, profile photos and polls, via aiogram."""

from __future__ import annotations

import os
import struct

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InputPollOption, MenuButtonCommands, MenuButtonWebApp, WebAppInfo

from tests.fixtures.telegram_sandbox import DeskWorld


async def test_name_and_descriptions_per_language(desk_world: DeskWorld, desk_bot: Bot) -> None:
    assert (await desk_bot.get_my_name()).name == "Desk"
    assert await desk_bot.set_my_name("Acme Support")
    assert await desk_bot.set_my_name("Поддержка Acme", language_code="ru")
    assert (await desk_bot.get_me()).first_name == "Acme Support"
    assert (await desk_bot.get_my_name(language_code="ru")).name == "Поддержка Acme"
    assert (await desk_bot.get_my_name(language_code="de")).name == "Acme Support"

    assert (await desk_bot.get_my_description()).description == ""
    await desk_bot.set_my_description("We answer within an hour.")
    await desk_bot.set_my_short_description("Acme help desk", language_code="en")
    assert (await desk_bot.get_my_description(language_code="en")).description.startswith("We")
    short = await desk_bot.get_my_short_description(language_code="en")
    assert short.short_description == "Acme help desk"
    await desk_bot.set_my_short_description("", language_code="en")  # removes it
    assert (await desk_bot.get_my_short_description(language_code="en")).short_description == ""

    with pytest.raises(TelegramBadRequest, match="short_description is too long"):
        await desk_bot.set_my_short_description("x" * 121)
    with pytest.raises(TelegramBadRequest, match="LANG_CODE_INVALID"):
        await desk_bot.set_my_name("X", language_code="english")


async def test_menu_button_default_and_per_chat(desk_world: DeskWorld, desk_bot: Bot) -> None:
    customer = desk_world.customer.id
    assert isinstance(await desk_bot.get_chat_menu_button(), MenuButtonCommands)
    app = MenuButtonWebApp(text="Orders", web_app=WebAppInfo(url="https://acme.example/app"))
    assert await desk_bot.set_chat_menu_button(chat_id=customer, menu_button=app)
    mine = await desk_bot.get_chat_menu_button(chat_id=customer)
    assert isinstance(mine, MenuButtonWebApp) and mine.web_app.url == "https://acme.example/app"
    assert isinstance(await desk_bot.get_chat_menu_button(), MenuButtonCommands)
    await desk_bot.set_chat_menu_button(chat_id=customer)  # back to the default
    assert isinstance(await desk_bot.get_chat_menu_button(chat_id=customer), MenuButtonCommands)
    plain = MenuButtonWebApp(text="Orders", web_app=WebAppInfo(url="http://acme.example"))
    with pytest.raises(TelegramBadRequest, match="BUTTON_URL_INVALID"):
        await desk_bot.set_chat_menu_button(chat_id=customer, menu_button=plain)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await desk_bot.set_chat_menu_button(chat_id=desk_world.group.id)


def jpeg_header() -> bytes:
    """A JPEG start-of-frame of 320×200 and random bytes."""
    sof = b"\xff\xc0" + struct.pack(">HBHH", 17, 8, 200, 320) + b"\x03" + b"\x00" * 9
    return b"\xff\xd8" + sof + os.urandom(20)


async def test_profile_photos_newest_first(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb, customer = desk_world.sandbox, desk_world.customer
    empty = await desk_bot.get_user_profile_photos(customer.id)
    assert empty.total_count == 0 and empty.photos == []
    old = sb.set_profile_photo(customer, jpeg_header())
    new = sb.set_profile_photo(customer, jpeg_header())
    found = await desk_bot.get_user_profile_photos(customer.id, limit=1)
    assert found.total_count == 2 and [p[-1].file_id for p in found.photos] == [new]
    rest = await desk_bot.get_user_profile_photos(customer.id, offset=1)
    assert [p[-1].file_id for p in rest.photos] == [old]
    file = await desk_bot.get_file(new)
    assert file.file_path is not None
    with pytest.raises(TelegramBadRequest, match="user not found"):
        await desk_bot.get_user_profile_photos(42)


async def test_send_poll_and_quiz(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb, group = desk_world.sandbox, desk_world.group
    topic = await desk_bot.create_forum_topic(group.id, "Survey")
    sent = await desk_bot.send_poll(
        group.id,
        "How did we do?",
        [InputPollOption(text="Great"), InputPollOption(text="Meh")],
        message_thread_id=topic.message_thread_id,
        is_anonymous=False,
    )
    poll = sent.poll
    assert poll is not None and [o.text for o in poll.options] == ["Great", "Meh"]
    assert not poll.is_anonymous and poll.type == "regular" and poll.total_voter_count == 0
    assert sent.message_thread_id == topic.message_thread_id
    shown = sb.messages(group, topic=topic.message_thread_id)[-1]
    assert shown.extra["poll"]["question"] == "How did we do?"

    quiz = await desk_bot.send_poll(
        desk_world.customer.id, "2+2?", ["3", "4"], type="quiz", correct_option_id=1
    )
    assert quiz.poll is not None and quiz.poll.type == "quiz" and quiz.poll.is_anonymous

    with pytest.raises(TelegramBadRequest, match="poll question must be non-empty"):
        await desk_bot.send_poll(group.id, " ", ["a", "b"])
    with pytest.raises(TelegramBadRequest, match="poll can't have more than 12 options"):
        await desk_bot.send_poll(group.id, "Pick", [str(i) for i in range(13)])
    with pytest.raises(TelegramBadRequest, match="poll options length must not exceed 100"):
        await desk_bot.send_poll(group.id, "Pick", ["a", "b" * 101])
