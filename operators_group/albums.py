"""Customer albums re-sent by file id, for the one case ``copyMessages`` cannot cover.

``copyMessages`` keeps an album an album but takes no reply parameters, so an album
that answers an operator's message is sent again with ``sendMediaGroup`` (by file id:
no upload), which keeps both the grouping and the reply.
"""

from __future__ import annotations

from aiogram.enums import ParseMode
from aiogram.types import (
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
)

from core.entities import Content
from core.enums import MessageKind

AlbumMedia = InputMediaAudio | InputMediaDocument | InputMediaPhoto | InputMediaVideo

_ALBUM_MEDIA: dict[MessageKind, type[AlbumMedia]] = {
    MessageKind.PHOTO: InputMediaPhoto,
    MessageKind.VIDEO: InputMediaVideo,
    MessageKind.DOCUMENT: InputMediaDocument,
    MessageKind.AUDIO: InputMediaAudio,
}
# Which kinds Telegram lets share one album (documents and audios only with their own kind).
_FAMILIES = (
    frozenset({MessageKind.PHOTO, MessageKind.VIDEO}),
    frozenset({MessageKind.DOCUMENT}),
    frozenset({MessageKind.AUDIO}),
)


def album_media(contents: tuple[Content, ...]) -> list[AlbumMedia] | None:
    """The contents as one ``sendMediaGroup`` request, or None if they can't form one."""
    if not 2 <= len(contents) <= 10:
        return None
    media: list[AlbumMedia] = []
    for content in contents:
        if len(content.attachments) != 1:
            return None
        attachment = content.attachments[0]
        media_type = _ALBUM_MEDIA.get(attachment.kind)
        if media_type is None or attachment.file_id is None:
            return None
        caption, mode = (content.html, ParseMode.HTML) if content.html else (content.text, None)
        media.append(media_type(media=attachment.file_id, caption=caption, parse_mode=mode))
    kinds = {content.attachments[0].kind for content in contents}
    if not any(kinds <= family for family in _FAMILIES):
        return None
    return media
