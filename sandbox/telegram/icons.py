"""The custom emoji that forum topics may carry as icons (``getForumTopicIconStickers``).

Telegram lets bots use only the emoji of its default topic icon set; the sandbox has a
fixed set of its own with stable ids, so ``createForumTopic`` and ``editForumTopic`` can
refuse any other id as Telegram does.
"""

from __future__ import annotations

from typing import Any

from .errors import bad_request

ICON_SET_NAME = "Topics"
#: custom_emoji_id -> the emoji it shows
TOPIC_ICONS = {
    "5312536423851630001": "💡",
    "5312016608254762256": "⚡️",
    "5377544228505134960": "✅",
    "5379748062124056162": "❗️",
    "5377498341074542641": "❓",
    "5312241539987020022": "🔥",
    "5350305691942788490": "📈",
    "5309965701241379366": "🔍",
}


def sticker_json(custom_emoji_id: str) -> dict[str, Any]:
    """The ``Sticker`` of one topic icon."""
    return {
        "file_id": f"CAACAgIAAxUAAWbsandbox{custom_emoji_id}",
        "file_unique_id": f"AgAD{custom_emoji_id[-8:]}",
        "type": "custom_emoji",
        "width": 100,
        "height": 100,
        "is_animated": True,
        "is_video": False,
        "emoji": TOPIC_ICONS[custom_emoji_id],
        "set_name": ICON_SET_NAME,
        "custom_emoji_id": custom_emoji_id,
    }


def check_icon(custom_emoji_id: str | None) -> None:
    """Refuse an icon that is not one of :data:`TOPIC_ICONS` (``""`` removes an icon)."""
    if custom_emoji_id and custom_emoji_id not in TOPIC_ICONS:
        raise bad_request("DOCUMENT_INVALID")
