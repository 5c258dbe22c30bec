"""The people, communities, messages and attachment specs of the VK sandbox.

These are plain dataclasses; :class:`~sandbox.vk.world.VkWorld` owns them.
``VkMessage`` objects handed to tests are snapshots: the world keeps its own
copies, so a test can compare a message before and after an edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# VK's lang_id values in client_info (see the Bots Long Poll docs).
LANG_IDS = {"ru": 0, "uk": 1, "be": 2, "en": 3, "es": 4, "fi": 5, "de": 6, "it": 7}

ALL_BUTTON_ACTIONS = (
    "text",
    "vkpay",
    "open_app",
    "location",
    "open_link",
    "callback",
    "intent_subscribe",
    "intent_unsubscribe",
)


@dataclass(frozen=True)
class VkUser:
    """A VK person; ``id`` is positive, as VK user ids are."""

    id: int
    first_name: str
    last_name: str
    screen_name: str
    lang: str = "ru"
    sex: int = 0


@dataclass(frozen=True)
class Community:
    """A VK community with a community access token.

    ``confirmation`` is the string its Callback API server must answer VK's
    confirmation request with (shown beside the server's address on VK).
    """

    id: int
    token: str
    name: str
    confirmation: str = ""


@dataclass
class VkMessage:
    """One message of a community's conversation with a user, as VK shows it.

    ``from_id`` is negative for the community's own messages; ``attachments``
    are VK-shaped dicts (``{"type": "photo", "photo": {...}}``).
    """

    id: int
    conversation_message_id: int
    peer_id: int
    from_id: int
    text: str
    attachments: list[dict[str, Any]] = field(default_factory=list)
    keyboard: dict[str, Any] | None = None
    reply_to: int | None = None
    fwd: list[VkMessage] = field(default_factory=list)
    random_id: int = 0
    edited: bool = False
    date: int = 0
    payload: str | None = None
    update_time: int | None = None
    # Who reacted with what: reactor id (negative = a community) -> VK reaction id.
    reactions: dict[int, int] = field(default_factory=dict)


# -- attachment specs for VkSandbox.user_writes --------------------------------


@dataclass(frozen=True)
class PhotoSpec:
    """A photo a user sends (raw image bytes)."""

    data: bytes


@dataclass(frozen=True)
class DocSpec:
    """A document a user sends."""

    title: str
    data: bytes


@dataclass(frozen=True)
class AudioMessageSpec:
    """A voice message a user records."""

    data: bytes
    duration: int


@dataclass(frozen=True)
class StickerSpec:
    """A sticker."""

    sticker_id: int


@dataclass(frozen=True)
class AudioSpec:
    """A music track shared from the user's audio list."""

    artist: str
    title: str
    duration: int


@dataclass(frozen=True)
class VideoSpec:
    """A video shared from VK Video (bots get no file, as on VK)."""

    title: str
    duration: int


@dataclass(frozen=True)
class LinkSpec:
    """A link snippet."""

    url: str
    title: str


@dataclass(frozen=True)
class WallSpec:
    """A wall post shared into the chat."""

    text: str


AttachmentSpec = (
    PhotoSpec
    | DocSpec
    | AudioMessageSpec
    | StickerSpec
    | AudioSpec
    | VideoSpec
    | LinkSpec
    | WallSpec
)
