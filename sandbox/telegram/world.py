"""The sandbox state and the rules every actor (bot or user) goes through.

:class:`World` owns accounts, chats, files and flood control. Posting a
message, deciding which bots see it and queueing their updates all happen here,
so the Bot API handlers and the control API cannot drift apart.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from . import errors as E
from .clock import Clock, SystemClock
from .errors import bad_request, forbidden
from .files import FileStore
from .limits import FloodControl, Limits
from .models import (
    GENERAL_TOPIC_ID,
    BotAccount,
    CallbackRecord,
    Chat,
    Member,
    Message,
    User,
)
from .serialize import chat_json, message_json, user_json

T = TypeVar("T")


@dataclass(frozen=True)
class Options:
    """Timings of the sandbox that tests may shorten."""

    webhook_retry_delay: float = 1.0  # first redelivery delay; doubles up to the max
    webhook_retry_max_delay: float = 30.0
    webhook_timeout: float = 10.0
    callback_query_ttl: float = 15.0  # after this, answerCallbackQuery says "too old"


class World:
    """Everything the sandbox knows, plus the change signal waiters use."""

    def __init__(
        self,
        limits: Limits | None = None,
        clock: Clock | None = None,
        options: Options | None = None,
    ) -> None:
        self.clock = clock or SystemClock()
        self.options = options or Options()
        self.flood = FloodControl(limits if limits is not None else Limits(), self.clock)
        self.files = FileStore()
        self.users: dict[int, User] = {}
        self.bots: dict[int, BotAccount] = {}
        self.groups: dict[int, Chat] = {}
        self.private: dict[tuple[int, int], Chat] = {}
        self.blocked: set[tuple[int, int]] = set()
        self.callbacks: dict[str, CallbackRecord] = {}
        self.on_update: Callable[[BotAccount], None] = lambda bot: None
        self._user_ids = itertools.count(100_000_001)
        self._bot_ids = itertools.count(7_000_000_001)
        self._group_ids = itertools.count(1)
        self._media_groups = itertools.count(13_000_000_000_000_001)
        self._changed = asyncio.Event()

    # -- time and change signal ------------------------------------------------

    def now(self) -> int:
        """Unix time for ``date`` fields."""
        return int(self.clock.now())

    def touch(self) -> None:
        """Wake everyone waiting for the world to change."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(self, probe: Callable[[], T], timeout: float = 5.0) -> T:  # noqa: ASYNC109
        """Return ``probe()`` as soon as it is truthy; ``TimeoutError`` after ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = probe()
            if value:
                return value
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError(f"condition not met within {timeout} s")
            changed = self._changed
            # Wake on any sandbox change, and also re-check every 50 ms because
            # probes may look at state outside the sandbox (a product's database).
            try:
                await asyncio.wait_for(changed.wait(), min(left, 0.05))
            except TimeoutError:
                continue

    # -- accounts --------------------------------------------------------------

    def add_user(self, first_name: str, **fields: Any) -> User:
        """Register a person."""
        user = User(id=next(self._user_ids), first_name=first_name, **fields)
        self.users[user.id] = user
        return user

    def add_bot(self, username: str, first_name: str, privacy: bool = True) -> BotAccount:
        """Register a bot with a fresh token of Telegram's shape."""
        user = User(id=next(self._bot_ids), first_name=first_name, username=username, is_bot=True)
        token = f"{user.id}:AA{secrets.token_urlsafe(25)[:33]}"
        bot = BotAccount(user=user, token=token, can_read_all_group_messages=not privacy)
        self.bots[bot.id] = bot
        self.users[user.id] = user
        return bot

    def bot_by_token(self, token: str) -> BotAccount | None:
        """The bot owning ``token``."""
        bot_id, _, _ = token.partition(":")
        bot = self.bots.get(int(bot_id)) if bot_id.isdigit() else None
        return bot if bot is not None and bot.token == token else None

    def add_group(self, title: str, owner: User, forum: bool, username: str | None) -> Chat:
        """Create a supergroup (a forum when ``forum``) owned by ``owner``."""
        chat_id = -1_000_000_000_000 - next(self._group_ids)
        # Message id 1 is taken by the group's creation (and, in a forum, is the
        # id of the General topic), so the first real message gets id 2.
        chat = Chat(
            id=chat_id,
            type="supergroup",
            title=title,
            username=username,
            is_forum=forum,
            next_message_id=2,
        )
        chat.members[owner.id] = Member(owner, "creator")
        self.groups[chat_id] = chat
        return chat

    def private_chat(self, bot: BotAccount, user: User) -> Chat:
        """The one-to-one chat of ``bot`` and ``user`` (created on first use)."""
        key = (bot.id, user.id)
        chat = self.private.get(key)
        if chat is None:
            chat = Chat(id=user.id, type="private", peer=user, bot_id=bot.id)
            chat.members[user.id] = Member(user)
            chat.members[bot.id] = Member(bot.user)
            self.private[key] = chat
        return chat

    def new_media_group_id(self) -> str:
        """A fresh ``media_group_id``."""
        return str(next(self._media_groups))

    # -- chat lookup for bots -----------------------------------------------------

    def chat_for_bot(self, bot: BotAccount, chat_id: int | str, *, sending: bool = False) -> Chat:
        """Resolve ``chat_id`` as ``bot`` sees it, with Telegram's errors."""
        if isinstance(chat_id, str):
            chat_id = self._resolve_username(bot, chat_id)
        if chat_id > 0:
            chat = self.private.get((bot.id, chat_id))
            if chat is None:
                if chat_id in self.users and sending:
                    raise forbidden("bot can't initiate conversation with a user")
                raise bad_request(E.CHAT_NOT_FOUND)
            if sending and (bot.id, chat_id) in self.blocked:
                raise forbidden(E.BLOCKED)
            return chat
        chat = self.groups.get(chat_id)
        if chat is None:
            raise bad_request(E.CHAT_NOT_FOUND)
        if chat.member(bot.id) is None:
            if sending:
                raise forbidden("bot is not a member of the supergroup chat")
            raise bad_request(E.CHAT_NOT_FOUND)
        return chat

    def _resolve_username(self, bot: BotAccount, ref: str) -> int:
        name = ref.removeprefix("@").lower()
        if ref.lstrip("-").isdigit():
            return int(ref)
        for chat in self.groups.values():
            if chat.username and chat.username.lower() == name:
                return chat.id
        raise bad_request(E.CHAT_NOT_FOUND)

    # -- posting and delivery -----------------------------------------------------

    def post(
        self, chat: Chat, sender: User, kind: str, content: dict[str, Any], **extra: Any
    ) -> Message:
        """Store a new message in ``chat`` and deliver it to the bots that see it."""
        message = Message(
            message_id=chat.take_message_id(),
            chat=chat,
            sender=sender,
            date=self.now(),
            kind=kind,
            content=content,
            **extra,
        )
        chat.messages[message.message_id] = message
        self.deliver_message(message, "message")
        self.touch()
        return message

    def deliver_message(self, message: Message, kind: str) -> None:
        """Queue a ``message``/``edited_message`` update for every bot that sees it."""
        for bot in self._recipients(message):
            self.push(bot, kind, message_json(message))

    def _recipients(self, message: Message) -> list[BotAccount]:
        chat = message.chat
        if chat.is_private:
            bot = self.bots[chat.bot_id or 0]
            return [] if message.sender.id == bot.id else [bot]
        found = []
        for member in chat.members.values():
            bot = self.bots.get(member.user.id)
            if bot is None or not member.present:
                continue
            if message.sender.is_bot and not message.is_service:
                # Bots never see bots' messages, their own included; service messages
                # (a topic created, a pin) reach every member bot, the one that acted too.
                continue
            if self._bot_sees(bot, member, message):
                found.append(bot)
        return found

    def _bot_sees(self, bot: BotAccount, member: Member, message: Message) -> bool:
        """Privacy mode: without admin rights a bot sees commands, replies and mentions."""
        if member.is_admin or bot.can_read_all_group_messages or message.is_service:
            return True
        text = message.text or ""
        if text.startswith("/") or f"@{bot.username}".lower() in text.lower():
            return True
        target = message.chat.messages.get(message.reply_to or 0)
        return target is not None and target.sender.id == bot.id

    def push(self, bot: BotAccount, kind: str, payload: dict[str, Any]) -> None:
        """Queue an update for ``bot`` and kick its webhook delivery."""
        if bot.updates.push(kind, payload) is not None:
            self.on_update(bot)

    def thread_for(self, chat: Chat, thread_id: int | None, actor: Member | None) -> int | None:
        """Validate ``message_thread_id`` for a new message; ``None`` means General."""
        manager = actor is not None and actor.can("can_manage_topics")
        if thread_id in (None, 0):
            if chat.is_forum and chat.general.closed and not manager:
                raise bad_request(E.TOPIC_CLOSED)
            return None
        if not chat.is_forum:
            if chat.is_private:
                return None
            raise bad_request(E.THREAD_NOT_FOUND)
        if thread_id == GENERAL_TOPIC_ID:
            return self.thread_for(chat, None, actor)
        topic = chat.topics.get(thread_id)  # type: ignore[arg-type]
        if topic is None:
            raise bad_request(E.THREAD_NOT_FOUND)
        if topic.closed and not manager:
            raise bad_request(E.TOPIC_CLOSED)
        return topic.thread_id

    def chat_member_update(
        self, chat: Chat, actor: User, old: dict[str, Any], new: dict[str, Any]
    ) -> dict[str, Any]:
        """A ``ChatMemberUpdated`` payload."""
        return {
            "chat": chat_json(chat),
            "from": user_json(actor),
            "date": self.now(),
            "old_chat_member": old,
            "new_chat_member": new,
        }
