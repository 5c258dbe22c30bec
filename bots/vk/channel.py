"""``VkChannel``: core's :class:`~core.ports.CustomerChannel` for VK community chats.

Operators' messages live on Telegram, so VK gets them rebuilt: text as plain text
(VK has no HTML: :func:`~bots.vk.text.plain_text`), files downloaded through the
injected ``fetch`` and uploaded to VK (:mod:`bots.vk.uploads`):

* photos → a photo attachment; an operator's album of photos → ONE VK message with
  all of them (VK shows that as an album), its captions joined as the text;
* voice notes → a VK voice message; documents, videos, animations, audios and round
  videos → VK documents (bots may not upload VK videos or music);
* static stickers → a photo; animated and video stickers → their emoji;
* locations and venues → a VK map point (``lat``/``long``) with the venue's name;
  contacts, dice and polls → a line of text.

The desk acknowledges a customer's message (a thank-you) with a VK reaction
(:meth:`VkChannel.react`).

Every ``messages.send`` carries a ``random_id`` derived from the delivery's key and
the part's index (:func:`~bots.vk.text.random_id`), so a retried outbox item never
duplicates a message: VK answers a repeated ``random_id`` with the first message.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from typing import Any

from vkbottle import API

from bots.vk.errors import vk_errors
from bots.vk.peers import VkPeers
from bots.vk.text import MAX_TEXT, choice_payload, plain_text, random_id, split_text
from bots.vk.uploads import Fetch, VkUploader
from core.entities import Attachment, Choice, Content, Delivery, DeliveryEdit
from core.enums import Channel, MessageKind
from core.errors import PermanentError

__all__ = ["REACTIONS", "VkChannel", "keyboard_of"]

_MAX_ALBUM = 10  # attachments per VK message
# Emoji -> VK reaction id. The table follows VK's reaction assets list (the ids the
# messages.sendReaction method takes); an emoji VK has no reaction for falls back to 👍.
REACTIONS: dict[str, int] = {
    "❤️": 1,
    "❤": 1,
    "🔥": 2,
    "😂": 3,
    "👍": 4,
    "💩": 5,
    "❓": 6,
    "😭": 7,
    "👎": 8,
    "👌": 9,
    "😡": 10,
    "🤔": 11,
    "👏": 12,
    "🎉": 13,
    "🙏": 14,
}
_THUMBS_UP = REACTIONS["👍"]
_ROW = 5  # buttons per row of an inline keyboard
_DOCUMENTS = frozenset(
    {
        MessageKind.DOCUMENT,
        MessageKind.VIDEO,
        MessageKind.ANIMATION,
        MessageKind.AUDIO,
        MessageKind.VIDEO_NOTE,
    }
)


def text_of(content: Content) -> str:
    """The plain text VK shows for a content (its HTML flattened when it has one)."""
    return plain_text(content.html) if content.html else (content.text or "")


def keyboard_of(choices: Sequence[Choice], *, callback: bool) -> str:
    """An inline keyboard (JSON) of the choices: callback buttons, or text ones."""
    kind = "callback" if callback else "text"
    buttons = [
        {"action": {"type": kind, "label": c.label[:40], "payload": choice_payload(c.data)}}
        for c in choices
    ]
    rows = [buttons[start : start + _ROW] for start in range(0, len(buttons), _ROW)]
    return json.dumps({"inline": True, "buttons": rows}, ensure_ascii=False)


def _described(attachment: Attachment) -> str:
    """A line of text for what VK can't carry as itself (contact, dice, poll …)."""
    details = attachment.details
    if attachment.kind is MessageKind.CONTACT:
        name = f"{details.get('first_name', '')} {details.get('last_name', '')}".strip()
        return f"👤 {name} {details.get('phone_number', '')}".strip()
    if attachment.kind is MessageKind.DICE:
        return f"{details.get('emoji', '🎲')} {details.get('value', '')}".strip()
    if attachment.kind is MessageKind.POLL:
        options = "\n".join(f"• {option}" for option in details.get("options", []))
        return f"📊 {details.get('question', '')}\n{options}".strip()
    if attachment.kind is MessageKind.STICKER:
        return str(details.get("emoji") or "🖼")
    return f"[{attachment.kind.value}]"


