"""Sending files: sendPhoto ... sendSticker, sendMediaGroup, getFile."""

from __future__ import annotations

from typing import Any

from ..errors import bad_request
from ..models import Message
from .base import Call, method
from .compose import (
    Target,
    caption_content,
    file_param,
    media_body,
    resolve_file,
    send,
    sent,
    target,
)

# Extra parameters each send method may declare about its file.
_HINTS = {
    "photo": (),
    "video": ("duration", "width", "height"),
    "animation": ("duration", "width", "height"),
    "document": (),
    "audio": ("duration", "performer", "title"),
    "voice": ("duration",),
    "video_note": ("duration", "length"),
    "sticker": ("emoji",),
}


async def _send_file(call: Call, kind: str) -> dict[str, Any]:
    to = target(call)
    p = call.p
    stored = file_param(call, kind)
    hints = {
        key: p.json(key) if key != "emoji" and key not in ("performer", "title") else p.str(key)
        for key in _HINTS[kind]
        if p.has(key)
    }
    content = media_body(kind, stored, hints)
    if kind not in ("sticker", "video_note"):
        content.update(
            caption_content(p.str("caption"), p.str("parse_mode"), p.json("caption_entities"))
        )
    return sent(send(call, to, kind, content))


def _file_method(kind: str, name: str) -> None:
    async def handler(call: Call) -> dict[str, Any]:
        return await _send_file(call, kind)

    handler.__doc__ = f"{name}: upload or resend by file_id a {kind}."
    method(name)(handler)


for _kind, _name in [
    ("photo", "sendPhoto"),
    ("video", "sendVideo"),
    ("animation", "sendAnimation"),
    ("document", "sendDocument"),
    ("audio", "sendAudio"),
    ("voice", "sendVoice"),
    ("video_note", "sendVideoNote"),
    ("sticker", "sendSticker"),
]:
    _file_method(_kind, _name)


def input_media_body(call: Call, item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Kind and message body of one ``InputMedia*`` object."""
    kind = item.get("type")
    if kind not in ("photo", "video", "animation", "document", "audio"):
        raise bad_request("unsupported media type")
    stored = resolve_file(call, item.get("media"), kind)
    hints = {key: item.get(key) for key in _HINTS[kind]}
    content = media_body(kind, stored, hints)
    content.update(
        caption_content(item.get("caption"), item.get("parse_mode"), item.get("caption_entities"))
    )
    return kind, content


@method("sendMediaGroup")
async def send_media_group(call: Call) -> list[dict[str, Any]]:
    """sendMediaGroup: 2-10 items sharing a media_group_id; each counts toward limits."""
    to = target(call)
    items = call.p.json("media")
    if not isinstance(items, list) or not 2 <= len(items) <= 10:
        raise bad_request("wrong number of media specified" if items else "media is empty")
    bodies = [input_media_body(call, item) for item in items]
    kinds = {kind for kind, _ in bodies}
    if len(kinds) > 1 and kinds & {"document", "audio"}:
        raise bad_request("documents and audio can't be mixed with other media types")
    return [sent(m) for m in _post_album(call, to, bodies)]


def _post_album(call: Call, to: Target, bodies: list[tuple[str, dict[str, Any]]]) -> list[Message]:
    call.world.flood.spend(call.bot.id, to.chat.id, len(bodies))
    group_id = call.world.new_media_group_id()
    return [
        call.world.post(
            to.chat,
            call.bot.user,
            kind,
            content,
            thread_id=to.thread_id,
            reply_to=to.reply_to,
            media_group_id=group_id,
            protect_content=call.p.bool("protect_content"),
            silent=call.p.bool("disable_notification"),
        )
        for kind, content in bodies
    ]


@method("getFile")
async def get_file(call: Call) -> dict[str, Any]:
    """getFile: a ``File`` with the ``file_path`` to download from."""
    stored = call.world.files.get(call.p.req_str("file_id"))
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": stored.file_path,
    }
