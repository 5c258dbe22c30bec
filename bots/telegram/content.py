"""Map aiogram messages to core entities (pure: no network, no state).

Every kind of message a customer or an operator can send becomes a :class:`Content`
whose attachments keep both the Telegram ids (so the message can be copied without a
re-upload) and the details another channel needs to rebuild it (sizes, durations,
coordinates, the contact's phone …).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiogram.types import Message, User

from core.entities import (
    Attachment,
    Content,
    CustomerProfile,
    InboundEdit,
    InboundMessage,
    OperatorEdit,
    OperatorMessage,
    OperatorProfile,
)
from core.enums import Channel, MessageKind
from core.i18n import language_tag
from core.limits import customer_profile, fit_optional, operator_profile
from core.models import Message as StoredMessage

__all__ = [
    "content_of",
    "inbound_edit_of",
    "inbound_of",
    "operator_edit_of",
    "operator_message_of",
    "operator_profile_of",
    "profile_of",
]

# Kinds carried by a file; the order matters: Telegram sets ``document`` next to
# ``animation`` on GIFs, so animation must win.
_FILE_KINDS: tuple[MessageKind, ...] = (
    MessageKind.ANIMATION,
    MessageKind.PHOTO,
    MessageKind.VIDEO,
    MessageKind.DOCUMENT,
    MessageKind.AUDIO,
    MessageKind.VOICE,
    MessageKind.VIDEO_NOTE,
    MessageKind.STICKER,
)

# Per file kind, the fields worth keeping to rebuild the message elsewhere.
_FILE_DETAILS: dict[MessageKind, tuple[str, ...]] = {
    MessageKind.ANIMATION: ("duration", "width", "height"),
    MessageKind.PHOTO: ("width", "height"),
    MessageKind.VIDEO: ("duration", "width", "height"),
    MessageKind.DOCUMENT: (),
    MessageKind.AUDIO: ("duration", "performer", "title"),
    MessageKind.VOICE: ("duration",),
    MessageKind.VIDEO_NOTE: ("duration", "length"),
    MessageKind.STICKER: (
        "emoji",
        "set_name",
        "type",
        "width",
        "height",
        "is_animated",
        "is_video",
    ),
}


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Drop absent and false-y flags so stored details stay small."""
    return {key: value for key, value in values.items() if value not in (None, False)}


def _file_attachment(message: Message, kind: MessageKind) -> Attachment | None:
    value = getattr(message, kind.value)
    if not value:
        return None
    if kind is MessageKind.PHOTO:
        # Telegram lists several sizes of the same photo; the largest is the original.
        value = max(value, key=lambda size: (size.width * size.height, size.file_size or 0))
    details = {name: getattr(value, name, None) for name in _FILE_DETAILS[kind]}
    if kind in (MessageKind.PHOTO, MessageKind.VIDEO, MessageKind.ANIMATION):
        details["has_spoiler"] = message.has_media_spoiler
    return Attachment(
        kind=kind,
        file_id=value.file_id,
        file_unique_id=value.file_unique_id,
        file_name=getattr(value, "file_name", None),
        mime_type=getattr(value, "mime_type", None),
        file_size=value.file_size,
        details=_clean(details),
    )


def _payload_attachment(message: Message) -> Attachment | None:
    """Location, venue, contact, dice and poll: structured payloads without a file."""
    if message.venue is not None:
        venue = message.venue
        details = {
            "latitude": venue.location.latitude,
            "longitude": venue.location.longitude,
            "title": venue.title,
            "address": venue.address,
            "foursquare_id": venue.foursquare_id,
            "foursquare_type": venue.foursquare_type,
            "google_place_id": venue.google_place_id,
            "google_place_type": venue.google_place_type,
        }
        return Attachment(kind=MessageKind.VENUE, details=_clean(details))
    if message.location is not None:
        location = message.location
        details = {
            "latitude": location.latitude,
            "longitude": location.longitude,
            "horizontal_accuracy": location.horizontal_accuracy,
            "live_period": location.live_period,
            "heading": location.heading,
        }
        return Attachment(kind=MessageKind.LOCATION, details=_clean(details))
    if message.contact is not None:
        contact = message.contact
        details = {
            "phone_number": contact.phone_number,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "user_id": contact.user_id,
            "vcard": contact.vcard,
        }
        return Attachment(kind=MessageKind.CONTACT, details=_clean(details))
    if message.dice is not None:
        details = {"emoji": message.dice.emoji, "value": message.dice.value}
        return Attachment(kind=MessageKind.DICE, details=details)
    if message.poll is not None:
        poll = message.poll
        details = {
            "question": poll.question,
            "options": [option.text for option in poll.options],
            "type": poll.type,
            "is_anonymous": poll.is_anonymous,
            "allows_multiple_answers": poll.allows_multiple_answers,
        }
        return Attachment(kind=MessageKind.POLL, details=details)
    return None


