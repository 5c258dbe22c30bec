"""What a community's customers wrote before botdesk first connected to it.

The Bots Long Poll API only delivers what happens after the desk asked for its server.
On the very first start (no ``ts`` stored yet) the long poll reads the community's
unanswered conversations first and hands their waiting messages (those after the
community's last answer) to the dispatcher as ``message_new`` events, oldest first;
only then is the first ``ts`` stored. A crash before that repeats the read, and the
unique key of stored messages drops what was already ingested.
"""

from __future__ import annotations

import logging
from itertools import takewhile
from typing import Any

from vkbottle import API

from bots.vk.errors import vk_call

__all__ = ["MAX_CONVERSATIONS", "MAX_MESSAGES", "waiting_events"]

log = logging.getLogger(__name__)

MAX_CONVERSATIONS = 200  # one page of messages.getConversations
MAX_MESSAGES = 200  # one page of messages.getHistory per conversation


async def waiting_events(api: API) -> list[dict[str, Any]]:
    """``message_new`` events for every message still waiting for the community's answer."""
    listed = await vk_call(
        api, "messages.getConversations", {"filter": "unanswered", "count": MAX_CONVERSATIONS}
    )
    if int(listed.get("count", 0)) > MAX_CONVERSATIONS:
        log.warning("only the %d newest unanswered VK conversations are read", MAX_CONVERSATIONS)
    events: list[dict[str, Any]] = []
    for item in reversed(listed.get("items") or []):  # the least recently active first
        peer = item["conversation"]["peer"]
        if peer.get("type") != "user":
            continue  # community chats are not support conversations
        history = await vk_call(
            api, "messages.getHistory", {"peer_id": peer["id"], "count": MAX_MESSAGES}
        )
        # newest first: everything the customer wrote since the community's last answer
        waiting = list(takewhile(lambda m: int(m.get("from_id", 0)) > 0, history["items"]))
        events += [{"type": "message_new", "object": {"message": m}} for m in reversed(waiting)]
    if events:
        log.info("%d VK messages written before botdesk connected are taken in", len(events))
    return events
