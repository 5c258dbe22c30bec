"""Uploaded files: bytes kept in memory, addressed by ``file_id``.

Every upload gets a fresh ``file_id``; identical bytes of the same kind share a
``file_unique_id``, as on Telegram. Bytes are never re-encoded, so a download
returns exactly what was uploaded.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import mimetypes
import struct
from dataclasses import dataclass

from .errors import WRONG_FILE, bad_request

# Folders Telegram uses in ``file_path`` for each kind of media.
_FOLDERS = {
    "photo": "photos",
    "video": "videos",
    "animation": "animations",
    "document": "documents",
    "audio": "music",
    "voice": "voice",
    "video_note": "video_notes",
    "sticker": "stickers",
    "thumbnail": "thumbnails",
}

# One-byte tags that make file ids of different kinds look different.
_KIND_TAGS = {kind: i + 1 for i, kind in enumerate(_FOLDERS)}


@dataclass(frozen=True)
class StoredFile:
    """One upload: identifiers, bytes and metadata."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str
    file_name: str | None
    mime_type: str | None

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)


class FileStore:
    """All files the sandbox knows, by ``file_id`` and by ``file_path``."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def add(
        self, kind: str, data: bytes, file_name: str | None = None, mime_type: str | None = None
    ) -> StoredFile:
        """Store ``data`` as a new upload of ``kind`` and return its record."""
        n = next(self._counter)
        tag = _KIND_TAGS.get(kind, 0)
        digest = hashlib.sha256(bytes([tag]) + data).digest()
        raw_id = bytes([tag, 0, 0, 0]) + struct.pack(">Q", n) + digest[:12]
        file_id = "AgAC" + base64.urlsafe_b64encode(raw_id).decode().rstrip("=")
        unique_id = "AQAD" + base64.urlsafe_b64encode(digest[:9]).decode().rstrip("=")
        if mime_type is None and file_name:
            mime_type = mimetypes.guess_type(file_name)[0]
        extension = _extension(file_name, mime_type, kind)
        path = f"{_FOLDERS.get(kind, 'documents')}/file_{n}{extension}"
        stored = StoredFile(file_id, unique_id, kind, data, path, file_name, mime_type)
        self._by_id[file_id] = stored
        self._by_path[path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile:
        """The file with ``file_id`` or Telegram's "wrong file identifier" error."""
        stored = self._by_id.get(file_id)
        if stored is None:
            raise bad_request(WRONG_FILE)
        return stored

    def find(self, file_id: str) -> StoredFile | None:
        """The file with ``file_id`` or ``None``."""
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        """The file served at ``/file/bot<token>/<path>``."""
        return self._by_path.get(path)


def _extension(file_name: str | None, mime_type: str | None, kind: str) -> str:
    if file_name and "." in file_name:
        return "." + file_name.rsplit(".", 1)[1]
    if mime_type:
        guessed = mimetypes.guess_extension(mime_type)
        if guessed:
            return guessed
    defaults = {
        "photo": ".jpg",
        "video": ".mp4",
        "animation": ".mp4",
        "voice": ".oga",
        "video_note": ".mp4",
        "sticker": ".webp",
        "audio": ".mp3",
    }
    return defaults.get(kind, "")


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, GIF or JPEG; a plausible default otherwise."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data) or (800, 600)
    return 800, 600


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + length
    return None
