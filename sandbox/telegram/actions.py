"""The control API, part 2: what people do in chats.

Each action changes the world as Telegram would and queues the updates bots
would receive (``message``, ``edited_message``, ``callback_query``,
``message_reaction``, ``my_chat_member``). Actions are synchronous and return
a :class:`~sandbox.telegram.views.MessageView` of what they created.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from .errors import SandboxError
from .formatting import detect_entities, parse
from .media import media_json
from .models import BotAccount, Chat, Member, Message, User
from .views import MessageView, view_of
from .world import World

To = Chat | BotAccount
MessageRef = Message | MessageView


@dataclass(frozen=True)
class AlbumItem:
    """One file of an album sent by a person."""

    kind: str  # photo | video | document | audio
    data: bytes
    file_name: str | None = None
    caption: str | None = None


class UserActions:
    """Messages, edits, button presses, reactions, blocking and topic admin."""

    world: World

    # -- helpers ------------------------------------------------------------------

    def _chat_for(self, user: User, to: To) -> tuple[Chat, Member | None]:
        if isinstance(to, BotAccount):
            if (to.id, user.id) in self.world.blocked:
                raise SandboxError(f"{user.full_name} has blocked @{to.username}; unblock first")
            chat = self.world.private_chat(to, user)
            return chat, chat.members.get(user.id)
        member = to.member(user.id)
        if member is None:
            raise SandboxError(f"{user.full_name} is not a member of {to.title}")
        if not member.allowed("can_send_messages"):
            raise SandboxError(f"{user.full_name} is restricted from writing in {to.title}")
        return to, member

    def _resolve(self, ref: MessageRef) -> Message:
        if isinstance(ref, Message):
            return ref
        if ref.chat_id > 0:
            chat = self.world.private.get((ref.bot_id or 0, ref.chat_id))
        else:
            chat = self.world.groups.get(ref.chat_id)
        message = chat.messages.get(ref.message_id) if chat else None
        if message is None:
            raise SandboxError(f"message {ref.message_id} is gone from chat {ref.chat_id}")
        return message

    def _post(
        self,
        user: User,
        to: To,
        kind: str,
        content: dict[str, Any],
        topic: Any = None,
        reply_to: MessageRef | None = None,
        media_group_id: str | None = None,
    ) -> Message:
        chat, member = self._chat_for(user, to)
        reply_id = self._resolve(reply_to).message_id if reply_to is not None else None
        thread_id = topic.thread_id if hasattr(topic, "thread_id") else topic
        if thread_id is None and reply_id is not None:
            thread_id = chat.messages[reply_id].thread_id
        thread = self.world.thread_for(chat, thread_id, member)
        return self.world.post(
            chat,
            user,
            kind,
            content,
            thread_id=thread,
            reply_to=reply_id,
            media_group_id=media_group_id,
        )

    @staticmethod
    def _text(
        text: str, entities: list[dict[str, Any]] | None, parse_mode: str | None
    ) -> tuple[str, list[dict[str, Any]]]:
        plain, found = (text, entities) if entities else parse(text, parse_mode)
        return plain, detect_entities(plain, found)

    def _caption(self, caption: str | None, parse_mode: str | None = None) -> dict[str, Any]:
        if not caption:
            return {}
        plain, entities = self._text(caption, None, parse_mode)
        return {"caption": plain, **({"caption_entities": entities} if entities else {})}

    # -- sending ------------------------------------------------------------------

    def send_text(
        self,
        user: User,
        to: To,
        text: str,
        *,
        entities: list[dict[str, Any]] | None = None,
        parse_mode: str | None = None,
        topic: Any = None,
        reply_to: MessageRef | None = None,
    ) -> MessageView:
        """A text message (``entities`` or ``parse_mode`` for formatting)."""
        plain, found = self._text(text, entities, parse_mode)
        content: dict[str, Any] = {"text": plain}
        if found:
            content["entities"] = found
        return view_of(self._post(user, to, "text", content, topic, reply_to))

    def send_media(
        self,
        user: User,
        to: To,
        kind: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        caption: str | None = None,
        parse_mode: str | None = None,
        topic: Any = None,
        reply_to: MessageRef | None = None,
        **hints: Any,
    ) -> MessageView:
        """A file message: ``kind`` is photo, video, animation, document, audio,
        voice, video_note or sticker; ``hints`` are duration, width, emoji..."""
        stored = self.world.files.add(kind, data, file_name, mime_type)
        content: dict[str, Any] = {kind: media_json(kind, stored, hints)}
        if kind not in ("sticker", "video_note"):
            content.update(self._caption(caption, parse_mode))
        return view_of(self._post(user, to, kind, content, topic, reply_to))

    def send_photo(self, user: User, to: To, data: bytes, **kw: Any) -> MessageView:
        """A photo (bytes kept as they are)."""
        return self.send_media(user, to, "photo", data, **kw)

    def send_video(self, user: User, to: To, data: bytes, **kw: Any) -> MessageView:
        """A video."""
        return self.send_media(user, to, "video", data, **kw)

    def send_animation(self, user: User, to: To, data: bytes, **kw: Any) -> MessageView:
        """A GIF / silent video."""
        return self.send_media(user, to, "animation", data, **kw)

    def send_document(self, user: User, to: To, data: bytes, **kw: Any) -> MessageView:
        """A document (pass ``file_name``)."""
        return self.send_media(user, to, "document", data, **kw)

    def send_audio(self, user: User, to: To, data: bytes, **kw: Any) -> MessageView:
        """An audio track."""
        return self.send_media(user, to, "audio", data, **kw)

    def send_voice(self, user: User, to: To, data: bytes, **kw: Any) -> MessageView:
        """A voice message."""
        return self.send_media(user, to, "voice", data, **kw)

    def send_video_note(self, user: User, to: To, data: bytes, **kw: Any) -> MessageView:
        """A round video note."""
        return self.send_media(user, to, "video_note", data, **kw)

    def send_sticker(self, user: User, to: To, data: bytes, **kw: Any) -> MessageView:
        """A sticker (``emoji=`` optional)."""
        return self.send_media(user, to, "sticker", data, **kw)

    def send_album(
        self,
        user: User,
        to: To,
        items: list[AlbumItem],
        *,
        topic: Any = None,
        reply_to: MessageRef | None = None,
    ) -> list[MessageView]:
        """A media group: 2-10 photos/videos, or documents, or audios."""
        if not 2 <= len(items) <= 10:
            raise SandboxError("an album holds 2-10 items")
        group_id = self.world.new_media_group_id()
        views = []
        for item in items:
            stored = self.world.files.add(item.kind, item.data, item.file_name)
            content = {item.kind: media_json(item.kind, stored), **self._caption(item.caption)}
            views.append(
                view_of(
                    self._post(
                        user, to, item.kind, content, topic, reply_to, media_group_id=group_id
                    )
                )
            )
        return views

    def send_other(
        self,
        user: User,
        to: To,
        kind: str,
        payload: dict[str, Any],
        *,
        topic: Any = None,
        reply_to: MessageRef | None = None,
    ) -> MessageView:
        """A body given as Bot API JSON: ``kind`` is location, venue, contact, dice or poll."""
        if kind not in ("location", "venue", "contact", "dice", "poll"):
            raise SandboxError(f"unsupported message kind {kind!r}")
        content = {kind: payload}
        if kind == "venue":
            content["location"] = payload["location"]
        return view_of(self._post(user, to, kind, content, topic, reply_to))

    def send_location(
        self, user: User, to: To, latitude: float, longitude: float, **kw: Any
    ) -> MessageView:
        """A location."""
        return self.send_other(
            user, to, "location", {"latitude": latitude, "longitude": longitude}, **kw
        )

    def send_venue(
        self,
        user: User,
        to: To,
        latitude: float,
        longitude: float,
        title: str,
        address: str,
        **kw: Any,
    ) -> MessageView:
        """A venue."""
        venue = {
            "location": {"latitude": latitude, "longitude": longitude},
            "title": title,
            "address": address,
        }
        return self.send_other(user, to, "venue", venue, **kw)

    def send_contact(
        self,
        user: User,
        to: To,
        phone_number: str,
        first_name: str,
        last_name: str | None = None,
        **kw: Any,
    ) -> MessageView:
        """A contact card."""
        contact = {"phone_number": phone_number, "first_name": first_name}
        if last_name:
            contact["last_name"] = last_name
        return self.send_other(user, to, "contact", contact, **kw)

    def send_dice(
        self, user: User, to: To, emoji: str = "🎲", value: int = 6, **kw: Any
    ) -> MessageView:
        """A dice throw with a fixed ``value`` (deterministic for tests)."""
        return self.send_other(user, to, "dice", {"emoji": emoji, "value": value}, **kw)

    def send_poll(
        self, user: User, to: To, question: str, options: list[str], **kw: Any
    ) -> MessageView:
        """A regular anonymous poll."""
        poll = {
            "id": str(secrets.randbelow(10**18)),
            "question": question,
            "options": [
                {"persistent_id": str(i), "text": text, "voter_count": 0}
                for i, text in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": True,
            "members_only": False,
        }
        return self.send_other(user, to, "poll", poll, **kw)
