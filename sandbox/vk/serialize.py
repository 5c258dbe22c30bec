"""VK-shaped JSON for messages and people, as the community's token sees them."""

from __future__ import annotations

from typing import Any

from .models import Community, VkMessage, VkUser
from .world import Conversation


def foreign_json(message: VkMessage, conv: Conversation | None = None) -> dict[str, Any]:
    """A replied-to or forwarded message (``MessagesForeignMessage``)."""
    body: dict[str, Any] = {
        "date": message.date,
        "from_id": message.from_id,
        "text": message.text,
        "attachments": list(message.attachments),
        "conversation_message_id": message.conversation_message_id,
        "peer_id": message.peer_id,
        "id": message.id,
        "fwd_messages": [foreign_json(m) for m in message.fwd],
    }
    if message.update_time:
        body["update_time"] = message.update_time
    return body


def message_json(message: VkMessage, conv: Conversation) -> dict[str, Any]:
    """A full message object (``MessagesMessage``) from the community's side."""
    body: dict[str, Any] = {
        "date": message.date,
        "from_id": message.from_id,
        "id": message.id,
        "out": 1 if message.from_id < 0 else 0,
        "version": message.update_time or message.date,
        "attachments": list(message.attachments),
        "conversation_message_id": message.conversation_message_id,
        "fwd_messages": [foreign_json(m) for m in message.fwd],
        "important": False,
        "is_hidden": False,
        "peer_id": message.peer_id,
        "random_id": message.random_id,
        "text": message.text,
    }
    if message.reply_to is not None:
        replied = conv.find(message.reply_to)
        if replied is not None:
            body["reply_message"] = foreign_json(replied)
    if message.keyboard is not None:
        body["keyboard"] = message.keyboard
    if message.payload is not None:
        body["payload"] = message.payload
    if message.update_time:
        body["update_time"] = message.update_time
    if message.reactions:
        body["reactions"] = reaction_counters(message)
    return body


def reaction_counters(message: VkMessage) -> list[dict[str, Any]]:
    """``reactions`` of a message object: per reaction id, how many and (up to 3) who."""
    counters: dict[int, list[int]] = {}
    for reactor, reaction in message.reactions.items():
        counters.setdefault(reaction, []).append(reactor)
    return [
        {"reaction_id": reaction, "count": len(who), "user_ids": who[:3]}
        for reaction, who in sorted(counters.items())
    ]


def user_json(user: VkUser, fields: set[str], photo_url: str) -> dict[str, Any]:
    """``users.get`` item with the requested optional ``fields``."""
    body: dict[str, Any] = {
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "can_access_closed": True,
        "is_closed": False,
    }
    optional = {
        "screen_name": user.screen_name,
        "sex": user.sex,
        "photo_50": photo_url,
        "photo_100": photo_url,
        "photo_200": photo_url,
        "domain": user.screen_name,
    }
    body.update({k: v for k, v in optional.items() if k in fields})
    return body


def group_json(community: Community) -> dict[str, Any]:
    """``groups.getById`` item."""
    return {
        "id": community.id,
        "name": community.name,
        "screen_name": f"club{community.id}",
        "is_closed": 0,
        "type": "group",
        "is_admin": 1,
        "admin_level": 3,
        "is_member": 1,
    }
