"""Read-only snapshots of what a chat shows, for tests, the demo and transcripts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .media import MEDIA_KINDS
from .models import Message


@dataclass(frozen=True)
class FileView:
    """One attached file."""

    kind: str
    file_id: str
    file_unique_id: str
    size: int | None
    file_name: str | None = None
    mime_type: str | None = None


@dataclass(frozen=True)
class ButtonView:
    """One inline keyboard button."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class MessageView:
    """A message as a participant of the chat sees it.

    ``type`` is the content kind (``text``, ``photo``, ``document`` ...) or, for
    service messages, the service field (``forum_topic_created``,
    ``pinned_message`` ...). ``reply_to`` is the explicit reply only.
    """

    chat_id: int
    message_id: int
    thread_id: int | None
    sender_id: int
    sender_name: str
    sender_is_bot: bool
    type: str
    date: int
    text: str | None = None
    caption: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    files: list[FileView] = field(default_factory=list)
    reply_to: int | None = None
    reactions: dict[str, int] = field(default_factory=dict)
    edited: bool = False
    buttons: list[list[ButtonView]] = field(default_factory=list)
    pinned: bool = False
    media_group_id: str | None = None
    forwarded: bool = False
    service: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    bot_id: int | None = field(default=None, repr=False)

    @property
    def body(self) -> str:
        """Text or caption (empty string when neither)."""
        return self.text or self.caption or ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return asdict(self)


_EXTRA_KINDS = ("location", "venue", "contact", "dice", "poll")


def view_of(message: Message) -> MessageView:
    """Snapshot ``message``."""
    content = message.content
    files = [_file_view(kind, content[kind]) for kind in MEDIA_KINDS if kind in content]
    reactions: dict[str, int] = {}
    for chosen in message.reactions.values():
        for reaction in chosen:
            key = reaction.get("emoji") or reaction.get("custom_emoji_id", "?")
            reactions[key] = reactions.get(key, 0) + 1
    markup = message.reply_markup or {}
    buttons = [
        [ButtonView(b["text"], b.get("callback_data"), b.get("url")) for b in row]
        for row in markup.get("inline_keyboard", [])
    ]
    return MessageView(
        chat_id=message.chat.id,
        message_id=message.message_id,
        thread_id=message.thread_id,
        sender_id=message.sender.id,
        sender_name=message.sender.full_name,
        sender_is_bot=message.sender.is_bot,
        type=message.kind,
        date=message.date,
        text=content.get("text"),
        caption=content.get("caption"),
        entities=list(content.get("entities") or content.get("caption_entities") or []),
        files=files,
        reply_to=message.reply_to,
        reactions=reactions,
        edited=message.edit_date is not None,
        buttons=buttons,
        pinned=message.pinned,
        media_group_id=message.media_group_id,
        forwarded=message.forward_origin is not None,
        service=content.get(message.kind) if message.is_service else None,
        extra={k: content[k] for k in _EXTRA_KINDS if k in content},
        bot_id=message.chat.bot_id,
    )


def _file_view(kind: str, value: Any) -> FileView:
    item = value[-1] if isinstance(value, list) else value
    return FileView(
        kind=kind,
        file_id=item["file_id"],
        file_unique_id=item["file_unique_id"],
        size=item.get("file_size"),
        file_name=item.get("file_name"),
        mime_type=item.get("mime_type"),
    )
