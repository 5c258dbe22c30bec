"""``messages.getConversations`` and ``messages.getHistory``: what a community's inbox holds.

A desk connecting for the first time reads its unanswered conversations this way: the
Bots Long Poll API only delivers what happens from then on. ``filter=unanswered``
lists conversations whose last message came from the user; ``getHistory`` answers
newest first (``rev=1``: oldest first), ``count`` at most 200, as on VK.
"""

from __future__ import annotations

from typing import Any

from .call import Call, method
from .errors import bad_param
from .messages import conversation_for
from .serialize import message_json
from .world import Conversation

MAX_COUNT = 200
FILTERS = ("all", "unanswered", "unread", "important", "archive", "sorted_chats")


def _count(call: Call, default: int) -> int:
    count = call.int("count", default) or default
    if not 0 <= count <= MAX_COUNT:
        raise bad_param(f"count should be less or equal to {MAX_COUNT}")
    return count


def _peer(conv: Conversation) -> dict[str, Any]:
    user_id = conv.user.id
    return {"id": user_id, "type": "user", "local_id": user_id}


@method("messages.getConversations")
async def get_conversations(call: Call) -> Any:
    """The community's conversations, the one with the newest message first."""
    wanted = call.get("filter") or "all"
    if wanted not in FILTERS:
        raise bad_param("filter is invalid")
    convs = [
        conv
        for (community_id, _), conv in call.world.conversations.items()
        if community_id == call.community.id and conv.messages
    ]
    if wanted == "unanswered":
        convs = [conv for conv in convs if conv.messages[-1].from_id > 0]
    elif wanted != "all":
        convs = []  # the sandbox keeps no read marks, stars or archive
    convs.sort(key=lambda conv: conv.messages[-1].id, reverse=True)
    offset = call.int("offset", 0) or 0
    page = convs[offset : offset + _count(call, 20)]
    return {
        "count": len(convs),
        "items": [
            {
                "conversation": {"peer": _peer(conv), "can_write": {"allowed": True}},
                "last_message": message_json(conv.messages[-1], conv),
            }
            for conv in page
        ],
    }


@method("messages.getHistory")
async def get_history(call: Call) -> Any:
    """Messages of one conversation, newest first unless ``rev=1``."""
    conv = conversation_for(call, int(call.required("peer_id")))
    ordered = list(conv.messages) if call.int("rev", 0) == 1 else conv.messages[::-1]
    offset = call.int("offset", 0) or 0
    page = ordered[offset : offset + _count(call, 20)]
    return {"count": len(ordered), "items": [message_json(m, conv) for m in page]}
