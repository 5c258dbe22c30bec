"""The desk's own service messages through a real dispatcher and the sandbox.

Only the bot's own service messages are taken (its pin notices deleted); a person's
service messages and words go on to the handlers after them.
"""

from __future__ import annotations

from aiogram import Bot, Dispatcher, Router
from aiogram.types import Message

from operators_group.service import add_service_handlers, is_service, remove_pin_notice
from tests.fixtures.telegram_sandbox import DeskWorld


def dispatcher(reached: list[Message]) -> Dispatcher:
    """The service handlers, then a catch-all that records what got past them."""
    router = Router()
    add_service_handlers(router)

    @router.message()
    async def rest(message: Message) -> None:
        reached.append(message)

    dp = Dispatcher()
    dp.include_router(router)
    return dp


async def handle_pending(bot: Bot, dp: Dispatcher) -> int:
    """Feed every waiting update to ``dp``; return how many there were."""
    updates = await bot.get_updates(timeout=0)
    for update in updates:
        await dp.feed_update(bot, update)
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return len(updates)


async def test_own_pin_notice_goes_and_the_rest_is_taken_quietly(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    sb, group = desk_world.sandbox, desk_world.group
    reached: list[Message] = []
    topic = await desk_bot.create_forum_topic(group.id, "Alice")
    card = await desk_bot.send_message(group.id, "#1", message_thread_id=topic.message_thread_id)
    await desk_bot.pin_chat_message(group.id, card.message_id, disable_notification=True)
    await desk_bot.edit_forum_topic(group.id, topic.message_thread_id, name="Alice #1")
    assert await handle_pending(desk_bot, dispatcher(reached)) == 3
    assert reached == []
    kinds = [m.type for m in sb.messages(group, topic=topic.message_thread_id)]
    assert kinds == ["forum_topic_created", "text", "forum_topic_edited"]
    assert sb.messages(group, topic=topic.message_thread_id)[1].pinned


async def test_a_persons_service_messages_and_words_pass_on(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    sb, group, operator = desk_world.sandbox, desk_world.group, desk_world.operator
    reached: list[Message] = []
    topic = sb.create_topic(operator, group, "Shift notes")
    said = sb.send_text(operator, group, "handover at 18:00", topic=topic)
    sb.pin_message(operator, group, said)
    assert await handle_pending(desk_bot, dispatcher(reached)) == 3
    assert [is_service(m) for m in reached] == [True, False, True]
    assert reached[1].text == "handover at 18:00"
    assert [m.type for m in sb.messages(group, topic=topic)][-1] == "pinned_message"


async def test_a_refused_delete_leaves_the_notice(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb, group, operator = desk_world.sandbox, desk_world.group, desk_world.operator
    sb.set_bot_rights(group, desk_world.bot, admin=True, can_delete_messages=False)
    said = sb.send_text(operator, group, "pinned by a person")
    sb.pin_message(operator, group, said)
    updates = await desk_bot.get_updates(timeout=0)
    notice = next(u.message for u in updates if u.message and u.message.pinned_message)
    assert await remove_pin_notice(desk_bot, notice) is False
    assert sb.messages(group)[-1].type == "pinned_message"
