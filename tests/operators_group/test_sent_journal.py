"""Messages sent twice are cleaned up: the real ``Bot`` against the sandbox, a real database.

A "crash" here is what SIGKILL leaves behind: the journal as stored, a new middleware
reading it, and an outbox attempt that never got its done mark. The end-to-end crash
tests (``tests/e2e/test_vk_crash.py``) do the same with a killed ``botdesk run``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.exceptions import TelegramNetworkError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from core.enums import Channel
from core.models import Conversation, Customer
from core.outbox.attempt import Attempt
from operators_group.sent_journal import GroupSendJournal
from sandbox.telegram import BotAccount
from tests.fixtures.telegram_sandbox import DeskWorld

pytestmark = pytest.mark.usefixtures("db")

KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Take", callback_data="take:1")]]
)


class LoseAnswers(BaseRequestMiddleware):
    """Below the journal: while ``on``, Telegram takes a call but its answer is lost."""

    def __init__(self) -> None:
        self.on = False

    async def __call__(self, make_request: Any, bot: Bot, method: Any) -> Any:
        result = await make_request(bot, method)
        if self.on:
            raise TelegramNetworkError(method, "connection reset after sending")
        return result


Factory = Callable[[BotAccount | str], Bot]


async def started(factory: Factory, world: DeskWorld) -> tuple[Bot, GroupSendJournal, LoseAnswers]:
    """A bot with the journal (as ``botdesk run`` has it) after the journal was read."""
    bot = factory(world.bot)
    journal = GroupSendJournal(world.group.id)
    lose = LoseAnswers()
    bot.session.middleware(journal)
    bot.session.middleware(lose)
    await journal.load()
    return bot, journal, lose


Started = tuple[Bot, GroupSendJournal, LoseAnswers]


@pytest.fixture
async def first_start(
    desk_world: DeskWorld, sandbox_bot_factory: Callable[[BotAccount | str], Bot]
) -> Started:
    """A first start: the journal is anchored by a message sent outside the outbox."""
    bot, journal, lose = await started(sandbox_bot_factory, desk_world)
    await bot.send_message(desk_world.group.id, "welcome")
    return bot, journal, lose


def texts(world: DeskWorld) -> list[str]:
    """What the operator group shows, oldest first (service messages left out)."""
    return [view.body for view in world.sandbox.messages(world.group) if view.body]


async def done(attempt: Attempt) -> None:
    """What the worker does after a successful run: the done hooks, then the end."""
    await attempt.done(connection=None)  # type: ignore[arg-type]
    attempt.recorded_done = True


async def test_after_a_crash_the_first_copy_goes_once_the_resend_lands(
    desk_world: DeskWorld, sandbox_bot_factory: Factory, first_start: Started
) -> None:
    sb, world, (bot, _, _) = desk_world.sandbox, desk_world, first_start
    group = world.group.id
    with Attempt() as attempt:
        await bot.send_message(group, "delivered")
        await done(attempt)
    sb.send_text(world.operator, world.group, "operator before")
    # The attempt that dies: a mirror and an unpinned card landed, nothing was marked.
    attempt = Attempt()
    attempt.__enter__()
    await bot.send_message(group, "mirror m1")
    await bot.send_message(group, "card #2", reply_markup=KEYBOARD)
    sb.send_text(world.operator, world.group, "operator while down")

    bot, journal, _ = await started(sandbox_bot_factory, world)  # the restart
    assert journal.state.leftover
    with Attempt() as attempt:
        await bot.send_message(group, "card #2", reply_markup=KEYBOARD)
        await bot.send_message(group, "mirror m1")
        await done(attempt)
    assert texts(world) == [
        "welcome",
        "delivered",
        "operator before",
        "operator while down",
        "card #2",
        "mirror m1",
    ]
    assert not journal.state.ranges and journal.state.open is None


async def test_a_lost_answer_is_cleaned_up_by_the_next_send_in_the_same_process(
    desk_world: DeskWorld, first_start: Started
) -> None:
    world, (bot, journal, lose) = desk_world, first_start
    group = world.group.id
    lose.on = True
    with Attempt(), pytest.raises(TelegramNetworkError):
        await bot.send_message(group, "mirror m1")
    lose.on = False
    assert texts(world) == ["welcome", "mirror m1"]  # Telegram has it; the desk can't know
    await bot.send_message(group, "/help answer")  # any next message of ours will do
    assert texts(world) == ["welcome", "/help answer"]
    with Attempt() as attempt:  # the outbox's retry
        await bot.send_message(group, "mirror m1")
        await done(attempt)
    assert texts(world) == ["welcome", "/help answer", "mirror m1"]
    assert not journal.state.ranges


async def test_a_topic_created_twice_is_deleted_and_a_recorded_one_is_kept(
    desk_world: DeskWorld, sandbox_bot_factory: Factory, first_start: Started
) -> None:
    sb, world, (bot, _, _) = desk_world.sandbox, desk_world, first_start
    group = world.group.id
    # One attempt records its topic (as ensure_topic does) and dies after the card;
    # the next dies right after Telegram created its topic.
    Attempt().__enter__()
    kept = await bot.create_forum_topic(group, "#1 Bob")
    customer = await Customer.create(channel=Channel.TELEGRAM, external_id=1)
    await Conversation.create(
        customer=customer,
        channel=Channel.TELEGRAM,
        chat_id=1,
        message_thread_id=kept.message_thread_id,
    )
    await bot.send_message(group, "card #1", message_thread_id=kept.message_thread_id)
    bot, _journal, _ = await started(sandbox_bot_factory, world)
    Attempt().__enter__()
    await bot.create_forum_topic(group, "#2 Ann")

    bot, journal, _ = await started(sandbox_bot_factory, world)
    with Attempt() as attempt:
        await bot.send_message(group, "card #1", message_thread_id=kept.message_thread_id)
        again = await bot.create_forum_topic(group, "#2 Ann")
        await done(attempt)
    topics = {topic.thread_id: topic.name for topic in world.group.topics.values()}
    assert topics == {kept.message_thread_id: "#1 Bob", again.message_thread_id: "#2 Ann"}
    in_bob = [v.body for v in sb.messages(world.group, topic=kept.message_thread_id) if v.body]
    assert in_bob == ["card #1"]
    assert not journal.state.ranges


async def test_without_the_delete_right_the_second_topic_stays_and_the_search_ends(
    desk_world: DeskWorld, sandbox_bot_factory: Factory, first_start: Started
) -> None:
    sb, world, (bot, _, _) = desk_world.sandbox, desk_world, first_start
    sb.set_bot_rights(world.group, world.bot, can_manage_topics=True, can_delete_messages=False)
    Attempt().__enter__()
    await bot.create_forum_topic(world.group.id, "#3 Eve")
    bot, journal, _ = await started(sandbox_bot_factory, world)
    with Attempt() as attempt:
        await bot.create_forum_topic(world.group.id, "#3 Eve")
        await done(attempt)
    assert sorted(t.name for t in world.group.topics.values()) == ["#3 Eve", "#3 Eve"]
    assert not journal.state.ranges, "nothing left to search: it is not tried again and again"
