"""VK message objects (Bots Long Poll v5.199) → core entities, without any network."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bots.vk.content import (
    VkUser,
    content_of,
    inbound_edit_of,
    inbound_of,
    language_of,
    profile_of,
)
from core.enums import Channel, MessageKind

USER = VkUser(id=42, first_name="Иван", last_name="Петров", screen_name="ivan")


def message(text: str = "", *attachments: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": 7,
        "date": 1_700_000_000,
        "peer_id": 42,
        "from_id": 42,
        "text": text,
        "attachments": list(attachments),
        **extra,
    }


def photo(ident: int, *sizes: tuple[int, int]) -> dict[str, Any]:
    return {
        "type": "photo",
        "photo": {
            "id": ident,
            "owner_id": 42,
            "access_key": "k",
            "sizes": [
                {"type": "x", "width": w, "height": h, "url": f"https://vk/{ident}/{w}.jpg"}
                for w, h in sizes
            ],
        },
    }


def test_text_message_with_profile_and_language() -> None:
    inbound = inbound_of(message("Здравствуйте"), USER, "ru")
    assert inbound.profile.channel is Channel.VK
    assert inbound.profile.external_id == 42
    assert (inbound.profile.first_name, inbound.profile.last_name) == ("Иван", "Петров")
    assert inbound.profile.username == "ivan" and inbound.profile.language == "ru"
    assert (inbound.chat_id, inbound.message_id) == (42, 7)
    assert inbound.sent_at == datetime.fromtimestamp(1_700_000_000, UTC)
    assert inbound.content.kind is MessageKind.TEXT
    assert inbound.content.text == "Здравствуйте" and inbound.content.html is None
    assert inbound.reply_to_message_id is None and inbound.album_id is None


def test_language_from_client_info() -> None:
    assert language_of({"lang_id": 0}) == "ru"
    assert language_of({"lang_id": 3}) == "en"
    assert language_of({"lang_id": 6}) == "de"  # kept: DEFAULT_LANGUAGE decides what they read
    assert language_of({"lang_id": 999}) == language_of(None) == language_of({}) == ""


def test_several_photos_stay_one_message_with_the_largest_sizes() -> None:
    content = content_of(message("look", photo(1, (75, 50), (1280, 853)), photo(2, (604, 403))))
    assert content.kind is MessageKind.PHOTO and content.text == "look"
    urls = [a.details["url"] for a in content.attachments]
    assert urls == ["https://vk/1/1280.jpg", "https://vk/2/604.jpg"]
    first = content.attachments[0]
    assert first.kind is MessageKind.PHOTO and first.file_id is None
    assert first.details["vk_attachment"] == "photo42_1_k"
    assert (first.details["owner_id"], first.details["id"]) == (42, 1)


def test_doc_voice_and_sticker() -> None:
    doc = {"type": "doc", "doc": {"id": 5, "owner_id": 42, "title": "invoice", "ext": "pdf",
                                  "size": 1234, "url": "https://vk/doc5"}}  # fmt: skip
    voice = {"type": "audio_message", "audio_message": {"id": 6, "owner_id": 42, "duration": 3,
             "link_ogg": "https://vk/v.ogg", "link_mp3": "https://vk/v.mp3"}}  # fmt: skip
    sticker = {"type": "sticker", "sticker": {"sticker_id": 9, "product_id": 1, "images": [
        {"url": "https://vk/s128.png", "width": 128, "height": 128},
        {"url": "https://vk/s512.png", "width": 512, "height": 512}]}}  # fmt: skip
    content = content_of(message("", doc, voice, sticker))
    kinds = [a.kind for a in content.attachments]
    assert kinds == [MessageKind.DOCUMENT, MessageKind.VOICE, MessageKind.STICKER]
    assert content.kind is MessageKind.DOCUMENT and content.text is None
    assert content.attachments[0].file_name == "invoice.pdf"
    assert content.attachments[0].file_size == 1234
    assert content.attachments[1].details["url"] == "https://vk/v.ogg"
    assert content.attachments[1].details["duration"] == 3
    assert content.attachments[2].details["url"] == "https://vk/s512.png"
    assert content_of(message("", voice)).kind is MessageKind.VOICE


def test_what_bots_cannot_download_is_written_out() -> None:
    audio = {"type": "audio", "audio": {"id": 1, "owner_id": 2, "artist": "Кино",
             "title": "Группа крови", "duration": 290}}  # fmt: skip
    video = {"type": "video", "video": {"id": 3, "owner_id": -4, "title": "Обзор", "duration": 75}}
    link = {"type": "link", "link": {"url": "https://example.com", "title": "Example"}}
    wall = {"type": "wall", "wall": {"id": 8, "owner_id": -4, "text": "Новость дня"}}
    content = content_of(message("вот", audio, video, link, wall, {"type": "poll", "poll": {}}))
    assert content.kind is MessageKind.TEXT
    assert content.text == (
        "вот\n\n🎵 Кино — Группа крови\n"
        "🎬 Обзор (1:15) https://vk.com/video-4_3\n"
        "🔗 Example https://example.com\n"
        "📝 https://vk.com/wall-4_8\nНовость дня\n"
        "[poll]"
    )
    assert [a.kind for a in content.attachments] == [MessageKind.AUDIO, MessageKind.VIDEO]
    assert content.attachments[0].details["artist"] == "Кино"
    assert "url" not in content.attachments[0].details


def test_forwarded_messages_are_quoted_and_reply_is_mapped() -> None:
    forwarded = [
        {
            "from_id": 5,
            "text": "first\nsecond",
            "attachments": [photo(3, (10, 10))],
            "fwd_messages": [{"from_id": 6, "text": "deep"}],
        },
        {"from_id": 5, "text": ""},
    ]
    raw = message("see below", fwd_messages=forwarded, reply_message={"id": 3, "text": "q"})
    inbound = inbound_of(raw, USER, "en")
    assert inbound.content.text == "see below\n\n» first\n» second\n» [photo]\n»» deep\n» …"
    assert inbound.content.attachments == ()  # forwarded files are named, not carried
    assert inbound.reply_to_message_id == 3


def test_edit_takes_the_update_time() -> None:
    raw = message("fixed", update_time=1_700_000_100)
    edit = inbound_edit_of(raw, USER, "ru")
    assert edit.message_id == 7 and edit.content.text == "fixed"
    assert edit.edited_at == datetime.fromtimestamp(1_700_000_100, UTC)


def test_names_longer_than_their_columns_are_cut() -> None:
    huge = VkUser(id=43, first_name="И" * 400, last_name="П" * 400, screen_name="s" * 100)
    profile = profile_of(huge, "ru")
    assert (len(profile.first_name), len(profile.last_name)) == (255, 255)
    assert profile.username == "s" * 64
    assert profile_of(VkUser(id=44, screen_name=""), "en").username is None
