"""Every Bot API method through the real aiogram client, results parsed by aiogram."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberLeft,
    ChatMemberOwner,
    ForumTopic,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageId,
    ReactionTypeEmoji,
    ReplyParameters,
)

from tests.fixtures.telegram_sandbox import DeskWorld


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d) for t, d in pairs]]
    )


async def test_get_me_describes_the_bot(desk_world: DeskWorld, desk_bot: Bot) -> None:
    me = await desk_bot.get_me()
    assert me.id == desk_world.bot.id
    assert me.is_bot and me.username == "desk_bot"
    assert me.can_read_all_group_messages is False


async def test_send_message_html_becomes_entities_and_keyboard_is_kept(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    sent = await desk_bot.send_message(
        desk_world.customer.id,
        "<b>Ticket</b> #12 <i>open</i> <code>x=1</code> <a href='https://e.org'>card</a>",
        parse_mode="HTML",
        reply_markup=keyboard(("Take", "take:12")),
        disable_notification=True,
        protect_content=True,
    )
    assert sent.text == "Ticket #12 open x=1 card"
    kinds = {(e.type, sent.text[e.offset : e.offset + e.length]) for e in sent.entities or []}
    assert {("bold", "Ticket"), ("italic", "open"), ("code", "x=1"), ("text_link", "card")} <= kinds
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "take:12"
    assert sent.has_protected_content
    view = desk_world.sandbox.messages(
        desk_world.sandbox.private_chat(desk_world.bot, desk_world.customer)
    )[-1]
    assert view.buttons[0][0].text == "Take" and view.text == sent.text


async def test_send_message_markdown_v2(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sent = await desk_bot.send_message(
        desk_world.customer.id,
        r"*bold* _it_ `c` [link](https://x.org) 1\.5",
        parse_mode="MarkdownV2",
    )
    assert sent.text == "bold it c link 1.5"
    assert [e.type for e in sent.entities or []] == ["bold", "italic", "code", "text_link"]


async def test_reply_parameters_and_reply_to_message_id(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    sb = desk_world.sandbox
    asked = sb.send_text(desk_world.customer, desk_world.bot, "Where is my order?")
    first = await desk_bot.send_message(
        desk_world.customer.id,
        "Checking",
        reply_parameters=ReplyParameters(message_id=asked.message_id),
    )
    second = await desk_bot.send_message(
        desk_world.customer.id, "Found it", reply_to_message_id=asked.message_id
    )
    for reply in (first, second):
        assert reply.reply_to_message is not None
        assert reply.reply_to_message.text == "Where is my order?"


async def test_forum_topics_life_cycle(desk_world: DeskWorld, desk_bot: Bot) -> None:
    group = desk_world.group.id
    topic = await desk_bot.create_forum_topic(group, "Alice · #1", icon_color=16766590)
    assert isinstance(topic, ForumTopic)
    thread = topic.message_thread_id
    posted = await desk_bot.send_message(group, "card", message_thread_id=thread)
    assert posted.message_thread_id == thread and posted.is_topic_message
    # A topic message without an explicit reply points at the topic's creation message.
    assert posted.reply_to_message and posted.reply_to_message.forum_topic_created
    assert await desk_bot.edit_forum_topic(group, thread, name="Alice · #1 ✅")
    assert await desk_bot.close_forum_topic(group, thread)
    assert await desk_bot.reopen_forum_topic(group, thread)
    kinds = [v.type for v in desk_world.sandbox.messages(desk_world.group, topic=thread)]
    assert kinds == [
        "forum_topic_created",
        "text",
        "forum_topic_edited",
        "forum_topic_closed",
        "forum_topic_reopened",
    ]
    assert await desk_bot.delete_forum_topic(group, thread)
    assert desk_world.sandbox.messages(desk_world.group) == []


async def test_general_topic_messages_have_no_thread(desk_world: DeskWorld, desk_bot: Bot) -> None:
    posted = await desk_bot.send_message(desk_world.group.id, "digest")
    assert posted.message_thread_id is None and not posted.is_topic_message


async def test_edit_methods(desk_world: DeskWorld, desk_bot: Bot) -> None:
    chat = desk_world.group.id
    card = await desk_bot.send_message(chat, "Ticket #1: new", reply_markup=keyboard(("Take", "t")))
    edited = await desk_bot.edit_message_text(
        "Ticket #1: <b>open</b>",
        chat_id=chat,
        message_id=card.message_id,
        parse_mode="HTML",
        reply_markup=keyboard(("Close", "c")),
    )
    assert isinstance(edited, Message)
    assert edited.text == "Ticket #1: open" and edited.edit_date is not None
    assert edited.reply_markup and edited.reply_markup.inline_keyboard[0][0].text == "Close"
    markup = await desk_bot.edit_message_reply_markup(
        chat_id=chat, message_id=card.message_id, reply_markup=keyboard(("Reopen", "r"))
    )
    assert isinstance(markup, Message)
    assert markup.reply_markup and markup.reply_markup.inline_keyboard[0][0].callback_data == "r"
    view = desk_world.sandbox.messages(desk_world.group)[-1]
    assert view.edited and view.buttons[0][0].text == "Reopen"


async def test_delete_pin_unpin_and_reactions(desk_world: DeskWorld, desk_bot: Bot) -> None:
    chat, sb = desk_world.group.id, desk_world.sandbox
    note = await desk_bot.send_message(chat, "pin me")
    assert await desk_bot.pin_chat_message(chat, note.message_id, disable_notification=True)
    info = await desk_bot.get_chat(chat)
    assert info.pinned_message is not None and info.pinned_message.message_id == note.message_id
    assert sb.messages(desk_world.group)[-1].type == "pinned_message"
    assert await desk_bot.set_message_reaction(
        chat, note.message_id, [ReactionTypeEmoji(emoji="👍")]
    )
    assert sb.messages(desk_world.group)[0].reactions == {"👍": 1}
    assert await desk_bot.unpin_chat_message(chat, message_id=note.message_id)
    assert (await desk_bot.get_chat(chat)).pinned_message is None
    assert await desk_bot.delete_message(chat, note.message_id)
    assert note.message_id not in [v.message_id for v in sb.messages(desk_world.group)]


async def test_copy_and_forward(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb, customer = desk_world.sandbox, desk_world.customer
    first = sb.send_text(customer, desk_world.bot, "hello")
    second = sb.send_text(customer, desk_world.bot, "again")
    copied = await desk_bot.copy_message(desk_world.group.id, customer.id, first.message_id)
    assert isinstance(copied, MessageId)
    many = await desk_bot.copy_messages(
        desk_world.group.id, customer.id, [first.message_id, second.message_id]
    )
    assert [isinstance(m, MessageId) for m in many] == [True, True]
    forwarded = await desk_bot.forward_message(desk_world.group.id, customer.id, first.message_id)
    assert forwarded.forward_origin is not None and forwarded.text == "hello"
    assert forwarded.forward_origin.sender_user.id == customer.id  # type: ignore[union-attr]
    batch = await desk_bot.forward_messages(
        desk_world.group.id, customer.id, [first.message_id, second.message_id]
    )
    assert len(batch) == 2
    texts = [v.text for v in sb.messages(desk_world.group)]
    assert texts == ["hello", "hello", "again", "hello", "hello", "again"]
    assert [v.forwarded for v in sb.messages(desk_world.group)][-3:] == [True, True, True]


async def test_location_venue_contact(desk_world: DeskWorld, desk_bot: Bot) -> None:
    uid = desk_world.customer.id
    loc = await desk_bot.send_location(uid, 55.75, 37.61)
    assert loc.location and loc.location.latitude == 55.75
    venue = await desk_bot.send_venue(uid, 55.75, 37.61, "Office", "Main st. 1")
    assert venue.venue and venue.venue.title == "Office"
    contact = await desk_bot.send_contact(uid, "+100200300", "Support", last_name="Desk")
    assert contact.contact and contact.contact.phone_number == "+100200300"


async def test_callback_answer_is_recorded(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb = desk_world.sandbox
    card = await desk_bot.send_message(
        desk_world.group.id, "card", reply_markup=keyboard(("Take", "t:1"))
    )
    press = sb.press_button(desk_world.operator, sb.messages(desk_world.group)[-1], data="t:1")
    updates = await desk_bot.get_updates(timeout=0)
    query = updates[-1].callback_query
    assert (
        query is not None and query.data == "t:1" and query.from_user.id == desk_world.operator.id
    )
    assert query.message is not None and query.message.message_id == card.message_id
    assert await desk_bot.answer_callback_query(query.id, text="Taken", show_alert=True)
    assert press.answered and press.answer_text == "Taken" and press.show_alert


async def test_chat_info_members_and_admins(desk_world: DeskWorld, desk_bot: Bot) -> None:
    info = await desk_bot.get_chat(desk_world.group.id)
    assert isinstance(info, ChatFullInfo) and info.is_forum and info.title == "Support"
    private = await desk_bot.get_chat(desk_world.customer.id)
    assert private.type == "private" and private.first_name == "Alice"
    me = await desk_bot.get_chat_member(desk_world.group.id, desk_world.bot.id)
    assert isinstance(me, ChatMemberAdministrator) and me.can_manage_topics
    stranger = desk_world.sandbox.create_user("Eve")
    assert isinstance(
        await desk_bot.get_chat_member(desk_world.group.id, stranger.id), ChatMemberLeft
    )
    admins = await desk_bot.get_chat_administrators(desk_world.group.id)
    assert isinstance(admins[0], ChatMemberOwner) and admins[0].user.id == desk_world.owner.id
    assert {a.user.id for a in admins} == {
        desk_world.owner.id,
        desk_world.operator.id,
        desk_world.bot.id,
    }


async def test_commands_per_scope(desk_world: DeskWorld, desk_bot: Bot) -> None:
    commands = [
        BotCommand(command="start", description="Start"),
        BotCommand(command="help", description="Help"),
    ]
    assert await desk_bot.set_my_commands(commands)
    scope = BotCommandScopeChat(chat_id=desk_world.group.id)
    assert await desk_bot.set_my_commands(
        [BotCommand(command="queue", description="Queue")], scope=scope, language_code="ru"
    )
    assert [c.command for c in await desk_bot.get_my_commands()] == ["start", "help"]
    scoped = await desk_bot.get_my_commands(scope=scope, language_code="ru")
    assert [c.command for c in scoped] == ["queue"]
    assert await desk_bot.get_my_commands(scope=scope) == []


async def test_edit_message_caption(desk_world: DeskWorld, desk_bot: Bot) -> None:
    from aiogram.types import BufferedInputFile

    photo = await desk_bot.send_photo(
        desk_world.customer.id, BufferedInputFile(b"img", "a.jpg"), caption="old"
    )
    edited = await desk_bot.edit_message_caption(
        chat_id=desk_world.customer.id,
        message_id=photo.message_id,
        caption="<i>new</i>",
        parse_mode="HTML",
    )
    assert isinstance(edited, Message)
    assert edited.caption == "new" and edited.caption_entities
    assert edited.caption_entities[0].type == "italic"
    assert edited.photo and photo.photo and edited.photo[-1].file_id == photo.photo[-1].file_id
