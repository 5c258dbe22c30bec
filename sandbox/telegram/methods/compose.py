"""Pieces shared by every method that sends or edits a message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import errors as E
from ..errors import bad_request
from ..files import StoredFile
from ..formatting import detect_entities, parse, utf16_len
from ..media import media_json
from ..models import Chat, Message
from ..params import Params
from ..serialize import message_json
from .base import Call

MAX_TEXT = 4096
MAX_CAPTION = 1024


@dataclass
class Target:
    """Where a new message goes: chat, topic and the message it replies to."""

    chat: Chat
    thread_id: int | None
    reply_to: int | None


def target(call: Call, chat_key: str = "chat_id") -> Target:
    """Resolve ``chat_id``, ``message_thread_id`` and the reply parameters."""
    world, p = call.world, call.p
    chat = world.chat_for_bot(call.bot, p.chat_id(chat_key), sending=True)
    thread_id = p.int("message_thread_id")
    reply_id, allow_missing = _reply_request(p)
    reply_to = None
    if reply_id is not None:
        replied = chat.messages.get(reply_id)
        if replied is None:
            if not allow_missing:
                raise bad_request("message to be replied not found")
        else:
            reply_to = reply_id
            if thread_id is None:
                thread_id = replied.thread_id  # a reply lands in the replied message's topic
    thread = world.thread_for(chat, thread_id, call.me(chat))
    return Target(chat, thread, reply_to)


def _reply_request(p: Params) -> tuple[int | None, bool]:
    params = p.json("reply_parameters")
    if isinstance(params, dict) and params.get("message_id") is not None:
        return int(params["message_id"]), bool(params.get("allow_sending_without_reply"))
    return p.int("reply_to_message_id"), p.bool("allow_sending_without_reply")


def send(call: Call, to: Target, kind: str, content: dict[str, Any], **extra: Any) -> Message:
    """Spend the flood budget and post the bot's message."""
    call.world.flood.spend(call.bot.id, to.chat.id)
    return call.world.post(
        to.chat,
        call.bot.user,
        kind,
        content,
        thread_id=to.thread_id,
        reply_to=to.reply_to,
        reply_markup=inline_markup(call.p),
        protect_content=call.p.bool("protect_content"),
        silent=call.p.bool("disable_notification"),
        **extra,
    )


def sent(message: Message) -> dict[str, Any]:
    """The ``Message`` a send method returns."""
    return message_json(message)


def inline_markup(p: Params) -> dict[str, Any] | None:
    """The inline keyboard to keep on the message (other keyboards are not stored)."""
    markup = p.json("reply_markup")
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            _check_button(button)
    return {"inline_keyboard": markup["inline_keyboard"]}


_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def _check_button(button: dict[str, Any]) -> None:
    if not button.get("text"):
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    if not any(key in button for key in _ACTIONS):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if data is not None and not 1 <= len(str(data).encode()) <= 64:
        raise bad_request("BUTTON_DATA_INVALID")


def text_content(p: Params, key: str = "text") -> dict[str, Any]:
    """``text`` + ``entities`` after parse_mode, with Telegram's checks."""
    raw = p.str(key) or ""
    text, entities = _formatted(raw, p.str("parse_mode"), p.json("entities"))
    if not text.strip():
        raise bad_request(E.TEXT_EMPTY)
    if utf16_len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    content: dict[str, Any] = {"text": text}
    if entities:
        content["entities"] = entities
    return content


def caption_content(caption: str | None, parse_mode: str | None, entities: Any) -> dict[str, Any]:
    """``caption`` + ``caption_entities`` (empty when there is no caption)."""
    if not caption:
        return {}
    text, found = _formatted(caption, parse_mode, entities)
    if utf16_len(text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    content: dict[str, Any] = {"caption": text}
    if found:
        content["caption_entities"] = found
    return content


def _formatted(raw: str, parse_mode: str | None, entities: Any) -> tuple[str, list[Any]]:
    if isinstance(entities, list) and entities:
        text, found = raw, entities
    else:
        text, found = parse(raw, parse_mode)
    return text, detect_entities(text, found)


def resolve_file(call: Call, value: Any, kind: str) -> StoredFile:
    """An uploaded part, an ``attach://`` reference or a ``file_id``."""
    p = call.p
    if isinstance(value, str) and value.startswith("attach://"):
        upload = p.attached(value)
        return call.world.files.add(kind, upload.data, upload.filename, upload.content_type)
    if not isinstance(value, str) or not value:
        raise bad_request(f"there is no {kind} in the request")
    if value.startswith(("http://", "https://")):
        # The sandbox is offline: it never fetches URLs.
        raise bad_request("failed to get HTTP URL content")
    return call.world.files.get(value)


def file_param(call: Call, kind: str) -> StoredFile:
    """The file of the send method's main parameter (``photo``, ``document``...)."""
    upload = call.p.upload(kind)
    if upload is not None:
        return call.world.files.add(kind, upload.data, upload.filename, upload.content_type)
    return resolve_file(call, call.p.values.get(kind), kind)


def media_body(kind: str, stored: StoredFile, hints: dict[str, Any]) -> dict[str, Any]:
    """The message body holding one file of ``kind``."""
    return {kind: media_json(kind, stored, hints)}
