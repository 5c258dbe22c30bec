"""Telegram's error texts, each produced by the situation that causes it."""

from __future__ import annotations

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from sandbox.telegram import TelegramSandbox
from tests.fixtures.telegram_sandbox import DeskWorld


async def test_blocked_by_user_and_my_chat_member(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb, customer = desk_world.sandbox, desk_world.customer
    sb.block_bot(customer, desk_world.bot)
    with pytest.raises(TelegramForbiddenError) as caught:
        await desk_bot.send_message(customer.id, "are you there?")
    assert caught.value.message == "Forbidden: bot was blocked by the user"
    sb.unblock_bot(customer, desk_world.bot)
    await desk_bot.send_message(customer.id, "welcome back")
    changes = [u.my_chat_member for u in await desk_bot.get_updates(timeout=0) if u.my_chat_member]
    assert [(c.old_chat_member.status, c.new_chat_member.status) for c in changes] == [
        ("member", "kicked"),
        ("kicked", "member"),
    ]
    assert changes[0].from_user.id == customer.id and changes[0].chat.id == customer.id


async def test_message_thread_not_found(desk_world: DeskWorld, desk_bot: Bot) -> None:
    group = desk_world.group.id
    topic = await desk_bot.create_forum_topic(group, "Short-lived")
    desk_world.sandbox.delete_topic(desk_world.owner, desk_world.group, topic.message_thread_id)
    for thread in (topic.message_thread_id, 9999):
        with pytest.raises(TelegramBadRequest) as caught:
            await desk_bot.send_message(group, "hello?", message_thread_id=thread)
        assert caught.value.message == "Bad Request: message thread not found"


async def test_topic_closed_for_bot_without_topic_rights(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    sb, group = desk_world.sandbox, desk_world.group
    topic = sb.create_topic(desk_world.operator, group, "Closed one")
    sb.close_topic(desk_world.operator, group, topic)
    assert sb.messages(group, topic=topic)[-1].type == "forum_topic_closed"
    # An admin holding can_manage_topics may still write in a closed topic.
    await desk_bot.send_message(group.id, "admin note", message_thread_id=topic.thread_id)
    sb.set_bot_rights(group, desk_world.bot, admin=True, can_manage_topics=False)
    with pytest.raises(TelegramBadRequest) as caught:
        await desk_bot.send_message(group.id, "late reply", message_thread_id=topic.thread_id)
    assert caught.value.message == "Bad Request: TOPIC_CLOSED"
    sb.reopen_topic(desk_world.operator, group, topic)
    await desk_bot.send_message(group.id, "late reply", message_thread_id=topic.thread_id)


async def test_not_enough_rights_to_create_a_topic(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb, group = desk_world.sandbox, desk_world.group
    for admin in (True, False):
        sb.set_bot_rights(group, desk_world.bot, admin=admin, can_manage_topics=False)
        with pytest.raises(TelegramBadRequest) as caught:
            await desk_bot.create_forum_topic(group.id, "Nope")
        assert caught.value.message == "Bad Request: not enough rights to create a topic"


async def test_message_is_not_modified(desk_world: DeskWorld, desk_bot: Bot) -> None:
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]]
    )
    sent = await desk_bot.send_message(
        desk_world.group.id, "<b>same</b>", parse_mode="HTML", reply_markup=markup
    )
    with pytest.raises(TelegramBadRequest) as caught:
        await desk_bot.edit_message_text(
            "<b>same</b>",
            chat_id=desk_world.group.id,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=markup,
        )
    assert caught.value.message == (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )
    with pytest.raises(TelegramBadRequest):
        await desk_bot.edit_message_reply_markup(
            chat_id=desk_world.group.id, message_id=sent.message_id, reply_markup=markup
        )
    # Dropping the keyboard is a change.
    await desk_bot.edit_message_text(
        "<b>same</b>", chat_id=desk_world.group.id, message_id=sent.message_id, parse_mode="HTML"
    )


async def test_chat_not_found(desk_world: DeskWorld, desk_bot: Bot) -> None:
    for chat_id in (-1009999999999, 123):
        with pytest.raises(TelegramBadRequest) as caught:
            await desk_bot.send_message(chat_id, "anyone?")
        assert caught.value.message == "Bad Request: chat not found"


async def test_unknown_token_is_unauthorized(
    telegram_sandbox: TelegramSandbox, sandbox_bot_factory
) -> None:
    bot = sandbox_bot_factory("123456789:AAHfakefakefakefakefakefakefakefake")
    with pytest.raises(TelegramUnauthorizedError) as caught:
        await bot.get_me()
    assert caught.value.message == "Unauthorized"


@pytest.mark.parametrize(
    ("action", "text"),
    [
        (
            lambda b, c: b.edit_message_text("x", chat_id=c, message_id=999),
            "Bad Request: message to edit not found",
        ),
        (lambda b, c: b.delete_message(c, 999), "Bad Request: message to delete not found"),
        (lambda b, c: b.copy_message(c, c, 999), "Bad Request: message to copy not found"),
        (
            lambda b, c: b.send_photo(c, "no-such-file-id"),
            "Bad Request: wrong file identifier/HTTP URL specified",
        ),
        (
            lambda b, c: b.get_file("AgACbogus"),
            "Bad Request: wrong file identifier/HTTP URL specified",
        ),
        (
            lambda b, c: b.answer_callback_query("4242"),
            "Bad Request: query is too old and response timeout expired or query ID is invalid",
        ),
        (lambda b, c: b.send_message(c, "   "), "Bad Request: message text is empty"),
        (
            lambda b, c: b.send_message(c, "<b>x", parse_mode="HTML"),
            "Bad Request: can't parse entities: "
            'Can\'t find end tag corresponding to start tag "b"',
        ),
    ],
)
async def test_obvious_errors(action, text: str, desk_world: DeskWorld, desk_bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest) as caught:
        await action(desk_bot, desk_world.group.id)
    assert caught.value.message == text


async def test_callback_query_answered_twice_or_too_late(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    sb = desk_world.sandbox
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go")]]
    )
    await desk_bot.send_message(desk_world.customer.id, "menu", reply_markup=markup)
    chat = sb.private_chat(desk_world.bot, desk_world.customer)
    press = sb.press_button(desk_world.customer, sb.messages(chat)[-1], text="Go")
    assert await desk_bot.answer_callback_query(press.id)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await desk_bot.answer_callback_query(press.id)
    late = sb.press_button(desk_world.customer, sb.messages(chat)[-1], data="go")
    late.created -= sb.world.options.callback_query_ttl + 1  # as if the press was long ago
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await desk_bot.answer_callback_query(late.id)


async def test_raw_http_forms_and_unknown_method(desk_world: DeskWorld) -> None:
    base = f"{desk_world.sandbox.base_url}/bot{desk_world.bot.token}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with http.post(
            f"{base}/sendMessage", json={"chat_id": desk_world.customer.id, "text": "json body"}
        ) as resp:
            body = await resp.json()
            assert body["ok"] and body["result"]["text"] == "json body"
        query = {"chat_id": str(desk_world.customer.id), "text": "query string"}
        async with http.get(f"{base}/sendmessage", params=query) as resp:
            assert (await resp.json())["result"]["text"] == "query string"
        async with http.post(f"{base}/getChat", data={"chat_id": "-1"}) as resp:
            assert resp.status == 400
            assert (await resp.json())["description"] == "Bad Request: chat not found"
