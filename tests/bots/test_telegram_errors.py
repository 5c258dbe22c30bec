"""telegram_errors: Telegram failures, produced for real in the sandbox, become domain errors."""

from __future__ import annotations

import socket
from collections.abc import Callable

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramServerError,
)
from aiogram.methods import SendMessage

from bots.telegram.errors import telegram_errors, translate
from core.errors import (
    AdminFixable,
    ChatNotFound,
    DeliveryError,
    MessageGone,
    MissingRights,
    NotAForum,
    NotModified,
    PermanentError,
    RecipientUnavailable,
    RetryLater,
    TopicClosed,
    TopicGone,
    TransientError,
)
from sandbox.telegram import BotAccount, Limits
from tests.fixtures.telegram_sandbox import DeskWorld, LoopbackSession

METHOD = SendMessage(chat_id=1, text="x")


async def test_blocked_customer(desk_world: DeskWorld, desk_bot: Bot) -> None:
    desk_world.sandbox.block_bot(desk_world.customer, desk_world.bot)
    with pytest.raises(RecipientUnavailable, match="blocked") as caught:
        async with telegram_errors():
            await desk_bot.send_message(desk_world.customer.id, "hello?")
    assert isinstance(caught.value.__cause__, TelegramForbiddenError)


async def test_deleted_topic(desk_world: DeskWorld, desk_bot: Bot) -> None:
    topic = await desk_bot.create_forum_topic(desk_world.group.id, "Gone soon")
    desk_world.sandbox.delete_topic(desk_world.owner, desk_world.group, topic.message_thread_id)
    with pytest.raises(TopicGone):
        async with telegram_errors():
            await desk_bot.send_message(
                desk_world.group.id, "anyone?", message_thread_id=topic.message_thread_id
            )


async def test_a_group_with_topics_off(desk_world: DeskWorld, desk_bot: Bot) -> None:
    desk_world.sandbox.set_forum(desk_world.group, False)
    with pytest.raises(NotAForum, match="not a forum") as caught:
        async with telegram_errors():
            await desk_bot.create_forum_topic(desk_world.group.id, "Nowhere")
    assert isinstance(caught.value, AdminFixable)  # the outbox holds, never fails, on it


async def test_closed_topic_without_rights(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb, group = desk_world.sandbox, desk_world.group
    topic = sb.create_topic(desk_world.operator, group, "Closed")
    sb.close_topic(desk_world.operator, group, topic)
    sb.set_bot_rights(group, desk_world.bot, admin=True, can_manage_topics=False)
    with pytest.raises(TopicClosed):
        async with telegram_errors():
            await desk_bot.send_message(group.id, "late", message_thread_id=topic.thread_id)


async def test_missing_topic_rights_and_removed_bot(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb, group = desk_world.sandbox, desk_world.group
    sb.set_bot_rights(group, desk_world.bot, admin=True, can_manage_topics=False)
    with pytest.raises(MissingRights, match="not enough rights"):
        async with telegram_errors():
            await desk_bot.create_forum_topic(group.id, "Nope")
    sb.remove_bot(group, desk_world.bot)
    with pytest.raises(MissingRights, match="not a member"):
        async with telegram_errors():
            await desk_bot.send_message(group.id, "still here?")


async def test_unknown_chat(desk_bot: Bot) -> None:
    with pytest.raises(ChatNotFound):
        async with telegram_errors():
            await desk_bot.send_message(-1_009_999_999_999, "hello")


async def test_edits_and_vanished_messages(desk_world: DeskWorld, desk_bot: Bot) -> None:
    chat = desk_world.customer.id
    sent = await desk_bot.send_message(chat, "same")
    with pytest.raises(NotModified):
        async with telegram_errors():
            await desk_bot.edit_message_text("same", chat_id=chat, message_id=sent.message_id)
    calls = [
        desk_bot.edit_message_text("x", chat_id=chat, message_id=999),
        desk_bot.copy_message(chat, chat, 999),
        desk_bot.delete_message(chat, 999),
        desk_bot.forward_message(chat, chat, 999),
    ]
    for call in calls:
        with pytest.raises(MessageGone):
            async with telegram_errors():
                await call


async def test_other_bad_request_is_permanent(desk_world: DeskWorld, desk_bot: Bot) -> None:
    with pytest.raises(PermanentError) as caught:
        async with telegram_errors():
            await desk_bot.send_message(desk_world.customer.id, "   ")
    assert type(caught.value) is PermanentError
    assert caught.value.reason == "Bad Request: message text is empty"


async def test_flood_limit_asks_to_retry_later(desk_world: DeskWorld, desk_bot: Bot) -> None:
    desk_world.sandbox.limits = Limits().scaled(0.5)
    chat = desk_world.customer.id
    await desk_bot.send_message(chat, "one")
    with pytest.raises(RetryLater) as caught:
        async with telegram_errors():
            await desk_bot.send_message(chat, "two")
    assert caught.value.seconds == 1.0 and isinstance(caught.value.seconds, float)


async def test_revoked_token_is_permanent(
    sandbox_bot_factory: Callable[[BotAccount | str], Bot],
) -> None:
    bot = sandbox_bot_factory("123:AAwrong")

    @telegram_errors()
    async def who_am_i() -> None:
        await bot.get_me()

    with pytest.raises(PermanentError, match="Unauthorized") as caught:
        await who_am_i()
    assert type(caught.value) is PermanentError


async def test_unreachable_server_is_transient() -> None:
    # A port nobody listens on any more: connection refused, as when Telegram is unreachable.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    api = TelegramAPIServer.from_base(f"http://127.0.0.1:{port}")
    bot = Bot("1:AAnobody", session=LoopbackSession(api=api))
    try:
        with pytest.raises(TransientError):
            async with telegram_errors():
                await bot.get_me()
    finally:
        await bot.session.close()


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (TelegramForbiddenError(METHOD, "Forbidden: user is deactivated"), RecipientUnavailable),
        (
            TelegramForbiddenError(METHOD, "Forbidden: bot was kicked from the supergroup chat"),
            MissingRights,
        ),
        (
            TelegramForbiddenError(
                METHOD, "Forbidden: bot can't initiate conversation with a user"
            ),
            RecipientUnavailable,
        ),
        (TelegramBadRequest(METHOD, "Bad Request: MESSAGE_ID_INVALID"), MessageGone),
        (
            TelegramBadRequest(METHOD, "Bad Request: not enough rights to send text messages"),
            MissingRights,
        ),
        (TelegramServerError(METHOD, "Internal Server Error"), TransientError),
        (TimeoutError(), TransientError),
        (aiohttp.ServerDisconnectedError(), TransientError),
    ],
)
def test_translate_texts_the_sandbox_does_not_produce(
    error: BaseException, expected: type[DeliveryError]
) -> None:
    translated = translate(error)
    assert type(translated) is expected


def test_translate_leaves_foreign_errors_alone() -> None:
    assert translate(ValueError("not ours")) is None
    already = TopicGone("gone")
    assert translate(already) is already


async def test_foreign_errors_pass_through_unchanged() -> None:
    with pytest.raises(KeyError):
        async with telegram_errors():
            raise KeyError("bug")
    with pytest.raises(TopicGone):
        async with telegram_errors():
            raise TopicGone("already translated")
