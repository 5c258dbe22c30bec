"""Map VK message objects (Bots Long Poll / Callback API, v5.199) to core entities.

Pure: no network, no state. The sender's names come in as a :class:`VkUser` (the
caller looks them up with ``users.get``) and the language as a locale code.

What each VK attachment becomes (all of one message stay ONE :class:`InboundMessage`,
so message ids stay unique per chat; the operator side shows several photos as one
album):

* ``photo`` → a PHOTO attachment per photo (the largest size, or ``orig_photo``);
* ``doc`` → DOCUMENT (``file_name`` is the title, with its extension);
* ``audio_message`` → VOICE (the OGG/Opus link, which Telegram plays as a voice note;
  the MP3 link when there is no OGG);
* ``sticker`` → STICKER shown as an image: the largest of ``images_with_background``
  (it is posted as a photo, which has no transparency), else of ``images``;
* ``audio`` → an AUDIO attachment with metadata only, shown as the text line
  "🎵 artist — title": bots cannot download VK music;
* ``video`` → a VIDEO attachment with metadata only, shown as "🎬 title (duration)"
  and its vk.com link: bots cannot download VK videos;
* ``link`` → its title and URL as text; ``wall`` → the post's text and URL as text;
* anything else (a poll, a gift, a market item …) → "[type]" as text;
* ``fwd_messages`` → quoted lines ("» …", nested quotes get more "»") after the text;
* ``reply_message`` → ``reply_to_message_id``.

Every attachment's ``details`` keep the VK ids (``vk_type``, ``owner_id``, ``id``,
``access_key``, ``vk_attachment`` like ``photo1_2``) and, for files, the download
``url``. ``file_id`` stays empty: it means a Telegram file id everywhere else.
The content's kind is that of its first file (photo, document, voice, sticker), or
TEXT when nothing in it can be downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.entities import Attachment, Content, CustomerProfile, InboundEdit, InboundMessage
from core.enums import Channel, MessageKind
from core.limits import customer_profile

__all__ = [
    "VkUser",
    "content_of",
    "inbound_edit_of",
    "inbound_of",
    "language_of",
    "profile_of",
]

# VK's client_info.lang_id → language; the desk's DEFAULT_LANGUAGE covers the rest
_LANG_IDS = {0: "ru", 1: "uk", 2: "be", 3: "en", 4: "es", 5: "fi", 6: "de", 7: "it"}
_FILE_KINDS = (MessageKind.PHOTO, MessageKind.DOCUMENT, MessageKind.VOICE, MessageKind.STICKER)


@dataclass(frozen=True, slots=True)
class VkUser:
    """What ``users.get`` says about a VK user (``screen_name`` may be absent)."""

    id: int
    first_name: str = ""
    last_name: str = ""
    screen_name: str | None = None


def language_of(client_info: dict[str, Any] | None) -> str:
    """The language of a VK client from its ``lang_id`` ("" when VK did not say)."""
    lang_id = (client_info or {}).get("lang_id")
    return _LANG_IDS.get(lang_id, "") if isinstance(lang_id, int) else ""


def profile_of(user: VkUser, language: str) -> CustomerProfile:
    """The customer profile of a VK user (names cut to what their columns hold)."""
    return customer_profile(
        Channel.VK, user.id, user.first_name, user.last_name, user.screen_name, language
    )


def _ids(vk_type: str, item: dict[str, Any]) -> dict[str, Any]:
    owner, ident, key = item.get("owner_id"), item.get("id"), item.get("access_key")
    details: dict[str, Any] = {"vk_type": vk_type}
    if owner is not None and ident is not None:
        details |= {"owner_id": owner, "id": ident}
        details["vk_attachment"] = f"{vk_type}{owner}_{ident}" + (f"_{key}" if key else "")
    if key:
        details["access_key"] = key
    return details


def _largest(images: list[dict[str, Any]]) -> dict[str, Any] | None:
    sized = [image for image in images if image.get("url")]
    if not sized:
        return None
    return max(sized, key=lambda image: int(image.get("width", 0)) * int(image.get("height", 0)))


def _photo(photo: dict[str, Any]) -> Attachment:
    best = _largest([*photo.get("sizes", []), photo.get("orig_photo") or {}]) or {}
    details = _ids("photo", photo) | {
        "url": best.get("url"),
        "width": best.get("width"),
        "height": best.get("height"),
    }
    return Attachment(kind=MessageKind.PHOTO, details=_clean(details))


def _doc(doc: dict[str, Any]) -> Attachment:
    title, ext = str(doc.get("title") or "file"), str(doc.get("ext") or "")
    name = title if not ext or title.lower().endswith(f".{ext.lower()}") else f"{title}.{ext}"
    details = _ids("doc", doc) | {"url": doc.get("url"), "ext": ext or None}
    return Attachment(
        kind=MessageKind.DOCUMENT,
        file_name=name,
        file_size=doc.get("size"),
        details=_clean(details),
    )


def _voice(voice: dict[str, Any]) -> Attachment:
    url = voice.get("link_ogg") or voice.get("link_mp3")
    mime = "audio/ogg" if voice.get("link_ogg") else "audio/mpeg"
    details = _ids("audio_message", voice) | {"url": url, "duration": voice.get("duration")}
    return Attachment(kind=MessageKind.VOICE, mime_type=mime, details=_clean(details))


def _sticker(sticker: dict[str, Any]) -> Attachment:
    best = _largest(sticker.get("images_with_background") or []) or _largest(
        sticker.get("images") or []
    )
    details = {
        "vk_type": "sticker",
        "sticker_id": sticker.get("sticker_id"),
        "product_id": sticker.get("product_id"),
        "url": (best or {}).get("url"),
    }
    return Attachment(kind=MessageKind.STICKER, details=_clean(details))


def _duration(seconds: Any) -> str:
    total = int(seconds or 0)
    return f"{total // 60}:{total % 60:02d}"


def _described(vk_type: str, item: dict[str, Any]) -> tuple[Attachment | None, str]:
    """Attachments bots cannot download: what to keep, and the text line shown instead."""
    if vk_type == "audio":
        details = _ids("audio", item) | {
            "artist": item.get("artist"),
            "title": item.get("title"),
            "duration": item.get("duration"),
        }
        line = f"🎵 {item.get('artist') or '?'} — {item.get('title') or '?'}"
        return Attachment(kind=MessageKind.AUDIO, details=_clean(details)), line
    if vk_type == "video":
        link = f"https://vk.com/video{item.get('owner_id')}_{item.get('id')}"
        details = _ids("video", item) | {"title": item.get("title"), "link": link}
        line = f"🎬 {item.get('title') or 'video'} ({_duration(item.get('duration'))}) {link}"
        return Attachment(kind=MessageKind.VIDEO, details=_clean(details)), line
    if vk_type == "link":
        title = item.get("title") or ""
        return None, f"🔗 {title} {item.get('url', '')}".replace("  ", " ").strip()
    if vk_type == "wall":
        owner = item.get("owner_id", item.get("to_id", item.get("from_id")))
        link = f"https://vk.com/wall{owner}_{item.get('id')}"
        text = str(item.get("text") or "").strip()
        return None, f"📝 {link}" + (f"\n{text}" if text else "")
    return None, f"[{vk_type}]"


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


_FILES = {"photo": _photo, "doc": _doc, "audio_message": _voice, "sticker": _sticker}


def _attachments(message: dict[str, Any]) -> tuple[list[Attachment], list[str]]:
    files: list[Attachment] = []
    lines: list[str] = []
    for raw in message.get("attachments") or []:
        vk_type = str(raw.get("type", ""))
        item = raw.get(vk_type) or {}
        if vk_type in _FILES:
            files.append(_FILES[vk_type](item))
            continue
        attachment, line = _described(vk_type, item)
        if attachment is not None:
            files.append(attachment)
        lines.append(line)
    return files, lines


def _quoted(forwarded: list[dict[str, Any]], depth: int = 1) -> list[str]:
    """Forwarded messages as quote lines; their attachments are named, not carried."""
    lines: list[str] = []
    mark = "»" * depth + " "
    for item in forwarded:
        _, described = _attachments(item)
        kinds = [f"[{a.get('type')}]" for a in item.get("attachments") or [] if a.get("type")]
        body = [*str(item.get("text") or "").splitlines(), *described]
        body += [kind for kind in kinds if kind[1:-1] in _FILES]
        lines += [mark + line for line in body if line.strip()] or [mark + "…"]
        lines += _quoted(item.get("fwd_messages") or [], depth + 1)
    return lines


def content_of(message: dict[str, Any]) -> Content:
    """What a VK message says: its text, described extras, quotes and files."""
    files, lines = _attachments(message)
    chunks = [str(message.get("text") or "").strip(), "\n".join(lines)]
    chunks.append("\n".join(_quoted(message.get("fwd_messages") or [])))
    text = "\n\n".join(chunk for chunk in chunks if chunk) or None
    kinds = [a.kind for a in files if a.kind in _FILE_KINDS]
    kind = min(kinds, key=_FILE_KINDS.index) if kinds else MessageKind.TEXT
    return Content(kind=kind, text=text, attachments=tuple(files))


def _moment(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value or 0), UTC)


def inbound_of(message: dict[str, Any], user: VkUser, language: str) -> InboundMessage:
    """A customer's new message (``message_new``'s ``object.message``)."""
    reply = message.get("reply_message") or {}
    return InboundMessage(
        profile=profile_of(user, language),
        chat_id=int(message["peer_id"]),
        message_id=int(message["id"]),
        sent_at=_moment(message.get("date")),
        content=content_of(message),
        reply_to_message_id=int(reply["id"]) if reply.get("id") else None,
    )


def inbound_edit_of(message: dict[str, Any], user: VkUser, language: str) -> InboundEdit:
    """A customer's edit (``message_edit``'s object, the message as it is now)."""
    return InboundEdit(
        profile=profile_of(user, language),
        chat_id=int(message["peer_id"]),
        message_id=int(message["id"]),
        edited_at=_moment(message.get("update_time") or message.get("date")),
        content=content_of(message),
    )
