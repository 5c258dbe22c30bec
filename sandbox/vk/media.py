"""Stored files and the VK-shaped media objects that point at them.

Every photo, document and voice message keeps its bytes here and its object
carries URLs under ``{base_url}/files/...``, so an adapter downloads exactly
what was uploaded or sent. Objects are also registered by
``<type><owner_id>_<id>`` so ``messages.send`` can attach them again.
"""

from __future__ import annotations

import itertools
import mimetypes
import re
import secrets
import struct
import time
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .errors import SandboxError


def _png(width: int = 1, height: int = 1) -> bytes:
    """A valid all-white RGB PNG, built rather than pasted so it is surely well formed."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff" * 3 * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# What ``vk.photo()`` sends by default.
TINY_PNG = _png()
ATTACHMENT_RE = re.compile(r"^([a-z_]+?)(-?\d+)_(\d+)(?:_([0-9a-zA-Z]+))?$")
# VK's doc "type": 1 text, 2 archive, 3 gif, 4 image, 5 audio, 6 video, 7 e-book, 8 other.
DOC_TYPES = {
    "txt": 1, "pdf": 1, "doc": 1, "docx": 1, "zip": 2, "rar": 2, "7z": 2, "gif": 3,
    "jpg": 4, "jpeg": 4, "png": 4, "mp3": 5, "ogg": 5, "mp4": 6, "epub": 7, "fb2": 7,
}  # fmt: skip


@dataclass(frozen=True)
class StoredFile:
    """Bytes served at ``/files/<key>/<name>``."""

    key: str
    name: str
    data: bytes
    mime_type: str


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF or JPEG, or ``None`` if it is not an image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return struct.unpack("<HH", data[6:10])
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
        return (100, 100)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return (100, 100)  # good enough: VK re-encodes anyway
    return None


def ogg_duration(data: bytes) -> int:
    """Seconds in an Ogg Opus stream (last page granule / 48 kHz), at least 1."""
    last = data.rfind(b"OggS")
    if last < 0 or last + 14 > len(data):
        return 1
    granule = struct.unpack("<q", data[last + 6 : last + 14])[0]
    return max(1, round(granule / 48000))


class MediaStore:
    """Files plus the media objects of one sandbox."""

    def __init__(self) -> None:
        self.base_url = ""
        self.files: dict[str, StoredFile] = {}
        self.objects: dict[tuple[str, int, int], dict[str, Any]] = {}
        self._ids = itertools.count(457239017)

    def put(self, data: bytes, name: str, mime_type: str | None = None) -> str:
        """Store ``data`` and return its download URL."""
        key = secrets.token_hex(8)
        mime = mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        self.files[key] = StoredFile(key, name, data, mime)
        return f"{self.base_url}/files/{key}/{quote(name)}"

    def by_url(self, url: str) -> StoredFile:
        """The stored file behind one of our URLs."""
        match = re.search(r"/files/([0-9a-f]+)/", url)
        if match is None or match.group(1) not in self.files:
            raise SandboxError(f"not a sandbox file URL: {url}")
        return self.files[match.group(1)]

    def _register(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        self.objects[(kind, obj["owner_id"], obj["id"])] = obj
        return {"type": kind, kind: obj}

    def photo(self, owner_id: int, data: bytes, album_id: int = -3) -> dict[str, Any]:
        """A photo attachment; every size points at the original bytes (no resizing)."""
        width, height = image_size(data) or (100, 100)
        url = self.put(data, "photo.jpg" if data.startswith(b"\xff\xd8") else "photo.png")
        sizes = [
            {"type": kind, "width": width, "height": height, "url": url}
            for kind in ("s", "m", "x", "y", "z", "w", "base")
        ]
        obj = {
            "album_id": album_id, "date": int(time.time()), "id": next(self._ids),
            "owner_id": owner_id, "access_key": secrets.token_hex(9), "sizes": sizes,
            "text": "", "has_tags": False, "web_view_token": secrets.token_hex(9),
            "orig_photo": {"type": "base", "width": width, "height": height, "url": url},
        }  # fmt: skip
        return self._register("photo", obj)

    def doc(self, owner_id: int, title: str, data: bytes) -> dict[str, Any]:
        """A document attachment with a download URL."""
        ext = title.rsplit(".", 1)[-1].lower() if "." in title else ""
        obj = {
            "id": next(self._ids), "owner_id": owner_id, "title": title, "size": len(data),
            "ext": ext, "date": int(time.time()), "type": DOC_TYPES.get(ext, 8),
            "url": self.put(data, title or "file"), "access_key": secrets.token_hex(9),
        }  # fmt: skip
        return self._register("doc", obj)

    def audio_message(self, owner_id: int, data: bytes, duration: int) -> dict[str, Any]:
        """A voice message: ``link_ogg`` is the uploaded file, ``link_mp3`` the same bytes."""
        url = self.put(data, "audio_message.ogg", "audio/ogg")
        obj = {
            "id": next(self._ids), "owner_id": owner_id, "duration": duration,
            "waveform": [0, 8, 16, 31, 16, 8, 0][: max(1, min(duration, 7))],
            "link_ogg": url, "link_mp3": url, "access_key": secrets.token_hex(9),
        }  # fmt: skip
        return self._register("audio_message", obj)

    def simple(self, kind: str, owner_id: int, fields: dict[str, Any]) -> dict[str, Any]:
        """Stickers, audio, video, links and wall posts: no stored bytes."""
        if kind == "link":
            return {"type": "link", "link": fields}
        obj = {"id": next(self._ids), "owner_id": owner_id, **fields}
        return self._register(kind, obj)

    def resolve(self, spec: str) -> dict[str, Any] | None:
        """``photo-1_2`` / ``doc5_7_key`` -> the attachment dict, or ``None``."""
        match = ATTACHMENT_RE.match(spec.strip())
        if match is None:
            return None
        kind, owner, item = match.group(1), int(match.group(2)), int(match.group(3))
        obj = self.objects.get((kind, owner, item))
        if obj is None and kind == "doc":  # VK accepts doc<...> for voice messages too
            obj = self.objects.get(("audio_message", owner, item))
            kind = "audio_message" if obj is not None else kind
        return None if obj is None else {"type": kind, kind: obj}


def file_url(attachment: dict[str, Any] | str) -> str:
    """The download URL inside an attachment dict (or the URL itself)."""
    if isinstance(attachment, str):
        return attachment
    kind = attachment.get("type")
    obj = attachment.get(kind, attachment) if isinstance(kind, str) else attachment
    if "sizes" in obj:
        return obj.get("orig_photo", obj["sizes"][-1])["url"]
    for key in ("url", "link_ogg", "link_mp3"):
        if obj.get(key):
            return str(obj[key])
    raise SandboxError(f"attachment has no file: {attachment}")
