"""banChatMember, unbanChatMember, restrictChatMember, leaveChat, exportChatInviteLink.

A change of someone's membership reaches the bots as Telegram sends it: ``chat_member``
to the administrator bots of the chat (when they ask for it in ``allowed_updates``), and
``my_chat_member`` to a bot whose own membership changed.
"""

from __future__ import annotations

import secrets

from ..errors import bad_request
from ..models import CHAT_PERMISSIONS, Chat, Member, User
from ..serialize import member_json
from .base import Call, method

RESTRICT_RIGHTS = "not enough rights to restrict/unrestrict chat member"
SUPERGROUPS_ONLY = "method is available only for supergroups and channel"
IS_ADMIN = "user is an administrator of the chat"
# Banned or restricted for less than 30 s or more than 366 days means forever.
_SHORTEST, _LONGEST = 30, 366 * 86400
_MEDIA = (
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
)


def _group(call: Call) -> Chat:
    chat = call.world.chat_for_bot(call.bot, call.p.chat_id())
    if chat.is_private:
        raise bad_request(SUPERGROUPS_ONLY)
    return chat


def _restrictable(call: Call, chat: Chat) -> User:
    """The target user, after the checks every restricting method makes."""
    me = call.me(chat)
    if me is None or not me.can("can_restrict_members"):
        raise bad_request(RESTRICT_RIGHTS)
    user = call.world.users.get(call.p.req_int("user_id"))
    if user is None:
        raise bad_request("user not found")
    if user.id == call.bot.id:
        raise bad_request("can't restrict self")
    return user


def _until(call: Call) -> int:
    until = call.p.int("until_date", 0) or 0
    span = until - call.world.now()
    return until if _SHORTEST <= span <= _LONGEST else 0


def changed(call: Call, chat: Chat, old: Member | None, new: Member) -> None:
    """Store ``new`` and tell the bots that watch members (and the member, if a bot)."""
    before = member_json(old or Member(new.user, "left"))
    chat.members[new.user.id] = new
    payload = call.world.chat_member_update(chat, call.bot.user, before, member_json(new))
    for member in chat.members.values():
        bot = call.world.bots.get(member.user.id)
        if bot is not None and member.is_admin and bot.id != new.user.id:
            call.world.push(bot, "chat_member", payload)
    target = call.world.bots.get(new.user.id)
    if target is not None:
        call.world.push(target, "my_chat_member", payload)
    call.world.touch()


@method("banChatMember")
async def ban_chat_member(call: Call) -> bool:
    """banChatMember: the user leaves and may not come back; their messages are deleted."""
    chat = _group(call)
    user = _restrictable(call, chat)
    old = chat.members.get(user.id)
    if old is not None and old.status == "creator":
        raise bad_request("can't remove chat owner")
    if old is not None and old.status == "administrator":
        raise bad_request(IS_ADMIN)
    changed(call, chat, old, Member(user, "kicked", until_date=_until(call)))
    # revoke_messages is "always True for supergroups"
    for message_id in [m.message_id for m in chat.messages.values() if m.sender.id == user.id]:
        del chat.messages[message_id]
    return True


@method("unbanChatMember")
async def unban_chat_member(call: Call) -> bool:
    """unbanChatMember: afterwards the user is not in the chat but may join it."""
    chat = _group(call)
    user = _restrictable(call, chat)
    old = chat.members.get(user.id)
    if old is None or old.status == "left":
        return True
    if old.status != "kicked":
        if call.p.bool("only_if_banned"):
            return True
        if old.is_admin:
            raise bad_request(IS_ADMIN)
    changed(call, chat, old, Member(user, "left"))
    return True


def _permissions(call: Call) -> dict[str, bool]:
    given = call.p.json("permissions")
    if given is None:
        raise bad_request("permissions is empty")
    if not isinstance(given, dict):
        raise bad_request("can't parse ChatPermissions JSON object")
    allowed = {name: bool(given.get(name, False)) for name in CHAT_PERMISSIONS}
    if not call.p.bool("use_independent_chat_permissions"):
        # As the Bot API describes: other messages and link previews imply text and every
        # kind of media; polls imply text.
        if allowed["can_send_other_messages"] or allowed["can_add_web_page_previews"]:
            allowed.update(dict.fromkeys(("can_send_messages", *_MEDIA), True))
        if allowed["can_send_polls"]:
            allowed["can_send_messages"] = True
    return allowed


@method("restrictChatMember")
async def restrict_chat_member(call: Call) -> bool:
    """restrictChatMember: all permissions True lifts the restrictions."""
    chat = _group(call)
    user = _restrictable(call, chat)
    old = chat.members.get(user.id)
    if old is not None and old.is_admin:
        raise bad_request(IS_ADMIN)
    allowed = _permissions(call)
    if all(allowed.values()):
        new = Member(user, "member")
    else:
        new = Member(user, "restricted", permissions=allowed, until_date=_until(call))
    changed(call, chat, old, new)
    return True


@method("leaveChat")
async def leave_chat(call: Call) -> bool:
    """leaveChat: the bot leaves a group and gets its own ``my_chat_member``."""
    chat = call.world.chat_for_bot(call.bot, call.p.chat_id())
    if chat.is_private:
        raise bad_request("chat member status can't be changed in private chats")
    old = chat.members[call.bot.id]
    if old.status == "creator":
        raise bad_request("can't remove chat owner")
    changed(call, chat, old, Member(call.bot.user, "left"))
    return True


@method("exportChatInviteLink")
async def export_chat_invite_link(call: Call) -> str:
    """exportChatInviteLink: a new primary link; the previous one stops working."""
    chat = _group(call)
    me = call.me(chat)
    if me is None or not me.can("can_invite_users"):
        raise bad_request("not enough rights to export chat invite link")
    chat.invite_link = f"https://t.me/+{secrets.token_urlsafe(12)}"
    return chat.invite_link
