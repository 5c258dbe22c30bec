"""Reaction emoji Telegram accepts in ``ReactionTypeEmoji``."""

from __future__ import annotations

from typing import Any

from .errors import bad_request

ALLOWED_EMOJI = frozenset(
    "❤ 👍 👎 🔥 🥰 👏 😁 🤔 🤯 😱 🤬 😢 🎉 🤩 🤮 💩 🙏 👌 🕊 🤡 🥱 🥴 😍 🐳 ❤‍🔥 🌚 🌭 💯 🤣 ⚡ "
    "🍌 🏆 💔 🤨 😐 🍓 🍾 💋 🖕 😈 😴 😭 🤓 👻 👨‍💻 👀 🎃 🙈 😇 😨 🤝 ✍ 🤗 🫡 🎅 🎄 ☃ 💅 🤪 "
    "🗿 🆒 💘 🙉 🦄 😘 💊 🙊 😎 👾 🤷‍♂ 🤷 🤷‍♀ 😡".split()
)


def check_reactions(reaction: Any, max_count: int = 1) -> list[dict[str, Any]]:
    """Validate a ``reaction`` list as Telegram does and return it normalised."""
    if reaction is None:
        return []
    if not isinstance(reaction, list):
        raise bad_request("REACTION_INVALID")
    result = []
    for item in reaction:
        if not isinstance(item, dict):
            raise bad_request("REACTION_INVALID")
        if item.get("type") == "emoji":
            if item.get("emoji") not in ALLOWED_EMOJI:
                raise bad_request("REACTION_INVALID")
            result.append({"type": "emoji", "emoji": item["emoji"]})
        elif item.get("type") == "custom_emoji" and item.get("custom_emoji_id"):
            result.append({"type": "custom_emoji", "custom_emoji_id": item["custom_emoji_id"]})
        else:
            raise bad_request("REACTION_INVALID")
    if len(result) > max_count:
        raise bad_request("REACTIONS_TOO_MANY")
    return result
