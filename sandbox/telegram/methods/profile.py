"""The bot's profile and menu button, and people's profile photos.

setMyName, getMyName, setMyDescription, getMyDescription, setMyShortDescription,
getMyShortDescription, setChatMenuButton, getChatMenuButton, getUserProfilePhotos.
Texts are kept per language code; the empty code is the fallback for every other
language, and the fallback name is the bot's ``first_name`` (what getMe shows).
"""

from __future__ import annotations

import re
from typing import Any

from .. import errors as E
from ..errors import bad_request
from ..media import media_json
from .base import Call, method

#: the Bot API's length limits of the bot's texts
LIMITS = {"name": 64, "description": 512, "short_description": 120}
_MENU_TYPES = ("commands", "web_app", "default")


def _language(call: Call) -> str:
    code = call.p.str("language_code") or ""
    if code and not re.fullmatch(r"[a-z]{2}", code):
        raise bad_request("LANG_CODE_INVALID")
    return code


def _set_text(call: Call, kind: str) -> bool:
    language = _language(call)
    text = call.p.str(kind) or ""
    if len(text) > LIMITS[kind]:
        raise bad_request(f"{kind} is too long")
    if kind == "name" and not language:
        if not text:
            raise bad_request("name is empty")  # the fallback name can't be removed
        call.bot.user.first_name = text
        return True
    if text:
        call.bot.profile[(kind, language)] = text
    else:
        call.bot.profile.pop((kind, language), None)
    return True


def _get_text(call: Call, kind: str) -> str:
    language = _language(call)
    fallback = call.bot.user.first_name if kind == "name" else ""
    found = call.bot.profile.get((kind, language)) or call.bot.profile.get((kind, ""))
    return found or fallback


@method("setMyName")
async def set_my_name(call: Call) -> bool:
    """setMyName: 0-64 characters; empty removes a language's dedicated name."""
    return _set_text(call, "name")


@method("getMyName")
async def get_my_name(call: Call) -> dict[str, str]:
    """getMyName: a ``BotName``."""
    return {"name": _get_text(call, "name")}


@method("setMyDescription")
async def set_my_description(call: Call) -> bool:
    """setMyDescription: 0-512 characters, shown in an empty chat with the bot."""
    return _set_text(call, "description")


@method("getMyDescription")
async def get_my_description(call: Call) -> dict[str, str]:
    """getMyDescription: a ``BotDescription``."""
    return {"description": _get_text(call, "description")}


@method("setMyShortDescription")
async def set_my_short_description(call: Call) -> bool:
    """setMyShortDescription: 0-120 characters, shown on the bot's profile page."""
    return _set_text(call, "short_description")


@method("getMyShortDescription")
async def get_my_short_description(call: Call) -> dict[str, str]:
    """getMyShortDescription: a ``BotShortDescription``."""
    return {"short_description": _get_text(call, "short_description")}


def _menu_chat(call: Call) -> int:
    """0 for the bot's default button, else the id of a private chat with the bot."""
    chat_id = call.p.int("chat_id")
    if chat_id is None:
        return 0
    chat = call.world.chat_for_bot(call.bot, chat_id)
    if not chat.is_private:
        raise bad_request(E.CHAT_NOT_FOUND)  # menu buttons live in private chats only
    return chat.id


def _menu_button(call: Call) -> dict[str, Any]:
    button = call.p.json("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in _MENU_TYPES:
        raise bad_request("can't parse menu_button JSON object")
    if button["type"] != "web_app":
        return {"type": button["type"]}
    text, app = button.get("text"), button.get("web_app")
    if not text or not isinstance(app, dict) or not str(app.get("url", "")).startswith("https://"):
        raise bad_request("BUTTON_URL_INVALID" if text else "BUTTON_TEXT_INVALID")
    return {"type": "web_app", "text": str(text), "web_app": {"url": app["url"]}}


@method("setChatMenuButton")
async def set_chat_menu_button(call: Call) -> bool:
    """setChatMenuButton: for one private chat, or the default without ``chat_id``."""
    call.bot.menu_buttons[_menu_chat(call)] = _menu_button(call)
    return True


@method("getChatMenuButton")
async def get_chat_menu_button(call: Call) -> dict[str, Any]:
    """getChatMenuButton: the chat's own button, else the default (the command list)."""
    buttons = call.bot.menu_buttons
    for key in (_menu_chat(call), 0):
        found = buttons.get(key)
        if found is not None and found["type"] != "default":
            return found
    return {"type": "commands"}


@method("getUserProfilePhotos")
async def get_user_profile_photos(call: Call) -> dict[str, Any]:
    """getUserProfilePhotos: newest first; ``offset`` and ``limit`` (1-100) page them."""
    user = call.world.users.get(call.p.req_int("user_id"))
    if user is None:
        raise bad_request("user not found")
    offset = max(call.p.int("offset", 0) or 0, 0)
    limit = min(max(call.p.int("limit", 100) or 100, 1), 100)
    chosen = user.profile_photos[offset : offset + limit]
    photos = [media_json("photo", call.world.files.get(file_id)) for file_id in chosen]
    return {"total_count": len(user.profile_photos), "photos": photos}
