"""The sandbox world: accounts, chats, members, topics and messages.

These are plain mutable records; :mod:`.world` holds the rules that change
them and :mod:`.serialize` turns them into Bot API JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .updates import UpdateQueue

GENERAL_TOPIC_ID = 1
"""Telegram's id of the General topic; its messages carry no ``message_thread_id``."""

TOPIC_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)
"""The six icon colours Telegram allows for forum topics."""


@dataclass
class User:
    """A person (or a bot's own user record)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    is_premium: bool = False
    profile_photos: list[str] = field(default_factory=list)  # file ids, newest first

    @property
    def full_name(self) -> str:
        """First and last name, as a client shows them."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass
class Webhook:
    """A bot's webhook settings and delivery report."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class BotAccount:
    """A bot: its user record, token, settings and update queue."""

    user: User
    token: str
    can_read_all_group_messages: bool = False
    updates: UpdateQueue = field(default_factory=UpdateQueue)
    webhook: Webhook | None = None
    commands: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)
    # setMyName / setMyDescription / setMyShortDescription, by kind and language code
    profile: dict[tuple[str, str], str] = field(default_factory=dict)
    menu_buttons: dict[int, dict[str, Any]] = field(default_factory=dict)  # 0: the default

    @property
    def id(self) -> int:
        """The bot's user id (the number before ``:`` in the token)."""
        return self.user.id

    @property
    def username(self) -> str:
        """The bot's username without ``@``."""
        return self.user.username or ""


ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
)


CHAT_PERMISSIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)
"""The fields of ``ChatPermissions``, in the order of the Bot API."""


@dataclass
class Member:
    """A user's membership of a group: status and, for admins, rights."""

    user: User
    status: str = "member"  # creator | administrator | member | left | kicked
    rights: dict[str, bool] = field(default_factory=dict)
    custom_title: str | None = None
    permissions: dict[str, bool] = field(default_factory=dict)  # of a restricted member
    until_date: int = 0  # end of a ban or restriction; 0 is forever

    def can(self, right: str) -> bool:
        """Whether this member holds ``right`` (the creator holds every right)."""
        if self.status == "creator":
            return True
        return self.status == "administrator" and self.rights.get(right, False)

    def allowed(self, permission: str) -> bool:
        """Whether the member may do ``permission`` (only restrictions take it away)."""
        return self.status != "restricted" or self.permissions.get(permission, False)

    @property
    def is_admin(self) -> bool:
        """Creator or administrator."""
        return self.status in ("creator", "administrator")

    @property
    def present(self) -> bool:
        """Still in the chat."""
        return self.status in ("creator", "administrator", "member", "restricted")


@dataclass
class Topic:
    """A forum topic; its id is the id of its ``forum_topic_created`` message."""

    thread_id: int
    name: str
    icon_color: int
    creator_id: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False


@dataclass
class GeneralTopic:
    """The General topic of a forum: always there, but it may be renamed, closed, hidden."""

    name: str = "General"
    closed: bool = False
    hidden: bool = False


@dataclass
class Chat:
    """A private chat (one per bot and user) or a (forum) supergroup."""

    id: int
    type: str  # private | supergroup
    title: str | None = None
    username: str | None = None
    is_forum: bool = False
    peer: User | None = None  # the user of a private chat
    bot_id: int | None = None  # the bot of a private chat
    members: dict[int, Member] = field(default_factory=dict)
    topics: dict[int, Topic] = field(default_factory=dict)
    messages: dict[int, Message] = field(default_factory=dict)
    next_message_id: int = 1
    general: GeneralTopic = field(default_factory=GeneralTopic)
    invite_link: str | None = None

    @property
    def is_private(self) -> bool:
        """True for a one-to-one chat with a bot."""
        return self.type == "private"

    def member(self, user_id: int) -> Member | None:
        """The member record of ``user_id`` if they are in the chat."""
        member = self.members.get(user_id)
        return member if member is not None and member.present else None

    def take_message_id(self) -> int:
        """Allocate the next message id of this chat."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class Message:
    """One message as the chat shows it.

    ``content`` holds the Bot API fields of the message body (``text`` and
    ``entities``, ``photo`` and ``caption``, ``forum_topic_created``...), so
    serialization is a merge and edits replace keys.
    """

    message_id: int
    chat: Chat
    sender: User
    date: int
    kind: str
    content: dict[str, Any]
    thread_id: int | None = None
    reply_to: int | None = None
    reply_markup: dict[str, Any] | None = None
    edit_date: int | None = None
    media_group_id: str | None = None
    forward_origin: dict[str, Any] | None = None
    protect_content: bool = False
    silent: bool = False
    pinned: bool = False
    is_service: bool = False
    reactions: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def text(self) -> str | None:
        """The text or caption, if any."""
        return self.content.get("text", self.content.get("caption"))


@dataclass
class CallbackRecord:
    """A button press and the answer the bot gave to it."""

    id: str
    bot_id: int
    user: User
    message: Message
    data: str | None
    created: float
    answered: bool = False
    answer_text: str | None = None
    show_alert: bool = False
    url: str | None = None