class VkChannel:
    """Reaches VK customers in their chats with the community."""

    channel = Channel.VK

    def __init__(self, api: API, fetch: Fetch, *, peers: VkPeers | None = None) -> None:
        self.api = api
        self.uploads = VkUploader(api, fetch)
        self.peers = peers or VkPeers(api)

    async def _send(self, peer_id: int, rid: int, **params: Any) -> int:
        clean = {key: value for key, value in params.items() if value not in (None, "")}
        async with vk_errors():
            response = await self.api.request(
                "messages.send", {"peer_id": peer_id, "random_id": rid, **clean}
            )
        answer = response["response"]
        # With peer_id VK answers the id; with peer_ids a list of {peer_id, message_id}.
        if isinstance(answer, list):
            answer = answer[0].get("message_id", answer[0].get("conversation_message_id"))
        return int(answer)

    async def _send_text(
        self, peer_id: int, text: str, key: str, index: Iterator[int], **params: Any
    ) -> list[int]:
        """``text`` in as many messages as it takes; ``params`` go with the first one."""
        sent: list[int] = []
        for part in split_text(text):
            sent.append(
                await self._send(peer_id, random_id(key, next(index)), message=part, **params)
            )
            params = {}
        return sent

    async def deliver(self, delivery: Delivery) -> tuple[int, ...]:
        """Send operators' messages; return the VK message id of each (one for an album).

        An album of photos becomes one VK message, so it returns one id only: the
        store keeps a customer message id once per chat (a unique key), so repeating
        the album's id for each photo would make recording the delivery fail.
        """
        index = itertools.count()
        peer, key = delivery.chat_id, delivery.key
        reply = delivery.reply_to_message_id
        if self._is_album(delivery.contents):
            photos = await self.uploads.photos(peer, [c.attachments[0] for c in delivery.contents])
            text = "\n\n".join(t for t in map(text_of, delivery.contents) if t)
            sent = await self._send_text(
                peer, text, key, index, attachment=",".join(photos), reply_to=reply
            )
            return (sent[0],)
        ids: list[int] = []
        for content in delivery.contents:
            ids.append(await self._send_content(peer, content, key, index, reply))
            reply = None  # only the first message of a batch answers the customer's
        return tuple(ids)

    @staticmethod
    def _is_album(contents: Sequence[Content]) -> bool:
        return 2 <= len(contents) <= _MAX_ALBUM and all(
            c.kind is MessageKind.PHOTO and len(c.attachments) == 1 for c in contents
        )

    async def _send_content(
        self, peer: int, content: Content, key: str, index: Iterator[int], reply: int | None
    ) -> int:
        text = text_of(content)
        extra: dict[str, Any] = {"reply_to": reply}
        attachments: list[str] = []
        for attachment in content.attachments:
            uploaded = await self._upload(peer, attachment)
            if uploaded is not None:
                attachments.append(uploaded)
            elif attachment.kind in (MessageKind.LOCATION, MessageKind.VENUE):
                extra |= self._place(attachment)
                title = " — ".join(
                    str(attachment.details[name])
                    for name in ("title", "address")
                    if attachment.details.get(name)
                )
                text = "\n".join(line for line in (title, text) if line)
            else:
                text = "\n".join(line for line in (_described(attachment), text) if line)
        if attachments:
            extra["attachment"] = ",".join(attachments)
        if not text and "attachment" not in extra and "lat" not in extra:
            text = f"[{content.kind.value}]"
        return (await self._send_text(peer, text, key, index, **extra))[0]

    async def _upload(self, peer: int, attachment: Attachment) -> str | None:
        """The VK attachment string of a file, or None for what isn't sent as a file."""
        if attachment.kind is MessageKind.PHOTO:
            return await self.uploads.photo(peer, attachment)
        if attachment.kind is MessageKind.STICKER:
            moving = attachment.details.get("is_animated") or attachment.details.get("is_video")
            return None if moving else await self.uploads.photo(peer, attachment)
        if attachment.kind is MessageKind.VOICE:
            return await self.uploads.document(peer, attachment, voice=True)
        if attachment.kind in _DOCUMENTS:
            return await self.uploads.document(peer, attachment)
        return None

    @staticmethod
    def _place(attachment: Attachment) -> dict[str, Any]:
        details = attachment.details
        return {"lat": details.get("latitude"), "long": details.get("longitude")}

    async def edit(self, edit: DeliveryEdit) -> None:
        """Change the text of the customer's copy (its files stay as they were).

        VK can't replace an uploaded file in place, and a message must keep some
        text or file, so an edit that removes a caption is refused.
        """
        text = text_of(edit.content)[:MAX_TEXT]
        if not text:
            raise PermanentError("VK can't remove a message's whole text")
        params = {
            "peer_id": edit.chat_id,
            "message_id": edit.message_id,
            "message": text,
            "keep_forward_messages": 1,
            "keep_snippets": 1,
        }
        async with vk_errors():
            await self.api.request("messages.edit", params)

    async def send_text(self, chat_id: int, html: str, *, key: str) -> int:
        """Send the desk's own message (HTML flattened to text); return its id."""
        return (await self._send_text(chat_id, plain_text(html), key, itertools.count()))[0]

    async def react(self, chat_id: int, message_id: int, emoji: str, *, key: str = "") -> None:
        """Put the community's reaction on a customer's message.

        VK reacts by ``conversation_message_id``, which ``messages.getById`` tells.
        A reaction replaces the community's earlier one, so a retry is harmless.
        """
        async with vk_errors():
            found = await self.api.request("messages.getById", {"message_ids": message_id})
        items = found["response"].get("items") or []
        if not items:
            raise PermanentError(f"VK has no message {message_id} to react to")
        params = {
            "peer_id": chat_id,
            "cmid": int(items[0]["conversation_message_id"]),
            "reaction_id": REACTIONS.get(emoji, _THUMBS_UP),
        }
        async with vk_errors():
            await self.api.request("messages.sendReaction", params)

    async def send_choices(
        self, chat_id: int, html: str, choices: Sequence[Choice], *, key: str
    ) -> int:
        """Send the desk's message with quick-reply buttons; return its id.

        Callback buttons answer without a message in the chat; a client that does not
        support them (per its last ``client_info``) gets text buttons with the same
        payload, which come back as a message.
        """
        callback = self.peers.supports_callback(chat_id)
        keyboard = keyboard_of(choices, callback=callback)
        parts = split_text(plain_text(html))
        index = itertools.count()
        for part in parts[:-1]:
            await self._send(chat_id, random_id(key, next(index)), message=part)
        return await self._send(
            chat_id, random_id(key, next(index)), message=parts[-1], keyboard=keyboard
        )
