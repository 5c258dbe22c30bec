"""Media objects (PhotoSize, Video, Document...) built from stored files."""

from __future__ import annotations

from typing import Any

from .files import StoredFile, image_size

MEDIA_KINDS = (
    "photo",
    "video",
    "animation",
    "document",
    "audio",
    "voice",
    "video_note",
    "sticker",
)

_DEFAULT_MIME = {
    "video": "video/mp4",
    "animation": "video/mp4",
    "audio": "audio/mpeg",
    "voice": "audio/ogg",
    "document": "application/octet-stream",
}


def _base(stored: StoredFile) -> dict[str, Any]:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
    }


def media_json(kind: str, stored: StoredFile, hints: dict[str, Any] | None = None) -> Any:
    """The Bot API object for ``stored`` sent as ``kind``.

    ``hints`` carries what the sender declared (duration, width, performer...).
    Photos come back as a one-element ``PhotoSize`` list: the sandbox keeps the
    original bytes instead of generating recompressed sizes.
    """
    hints = {k: v for k, v in (hints or {}).items() if v is not None}
    data = _base(stored)
    if kind == "photo":
        width, height = image_size(stored.data)
        return [{**data, "width": width, "height": height}]
    if kind == "sticker":
        width, height = image_size(stored.data)
        return {
            **data,
            "type": "regular",
            "width": width,
            "height": height,
            "is_animated": False,
            "is_video": False,
            "emoji": hints.get("emoji", "🙂"),
        }
    if kind == "video_note":
        return {**data, "length": hints.get("length", 240), "duration": hints.get("duration", 1)}
    named = {
        "file_name": stored.file_name,
        "mime_type": stored.mime_type or _DEFAULT_MIME.get(kind),
    }
    data.update({k: v for k, v in named.items() if v is not None})
    if kind in ("video", "animation"):
        data.update(
            width=hints.get("width", 640),
            height=hints.get("height", 360),
            duration=hints.get("duration", 1),
        )
    elif kind == "audio":
        data["duration"] = hints.get("duration", 1)
        data.update({k: hints[k] for k in ("performer", "title") if k in hints})
    elif kind == "voice":
        data.pop("file_name", None)
        data["duration"] = hints.get("duration", 1)
    return data


def file_ids_of(content: dict[str, Any]) -> list[str]:
    """The ``file_id`` of every file in a message body (the largest photo size)."""
    found = []
    for kind in MEDIA_KINDS:
        value = content.get(kind)
        if isinstance(value, list) and value:
            found.append(value[-1]["file_id"])
        elif isinstance(value, dict):
            found.append(value["file_id"])
    return found
