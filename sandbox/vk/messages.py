"""``messages.*`` methods: send (with random_id de-duplication), edit, read, react, answer
events."""

from __future__ import annotations

import json
import time
from typing import Any

from .call import Call, method
from .errors import MESSAGE_EMPTY, RANDOM_ID_REQUIRED, VkApiError, bad_param
from .inbound import build_attachment
from .models import StickerSpec, VkMessage
from .serialize import message_json
from .world import Conversation

MAX_TEXT = 4096
EDIT_WINDOW = 24 * 3600
REACTION_IDS = range(1, 17)  # VK's reaction assets: 1 ❤️, 2 🔥, 3 😂, 4 👍 … 16
BUTTON_TYPES = {
    "text",
    "open_link",
    "location",
    "vkpay",
    "open_app",
    "callback",
    "intent_subscribe",
    "intent_unsubscribe",
}


def parse_keyboard(raw: str | None, community_id: int) -> dict[str, Any] | None:
    """The ``keyboard`` JSON as VK stores it, or error 911 when it is malformed."""
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        rows = data["buttons"]
        ok = isinstance(rows, list) and all(
            isinstance(row, list)
            and all(isinstance(b, dict) and b["action"]["type"] in BUTTON_TYPES for b in row)
            for row in rows
        )
    except (ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        raise VkApiError(911)
    inline = bool(data.get("inline", False))
    return {
        "one_time": bool(data.get("one_time", False)) and not inline,
        "buttons": rows,
        "author_id": -community_id,
        "inline": inline,
    }


def parse_attachments(call: Call, raw: str | None) -> list[dict[str, Any]]:
    """``photo-1_2,doc3_4_key`` -> attachment dicts (error 100 for unknown media)."""
    found = []
    for spec in (raw or "").split(","):
        if not spec.strip():
            continue
        attachment = call.world.media.resolve(spec)
        if attachment is None:
            raise bad_param(f"attachment {spec.strip()} is invalid")
        found.append(attachment)
    return found


def conversation_for(call: Call, peer_id: int) -> Conversation:
    """The community's conversation with user ``peer_id`` (errors 917 and 113 as VK)."""
    if peer_id >= 2_000_000_000:
        raise VkApiError(917)  # the sandbox has no group chats
    user = call.world.users.get(peer_id)
    if user is None:
        raise VkApiError(113)
    return call.world.conversation(call.community, user)


def _reply_and_forward(call: Call, conv: Conversation) -> tuple[int | None, list[VkMessage]]:
    reply_to = call.int("reply_to")
    forward = call.get("forward")
    if forward:  # the modern way to reply: {"peer_id", "conversation_message_ids", "is_reply"}
        try:
            spec = json.loads(forward)
            cmids = [int(c) for c in spec.get("conversation_message_ids", [])]
            msg_ids = [int(c) for c in spec.get("message_ids", [])]
        except (ValueError, TypeError, AttributeError):
            raise bad_param("forward is invalid") from None
        picked = [conv.find(cmid=c) for c in cmids] + [conv.find(i) for i in msg_ids]
        if any(m is None for m in picked):
            raise VkApiError(921)
        if spec.get("is_reply") and picked:
            return picked[0].id, []  # type: ignore[union-attr]
        return reply_to, picked  # type: ignore[return-value]
    if reply_to is not None and conv.find(reply_to) is None:
        raise bad_param("reply_to is invalid")
    fwd = [conv.find(i) for i in call.ints("forward_messages")]
    if any(m is None for m in fwd):
        raise VkApiError(921)
    return reply_to, fwd  # type: ignore[return-value]


def send_one(call: Call, peer_id: int, random_id: int) -> VkMessage:
    """Deliver one message to ``peer_id`` or return the one already sent with ``random_id``."""
    conv = conversation_for(call, peer_id)
    if random_id and random_id in conv.random_ids:
        original = conv.find(conv.random_ids[random_id])
        assert original is not None
        return original
    text = call.get("message", "") or ""
    attachments = parse_attachments(call, call.get("attachment"))
    sticker_id = call.int("sticker_id")
    if sticker_id:  # a sticker travels alone, as on VK
        attachments = [build_attachment(call.world.media, 0, StickerSpec(sticker_id))]
        text = ""
    if not text.strip() and not attachments:
        raise bad_param(MESSAGE_EMPTY)
    if len(text) > MAX_TEXT:
        raise VkApiError(914)
    keyboard = parse_keyboard(call.get("keyboard"), call.community.id)
    reply_to, fwd = _reply_and_forward(call, conv)
    if conv.user.id in call.world.privacy_closed:
        raise VkApiError(902)
    if conv.allowed is not True:
        raise VkApiError(901)
    message = call.world.add_message(
        conv, -call.community.id, text, attachments=attachments, keyboard=keyboard,
        reply_to=reply_to, fwd=list(fwd), random_id=random_id, payload=call.get("payload"),
    )  # fmt: skip
    if random_id:
        conv.random_ids[random_id] = message.id
    return message


@method("messages.send")
async def send(call: Call) -> Any:
    """Send to ``peer_id``/``user_id`` (an id) or to ``peer_ids`` (a list of results)."""
    if call.get("random_id") is None:
        raise bad_param(RANDOM_ID_REQUIRED)
    random_id = call.int("random_id") or 0
    if call.get("peer_ids"):
        results = []
        for peer in call.ints("peer_ids"):
            try:
                message = send_one(call, peer, random_id)
                results.append(
                    {
                        "peer_id": peer,
                        "message_id": message.id,
                        "conversation_message_id": message.conversation_message_id,
                    }
                )
            except VkApiError as error:
                results.append(
                    {"peer_id": peer, "error": {"code": error.code, "description": error.message}}
                )
        return results
    peer = call.int("peer_id") or call.int("user_id")
    if peer is None:
        raise bad_param("peer_id is undefined")
    return send_one(call, peer, random_id).id


@method("messages.edit")
async def edit(call: Call) -> Any:
    """Change text, attachments or keyboard of one of the community's own messages."""
    conv = conversation_for(call, int(call.required("peer_id")))
    message = conv.find(call.int("message_id"), call.int("conversation_message_id"))
    if message is None:
        raise VkApiError(104)
    if message.from_id != -call.community.id:
        raise VkApiError(15, "you can edit only your own messages")
    if time.time() - message.date > EDIT_WINDOW:
        raise VkApiError(909)
    text = call.get("message", "") or ""
    attachments = message.attachments
    if call.get("attachment") is not None:
        attachments = parse_attachments(call, call.get("attachment"))
    if not text.strip() and not attachments:
        raise bad_param(MESSAGE_EMPTY)
    if len(text) > MAX_TEXT:
        raise VkApiError(914)
    if call.get("keyboard") is not None:
        message.keyboard = parse_keyboard(call.get("keyboard"), call.community.id)
    message.text, message.attachments, message.edited = text, attachments, True
    message.update_time = int(time.time())
    return 1


def _items(call: Call, messages: list[tuple[VkMessage, Conversation]]) -> dict[str, Any]:
    return {"count": len(messages), "items": [message_json(m, c) for m, c in messages]}


@method("messages.getById")
async def get_by_id(call: Call) -> Any:
    """Messages of this community by ``message_ids`` (or ``peer_id`` + ``cmids``)."""
    convs = [c for (cid, _), c in call.world.conversations.items() if cid == call.community.id]
    found = []
    if call.get("cmids"):
        conv = conversation_for(call, int(call.required("peer_id")))
        found = [(m, conv) for c in call.ints("cmids") if (m := conv.find(cmid=c))]
    for wanted in call.ints("message_ids"):
        found += [(m, c) for c in convs if (m := c.find(wanted))]
    return _items(call, found)


@method("messages.getByConversationMessageId")
async def get_by_cmid(call: Call) -> Any:
    """Messages of one conversation by ``conversation_message_ids``."""
    conv = conversation_for(call, int(call.required("peer_id")))
    wanted = call.ints("conversation_message_ids")
    return _items(call, [(m, conv) for c in wanted if (m := conv.find(cmid=c))])


@method("messages.sendReaction")
async def send_reaction(call: Call) -> Any:
    """React to a message (``peer_id`` + ``cmid``); replaces the community's earlier one.

    An unknown ``reaction_id`` is error 1009; a missing message error 104.
    """
    conv = conversation_for(call, int(call.required("peer_id")))
    for name in ("cmid", "reaction_id"):
        call.required(name)
    cmid, reaction = call.int("cmid"), call.int("reaction_id")
    if reaction not in REACTION_IDS:
        raise VkApiError(1009)
    message = conv.find(cmid=cmid)
    if message is None:
        raise VkApiError(104)
    message.reactions[-call.community.id] = reaction
    return 1


@method("messages.sendMessageEventAnswer")
async def send_message_event_answer(call: Call) -> Any:
    """Answer a callback button press (recorded for ``vk.event_answers``)."""
    event_id = call.required("event_id")
    pending = call.world.events.get(event_id)
    user_id, peer_id = call.int("user_id"), call.int("peer_id")
    if pending is None or pending.community_id != call.community.id:
        raise bad_param("event_id is invalid")
    if user_id != pending.user_id or peer_id != pending.peer_id:
        raise bad_param("user_id or peer_id does not match the event")
    try:
        data = json.loads(call.get("event_data") or "null")
    except ValueError:
        raise bad_param("event_data is invalid") from None
    pending.answered = True
    call.world.answers[call.community.id].append(
        {"event_id": event_id, "user_id": user_id, "peer_id": peer_id, "event_data": data}
    )
    return 1
