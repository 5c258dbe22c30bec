"""Bot API JSON for sandbox records, shaped as the official spec says."""

from __future__ import annotations

from typing import Any

from .models import ADMIN_RIGHTS, CHAT_PERMISSIONS, BotAccount, Chat, Member, Message, Topic, User


def _clean(obj: dict[str, Any]) -> dict[str, Any]:
    """Drop ``None`` values: Telegram omits absent optional fields."""
    return {k: v for k, v in obj.items() if v is not None}


def user_json(user: User, bot: BotAccount | None = None) -> dict[str, Any]:
    """A ``User`` object; ``getMe`` passes the bot to add its capabilities."""
    data = _clean(
        {
            "id": user.id,
            "is_bot": user.is_bot,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "username": user.username,
            "language_code": user.language_code,
            "is_premium": True if user.is_premium else None,
        }
    )
    if bot is not None:
        data.update(
            can_join_groups=True,
            can_read_all_group_messages=bot.can_read_all_group_messages,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
    return data


def chat_json(chat: Chat) -> dict[str, Any]:
    """A ``Chat`` object as embedded in messages and updates."""
    if chat.is_private and chat.peer is not None:
        peer = chat.peer
        return _clean(
            {
                "id": chat.id,
                "type": "private",
                "first_name": peer.first_name,
                "last_name": peer.last_name,
                "username": peer.username,
            }
        )
    return _clean(
        {
            "id": chat.id,
            "type": chat.type,
            "title": chat.title,
            "username": chat.username,
            "is_forum": True if chat.is_forum else None,
        }
    )


def chat_full_info(chat: Chat, pinned: Message | None) -> dict[str, Any]:
    """A ``ChatFullInfo`` object for ``getChat``."""
    data = chat_json(chat)
    data.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    )
    if pinned is not None:
        data["pinned_message"] = message_json(pinned, with_reply=False)
    if chat.invite_link is not None:
        data["invite_link"] = chat.invite_link
    if not chat.is_private:
        data["permissions"] = {
            "can_send_messages": True,
            "can_send_audios": True,
            "can_send_documents": True,
            "can_send_photos": True,
            "can_send_videos": True,
            "can_send_video_notes": True,
            "can_send_voice_notes": True,
            "can_send_polls": True,
            "can_send_other_messages": True,
            "can_add_web_page_previews": True,
            "can_change_info": False,
            "can_invite_users": True,
            "can_pin_messages": False,
            "can_manage_topics": False,
        }
    return data


def message_json(message: Message, with_reply: bool = True) -> dict[str, Any]:
    """A ``Message`` object; the replied-to message is nested one level deep only."""
    data: dict[str, Any] = {
        "message_id": message.message_id,
        "from": user_json(message.sender),
        "date": message.date,
        "chat": chat_json(message.chat),
    }
    if message.thread_id is not None:
        data["message_thread_id"] = message.thread_id
        data["is_topic_message"] = True
    if message.forward_origin is not None:
        data["forward_origin"] = message.forward_origin
    if with_reply:
        # In a topic, a message that replies to nothing is shown by Telegram as a
        # reply to the topic's forum_topic_created message; bots rely on that.
        target_id = message.reply_to or message.thread_id
        target = message.chat.messages.get(target_id or 0)
        if target is not None and target is not message:
            data["reply_to_message"] = message_json(target, with_reply=False)
    if message.edit_date is not None:
        data["edit_date"] = message.edit_date
    if message.protect_content:
        data["has_protected_content"] = True
    if message.media_group_id is not None:
        data["media_group_id"] = message.media_group_id
    data.update(message.content)
    if message.reply_markup is not None:
        data["reply_markup"] = message.reply_markup
    return data


def member_json(member: Member) -> dict[str, Any]:
    """A ``ChatMember`` object of the right variant for the member's status."""
    user = user_json(member.user)
    if member.status == "creator":
        return _clean(
            {
                "status": "creator",
                "user": user,
                "is_anonymous": False,
                "custom_title": member.custom_title,
            }
        )
    if member.status == "administrator":
        data: dict[str, Any] = {
            "status": "administrator",
            "user": user,
            "can_be_edited": False,
            "is_anonymous": False,
        }
        data.update({right: member.rights.get(right, False) for right in ADMIN_RIGHTS})
        # Newer Bot API versions (and aiogram 3.31) require this flag too.
        data["can_send_welcome_messages"] = False
        if member.custom_title:
            data["custom_title"] = member.custom_title
        return data
    if member.status == "kicked":
        return {"status": "kicked", "user": user, "until_date": member.until_date}
    if member.status == "restricted":
        allowed = {name: member.permissions.get(name, True) for name in CHAT_PERMISSIONS}
        return {
            "status": "restricted",
            "user": user,
            "is_member": True,
            **allowed,
            "until_date": member.until_date,
        }
    return {"status": member.status, "user": user}


def topic_json(topic: Topic) -> dict[str, Any]:
    """A ``ForumTopic`` object."""
    return _clean(
        {
            "message_thread_id": topic.thread_id,
            "name": topic.name,
            "icon_color": topic.icon_color,
            "icon_custom_emoji_id": topic.icon_custom_emoji_id,
        }
    )
