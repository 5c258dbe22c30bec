"""Attachment specs for what users send, and the VK-shaped objects they become.

``vk.photo()``, ``vk.doc(...)`` and friends return small specs; ``user_writes``
turns them into attachments owned by the user, storing any bytes so the
adapter can download them from the URLs in the objects.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from .media import TINY_PNG, MediaStore
from .models import (
    AttachmentSpec,
    AudioMessageSpec,
    AudioSpec,
    DocSpec,
    LinkSpec,
    PhotoSpec,
    StickerSpec,
    VideoSpec,
    WallSpec,
)

# Two Ogg pages of silence would do; a recognisable header is enough for tests.
DEFAULT_OGG = b"OggS\x00\x02" + bytes(20) + b"OpusHead"


class AttachmentSpecs:
    """Factories for the things a user can attach (mixed into the sandbox)."""

    def photo(self, data: bytes | None = None) -> PhotoSpec:
        """A photo; by default a tiny valid PNG."""
        return PhotoSpec(TINY_PNG if data is None else data)

    def doc(self, title: str = "report.pdf", data: bytes = b"%PDF-1.4 sandbox") -> DocSpec:
        """A document file."""
        return DocSpec(title, data)

    def audio_message(self, data: bytes = DEFAULT_OGG, duration: int = 3) -> AudioMessageSpec:
        """A voice message (Ogg Opus bytes as VK's clients record them)."""
        return AudioMessageSpec(data, duration)

    def sticker(self, sticker_id: int = 123) -> StickerSpec:
        """A sticker."""
        return StickerSpec(sticker_id)

    def audio(self, artist: str = "A", title: str = "T", duration: int = 60) -> AudioSpec:
        """A music track."""
        return AudioSpec(artist, title, duration)

    def video(self, title: str = "Clip", duration: int = 10) -> VideoSpec:
        """A VK video."""
        return VideoSpec(title, duration)

    def link(self, url: str = "https://example.com", title: str = "Example") -> LinkSpec:
        """A link snippet."""
        return LinkSpec(url, title)

    def wall(self, text: str = "post text") -> WallSpec:
        """A shared wall post."""
        return WallSpec(text)


def build_attachment(media: MediaStore, owner_id: int, spec: AttachmentSpec) -> dict[str, Any]:
    """The VK attachment dict for ``spec``, sent by user ``owner_id``."""
    now = int(time.time())
    if isinstance(spec, PhotoSpec):
        return media.photo(owner_id, spec.data)
    if isinstance(spec, DocSpec):
        return media.doc(owner_id, spec.title, spec.data)
    if isinstance(spec, AudioMessageSpec):
        return media.audio_message(owner_id, spec.data, spec.duration)
    if isinstance(spec, StickerSpec):
        url = media.put(TINY_PNG, f"sticker_{spec.sticker_id}.png")
        images = [{"url": url, "width": n, "height": n} for n in (64, 128, 256, 352, 512)]
        sticker = {
            "product_id": 1, "sticker_id": spec.sticker_id, "images": images,
            "images_with_background": images, "inner_type": "base_sticker_new", "is_allowed": True,
        }  # fmt: skip
        return {"type": "sticker", "sticker": sticker}
    if isinstance(spec, AudioSpec):
        fields = {"artist": spec.artist, "title": spec.title, "duration": spec.duration,
                  "url": "", "date": now, "is_explicit": False}  # fmt: skip
        return media.simple("audio", owner_id, fields)
    if isinstance(spec, VideoSpec):
        fields = {"title": spec.title, "duration": spec.duration, "date": now, "description": "",
                  "access_key": secrets.token_hex(9), "type": "video", "views": 0}  # fmt: skip
        return media.simple("video", owner_id, fields)
    if isinstance(spec, LinkSpec):
        return media.simple("link", owner_id, {"url": spec.url, "title": spec.title,
                                               "caption": "", "description": ""})  # fmt: skip
    if isinstance(spec, WallSpec):
        fields = {
            "from_id": owner_id,
            "date": now,
            "text": spec.text,
            "post_type": "post",
            "inner_type": "wall_wallpost",
            "attachments": [],
            "comments": {"count": 0},
        }
        return media.simple("wall", owner_id, fields)
    raise TypeError(f"not an attachment spec: {spec!r}")
