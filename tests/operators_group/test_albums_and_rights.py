"""Pure rules of the operator side: which albums can be re-sent, which rights run the desk."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.types import (
    Chat,
    ChatMemberAdministrator,
    ChatMemberMember,
    ChatMemberUpdated,
    InputMediaDocument,
    InputMediaPhoto,
    User,
)

from core.entities import Attachment, Content
from core.enums import MessageKind
from operators_group.albums import album_media
from operators_group.relay import has_desk_rights

BOT = User(id=1, is_bot=True, first_name="Desk")


def part(kind: MessageKind, caption: str | None = None, html: str | None = None) -> Content:
    attachment = Attachment(kind=kind, file_id=f"{kind.value}-id")
    return Content(kind=kind, text=caption, html=html, attachments=(attachment,))


def test_photos_and_videos_form_one_album_with_their_captions() -> None:
    media = album_media(
        (
            part(MessageKind.PHOTO, "top", "<b>top</b>"),
            part(MessageKind.VIDEO),
            part(MessageKind.PHOTO),
        )
    )
    assert media is not None and len(media) == 3
    assert isinstance(media[0], InputMediaPhoto)
    assert media[0].caption == "<b>top</b>" and media[0].parse_mode == "HTML"
    assert media[1].caption is None


def test_documents_only_with_documents() -> None:
    docs = album_media((part(MessageKind.DOCUMENT), part(MessageKind.DOCUMENT)))
    assert docs is not None and all(isinstance(m, InputMediaDocument) for m in docs)
    assert album_media((part(MessageKind.DOCUMENT), part(MessageKind.PHOTO))) is None


def test_what_cannot_be_an_album() -> None:
    assert album_media((part(MessageKind.PHOTO),)) is None  # one part
    assert album_media((part(MessageKind.PHOTO),) * 11) is None  # too many
    assert album_media((part(MessageKind.STICKER), part(MessageKind.PHOTO))) is None
    no_file = Content(MessageKind.PHOTO, attachments=(Attachment(kind=MessageKind.PHOTO),))
    assert album_media((no_file, part(MessageKind.PHOTO))) is None


def update(member: ChatMemberAdministrator | ChatMemberMember) -> ChatMemberUpdated:
    return ChatMemberUpdated(
        chat=Chat(id=-100, type="supergroup"),
        from_user=User(id=2, is_bot=False, first_name="Owner"),
        date=datetime(2026, 1, 1, tzinfo=UTC),
        old_chat_member=ChatMemberMember(user=BOT),
        new_chat_member=member,
    )


def admin(*, topics: bool) -> ChatMemberAdministrator:
    rights = dict.fromkeys(
        (
            "can_be_edited can_manage_chat can_delete_messages can_manage_video_chats "
            "can_restrict_members can_promote_members can_change_info can_invite_users "
            "can_post_stories can_edit_stories can_delete_stories is_anonymous "
            "can_send_welcome_messages"
        ).split(),
        True,
    )
    return ChatMemberAdministrator(
        user=BOT, can_manage_topics=topics, can_pin_messages=True, **rights
    )


def test_the_desk_needs_an_admin_who_manages_topics() -> None:
    assert has_desk_rights(update(admin(topics=True)))
    assert not has_desk_rights(update(admin(topics=False)))
    assert not has_desk_rights(update(ChatMemberMember(user=BOT)))