def content_of(message: Message) -> Content:
    """What ``message`` says: kind, text or caption (plain and HTML) and attachments."""
    text = message.text if message.text is not None else message.caption
    has_entities = bool(message.entities or message.caption_entities)
    html = message.html_text if text and has_entities else None
    for kind in _FILE_KINDS:
        attachment = _file_attachment(message, kind)
        if attachment is not None:
            return Content(kind=kind, text=text, html=html, attachments=(attachment,))
    payload = _payload_attachment(message)
    if payload is not None:
        return Content(kind=payload.kind, text=text, html=html, attachments=(payload,))
    if message.text is not None:
        return Content(kind=MessageKind.TEXT, text=text, html=html)
    # A story, a game, a checklist …: nothing we can rebuild, but the other side
    # should still see that something arrived.
    # ``content_type`` may be a ContentType member or a plain string for new kinds.
    content_type = getattr(message.content_type, "value", str(message.content_type))
    attachment = Attachment(kind=MessageKind.OTHER, details={"content_type": content_type})
    description = f"[{content_type.replace('_', ' ')}]"
    return Content(kind=MessageKind.OTHER, text=text or description, attachments=(attachment,))


def _sent_at(moment: datetime | int) -> datetime:
    """An aware UTC datetime from aiogram's ``date`` (datetime) or ``edit_date`` (int)."""
    if isinstance(moment, int):
        return datetime.fromtimestamp(moment, UTC)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _sender(message: Message) -> User:
    if message.from_user is None:
        raise ValueError(f"message {message.message_id} has no sender")
    return message.from_user


def _reply_to(message: Message) -> int | None:
    """The message this one really replies to.

    In a forum topic Telegram sets ``reply_to_message`` to the topic's creation message
    on every message that replies to nothing, so that one is not a reply at all.
    """
    target = message.reply_to_message
    if target is None:
        return None
    if target.forum_topic_created is not None:
        return None
    if message.message_thread_id is not None and target.message_id == message.message_thread_id:
        return None
    return target.message_id


def profile_of(user: User) -> CustomerProfile:
    """The customer profile of a Telegram user (names cut to what their columns hold)."""
    return customer_profile(
        Channel.TELEGRAM,
        user.id,
        user.first_name,
        user.last_name or "",
        user.username,
        language_tag(user.language_code),
    )


def inbound_of(message: Message) -> InboundMessage:
    """A customer's new message in their private chat with the bot."""
    return InboundMessage(
        profile=profile_of(_sender(message)),
        chat_id=message.chat.id,
        message_id=message.message_id,
        sent_at=_sent_at(message.date),
        content=content_of(message),
        reply_to_message_id=_reply_to(message),
        album_id=fit_optional(message.media_group_id, StoredMessage, "album_id"),
    )


def inbound_edit_of(message: Message) -> InboundEdit:
    """A customer's edit (an ``edited_message`` update from a private chat)."""
    return InboundEdit(
        profile=profile_of(_sender(message)),
        chat_id=message.chat.id,
        message_id=message.message_id,
        edited_at=_sent_at(message.edit_date or message.date),
        content=content_of(message),
    )


def operator_profile_of(user: User) -> OperatorProfile:
    """The operator profile of a Telegram user of the operator group."""
    return operator_profile(user.id, user.full_name, user.username)


def _thread_id(message: Message) -> int:
    if message.message_thread_id is None:
        raise ValueError(f"message {message.message_id} is not in a forum topic")
    return message.message_thread_id


def operator_message_of(message: Message) -> OperatorMessage:
    """An operator's message in a conversation's topic of the operator group."""
    return OperatorMessage(
        operator=operator_profile_of(_sender(message)),
        thread_id=_thread_id(message),
        message_id=message.message_id,
        sent_at=_sent_at(message.date),
        content=content_of(message),
        reply_to_message_id=_reply_to(message),
        album_id=fit_optional(message.media_group_id, StoredMessage, "album_id"),
    )


def operator_edit_of(message: Message) -> OperatorEdit:
    """An operator's edit of a message in a topic (an ``edited_message`` update)."""
    return OperatorEdit(
        operator=operator_profile_of(_sender(message)),
        thread_id=_thread_id(message),
        message_id=message.message_id,
        edited_at=_sent_at(message.edit_date or message.date),
        content=content_of(message),
    )
