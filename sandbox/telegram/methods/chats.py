"""getChat, getChatMember, getChatAdministrators, answerCallbackQuery."""

from __future__ import annotations

from typing import Any

from .. import errors as E
from ..errors import bad_request
from ..models import Member
from ..serialize import chat_full_info, member_json
from .base import Call, method


@method("getChat")
async def get_chat(call: Call) -> dict[str, Any]:
    """getChat: a ``ChatFullInfo`` with the most recent pinned message."""
    chat = call.world.chat_for_bot(call.bot, call.p.chat_id())
    pinned = [m for m in chat.messages.values() if m.pinned]
    return chat_full_info(chat, pinned[-1] if pinned else None)


@method("getChatMember")
async def get_chat_member(call: Call) -> dict[str, Any]:
    """getChatMember: ``left`` for users who are not in the chat."""
    chat = call.world.chat_for_bot(call.bot, call.p.chat_id())
    user_id = call.p.req_int("user_id")
    user = call.world.users.get(user_id)
    if user is None:
        raise bad_request("user not found")
    member = chat.members.get(user_id) or Member(user, "left")
    if chat.is_private and (call.bot.id, user_id) in call.world.blocked and user_id != chat.id:
        member = Member(user, "left")
    return member_json(member)


@method("getChatAdministrators")
async def get_chat_administrators(call: Call) -> list[dict[str, Any]]:
    """getChatAdministrators: the creator first, then administrators."""
    chat = call.world.chat_for_bot(call.bot, call.p.chat_id())
    if chat.is_private:
        raise bad_request("there are no administrators in the private chat")
    admins = sorted(
        (m for m in chat.members.values() if m.is_admin), key=lambda m: m.status != "creator"
    )
    return [member_json(m) for m in admins]


@method("getChatMemberCount")
async def get_chat_member_count(call: Call) -> int:
    """getChatMemberCount."""
    chat = call.world.chat_for_bot(call.bot, call.p.chat_id())
    return sum(1 for m in chat.members.values() if m.present)


@method("answerCallbackQuery")
async def answer_callback_query(call: Call) -> bool:
    """answerCallbackQuery: once per query, and only while the client still waits."""
    query_id = call.p.req_str("callback_query_id")
    record = call.world.callbacks.get(query_id)
    ttl = call.world.options.callback_query_ttl
    if (
        record is None
        or record.bot_id != call.bot.id
        or record.answered
        or call.world.clock.monotonic() - record.created > ttl
    ):
        raise bad_request(E.QUERY_TOO_OLD)
    text = call.p.str("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    record.answered = True
    record.answer_text = text
    record.show_alert = call.p.bool("show_alert")
    record.url = call.p.str("url")
    call.world.touch()
    return True
