"""The state of the VK sandbox: people, communities, conversations, media.

A community's messages are numbered by one counter (VK's ``id`` in the
community's inbox); ``conversation_message_id`` counts per conversation.
Conversations exist only between a community and a user (peer_id = user id).
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from .callback import CallbackServer
from .errors import SandboxError
from .limits import RateLimiter
from .longpoll import LongPoll, make_event
from .media import MediaStore
from .models import Community, VkMessage, VkUser


@dataclass
class Conversation:
    """One community <-> user chat."""

    community: Community
    user: VkUser
    messages: list[VkMessage] = field(default_factory=list)
    random_ids: dict[int, int] = field(default_factory=dict)
    # None: the user never wrote nor allowed; True/False after allow/deny.
    allowed: bool | None = None
    _next_cmid: int = 1

    def find(self, message_id: int | None = None, cmid: int | None = None) -> VkMessage | None:
        """The message with this id or conversation_message_id."""
        for message in self.messages:
            if message.id == message_id or (
                cmid is not None and message.conversation_message_id == cmid
            ):
                return message
        return None

    def take_cmid(self) -> int:
        """The next conversation_message_id."""
        self._next_cmid += 1
        return self._next_cmid - 1


@dataclass
class PendingEvent:
    """A callback button press waiting for ``sendMessageEventAnswer``."""

    community_id: int
    user_id: int
    peer_id: int
    answered: bool = False


class VkWorld:
    """Everything the API and the control API read and change."""

    def __init__(self, rate_limit: int | None = 20, clock: Callable[[], float] = time.monotonic):
        self.users: dict[int, VkUser] = {}
        self.communities: dict[int, Community] = {}
        self.tokens: dict[str, Community] = {}
        self.conversations: dict[tuple[int, int], Conversation] = {}
        self.longpolls: dict[int, LongPoll] = {}
        self.callbacks: dict[int, CallbackServer] = {}  # community id -> its server
        self.media = MediaStore()
        self.limiter = RateLimiter(rate_limit, clock)
        self.privacy_closed: set[int] = set()
        self.events: dict[str, PendingEvent] = {}
        self.answers: dict[int, list[dict[str, Any]]] = {}
        self.uploads: dict[str, Any] = {}  # key -> uploads.Upload
        self.avatar_url = ""
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._user_ids = itertools.count(100001)
        self._community_ids = itertools.count(200001)

    # -- building ---------------------------------------------------------------

    def add_user(
        self, first_name: str, last_name: str, screen_name: str | None, lang: str
    ) -> VkUser:
        """A new person with the next free id."""
        uid = next(self._user_ids)
        user = VkUser(uid, first_name, last_name, screen_name or f"id{uid}", lang)
        self.users[uid] = user
        return user

    def add_community(self, name: str) -> Community:
        """A new community with its own token and long poll."""
        cid = next(self._community_ids)
        token = f"vk1.a.{secrets.token_urlsafe(48)}"
        community = Community(cid, token, name, confirmation=secrets.token_hex(4))
        self.communities[cid] = community
        self.tokens[community.token] = community
        self.longpolls[cid] = LongPoll(cid)
        self._message_ids[cid] = itertools.count(1)
        self.answers[cid] = []
        return community

    # -- lookups ----------------------------------------------------------------

    def user(self, user_id: int) -> VkUser:
        """A known user or :class:`SandboxError`."""
        if user_id not in self.users:
            raise SandboxError(f"unknown user {user_id}")
        return self.users[user_id]

    def community(self, community_id: int) -> Community:
        """A known community or :class:`SandboxError`."""
        if community_id not in self.communities:
            raise SandboxError(f"unknown community {community_id}")
        return self.communities[community_id]

    def conversation(self, community: Community, user: VkUser) -> Conversation:
        """The chat of ``community`` with ``user`` (created empty on first use)."""
        key = (community.id, user.id)
        if key not in self.conversations:
            self.conversations[key] = Conversation(community, user)
        return self.conversations[key]

    def stored(self, community: Community, message: VkMessage) -> VkMessage:
        """The world's own copy of a message a test holds a snapshot of."""
        found = self.conversation(community, self.user(message.peer_id)).find(message.id)
        if found is None:
            raise SandboxError(f"no message {message.id} in chat {message.peer_id}")
        return found

    # -- changing ---------------------------------------------------------------

    def emit(self, community: Community, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        """A new event of ``community``: to its Callback API server if it has one set,
        else to its Bots Long Poll (never to both, so no event is handled twice)."""
        event = make_event(community.id, kind, obj)
        server = self.callbacks.get(community.id)
        if server is not None:
            server.add(event)
        else:
            self.longpolls[community.id].append(event)
        return event

    def add_message(self, conv: Conversation, from_id: int, text: str, **fields: Any) -> VkMessage:
        """Store a new message in ``conv`` and return it."""
        message = VkMessage(
            id=next(self._message_ids[conv.community.id]),
            conversation_message_id=conv.take_cmid(),
            peer_id=conv.user.id,
            from_id=from_id,
            text=text,
            date=int(time.time()),
            **fields,
        )
        conv.messages.append(message)
        return message


def snapshot(message: VkMessage) -> VkMessage:
    """A copy that later edits will not change."""
    return replace(
        message,
        attachments=list(message.attachments),
        fwd=[snapshot(m) for m in message.fwd],
        keyboard=message.keyboard,
        reactions=dict(message.reactions),
    )
