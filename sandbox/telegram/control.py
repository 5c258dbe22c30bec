"""The control API, part 1: building the world and reading what chats show.

:class:`WorldControl` is mixed into :class:`~sandbox.telegram.handle.SandboxHandle`.
Everything here is synchronous except the ``wait_*`` helpers, which end-to-end
tests await while the product reacts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from .errors import SandboxError
from .models import ADMIN_RIGHTS, GENERAL_TOPIC_ID, BotAccount, Chat, Member, Topic, User
from .render import render_transcript
from .serialize import member_json, user_json
from .views import MessageView, view_of
from .world import World

T = TypeVar("T")
ChatRef = Chat | tuple[BotAccount, User]
TopicRef = Topic | int | str | None

DEFAULT_ADMIN_RIGHTS = {right: True for right in ADMIN_RIGHTS} | {
    "can_promote_members": False,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
}


class WorldControl:
    """Create bots, users and forum groups; read chats; wait for changes."""

    world: World

    # -- building ---------------------------------------------------------------

    def create_bot(
        self, username: str = "botdesk_bot", first_name: str = "Botdesk", *, privacy: bool = True
    ) -> BotAccount:
        """A new bot; ``bot.token`` is what ``aiogram.Bot`` takes."""
        return self.world.add_bot(username, first_name, privacy)

    def create_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        is_premium: bool = False,
    ) -> User:
        """A new person."""
        return self.world.add_user(
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            is_premium=is_premium,
        )

    def create_group(
        self,
        title: str,
        *,
        owner: User,
        forum: bool = True,
        members: Iterable[User] = (),
        admins: Iterable[User] = (),
        username: str | None = None,
    ) -> Chat:
        """A supergroup (a forum by default) with members and admins."""
        chat = self.world.add_group(title, owner, forum, username)
        for user in members:
            chat.members[user.id] = Member(user)
        for user in admins:
            chat.members[user.id] = Member(user, "administrator", dict(DEFAULT_ADMIN_RIGHTS))
        self.world.touch()
        return chat

    def add_member(self, group: Chat, user: User, *, admin: bool = False, **rights: bool) -> None:
        """Put a person into ``group`` (as an administrator when ``admin``)."""
        status = "administrator" if admin else "member"
        granted = (DEFAULT_ADMIN_RIGHTS | rights) if admin else {}
        group.members[user.id] = Member(user, status, granted)
        self.world.touch()

    def remove_member(self, group: Chat, user: User) -> None:
        """Take a person out of ``group`` (they left, or were removed)."""
        group.members.pop(user.id, None)
        self.world.touch()

    def add_bot(self, group: Chat, bot: BotAccount, *, admin: bool = True, **rights: bool) -> None:
        """Add ``bot`` to ``group``; admins get the default rights overridden by ``rights``."""
        self.set_bot_rights(group, bot, admin=admin, **rights)

    def set_bot_rights(
        self, group: Chat, bot: BotAccount, *, admin: bool = True, **rights: bool
    ) -> None:
        """Change the bot's status/rights; the bot gets a ``my_chat_member`` update."""
        unknown = set(rights) - set(ADMIN_RIGHTS)
        if unknown:
            raise SandboxError(f"unknown admin rights: {sorted(unknown)}")
        old = group.members.get(bot.id) or Member(bot.user, "left")
        old_json = member_json(old)
        status = "administrator" if admin else "member"
        granted = (DEFAULT_ADMIN_RIGHTS | rights) if admin else {}
        group.members[bot.id] = Member(bot.user, status, granted)
        owner = next(m.user for m in group.members.values() if m.status == "creator")
        new_json = member_json(group.members[bot.id])
        self.world.push(
            bot, "my_chat_member", self.world.chat_member_update(group, owner, old_json, new_json)
        )
        self.world.touch()

    def set_forum(self, group: Chat, is_forum: bool) -> None:
        """Turn Topics on or off in ``group``; its topics stay and come back when on."""
        if group.is_private:
            raise SandboxError("only a group can have Topics")
        group.is_forum = is_forum
        self.world.touch()

    def remove_bot(self, group: Chat, bot: BotAccount) -> None:
        """Take ``bot`` out of ``group`` (it gets ``my_chat_member``: left)."""
        old = group.members.pop(bot.id, None)
        if old is None:
            return
        owner = next(m.user for m in group.members.values() if m.status == "creator")
        left = member_json(Member(bot.user, "left"))
        self.world.push(
            bot,
            "my_chat_member",
            self.world.chat_member_update(group, owner, member_json(old), left),
        )
        self.world.touch()

    def private_chat(self, bot: BotAccount, user: User) -> Chat:
        """The private chat of ``bot`` and ``user``."""
        return self.world.private_chat(bot, user)

    def set_profile_photo(self, user: User, data: bytes) -> str:
        """A new profile photo of ``user`` (getUserProfilePhotos lists it first); its file id."""
        stored = self.world.files.add("photo", data, "profile.jpg", "image/jpeg")
        user.profile_photos.insert(0, stored.file_id)
        return stored.file_id

    # -- reading ----------------------------------------------------------------

    def chat(self, ref: ChatRef) -> Chat:
        """A chat given as a ``Chat`` or as ``(bot, user)`` for a private chat."""
        if isinstance(ref, Chat):
            return ref
        bot, user = ref
        return self.world.private_chat(bot, user)

    def topic(self, group: Chat, ref: TopicRef) -> Topic | None:
        """A topic by object, thread id or name (``None``/1 for General)."""
        if ref is None or ref == GENERAL_TOPIC_ID:
            return None
        if isinstance(ref, Topic):
            return ref
        for topic in group.topics.values():
            if topic.thread_id == ref or topic.name == ref:
                return topic
        raise SandboxError(f"no topic {ref!r} in {group.title}")

    def messages(
        self, chat: ChatRef, *, topic: TopicRef = None, general: bool = False
    ) -> list[MessageView]:
        """What ``chat`` shows, oldest first; only ``topic`` (or General) when given."""
        found = self.chat(chat)
        views = [view_of(m) for m in found.messages.values()]
        if general:
            return [v for v in views if v.thread_id is None]
        picked = self.topic(found, topic) if topic is not None else None
        if picked is not None:
            return [v for v in views if v.thread_id == picked.thread_id]
        return views

    def messages_json(self, chat: ChatRef, *, topic: TopicRef = None) -> list[dict[str, Any]]:
        """:meth:`messages` as plain JSON-ready dicts."""
        return [v.to_dict() for v in self.messages(chat, topic=topic)]

    def transcript(self, chat: ChatRef, *, topic: TopicRef = None) -> str:
        """A plain-text transcript of the chat (or one topic)."""
        found = self.chat(chat)
        title = found.title or (found.peer.full_name if found.peer else str(found.id))
        picked = self.topic(found, topic) if topic is not None else None
        heading = f"{title} / {picked.name}" if picked else title
        return render_transcript(heading, self.messages(found, topic=topic))

    def file_bytes(self, file_id: str) -> bytes:
        """The bytes behind ``file_id``."""
        stored = self.world.files.find(file_id)
        if stored is None:
            raise SandboxError(f"unknown file_id {file_id!r}")
        return stored.data

    def updates_pending(self, bot: BotAccount) -> list[dict[str, Any]]:
        """Updates queued for ``bot`` and not yet confirmed."""
        return list(bot.updates.pending)

    def describe(self) -> dict[str, Any]:
        """Every bot, user and group, JSON-ready (for the CLI and ``GET /sandbox``)."""
        return {
            "bots": [{**user_json(b.user), "token": b.token} for b in self.world.bots.values()],
            "users": [user_json(u) for u in self.world.users.values() if not u.is_bot],
            "groups": [
                {
                    "id": g.id,
                    "title": g.title,
                    "is_forum": g.is_forum,
                    "members": [member_json(m) for m in g.members.values()],
                    "topics": [
                        {"message_thread_id": t.thread_id, "name": t.name, "closed": t.closed}
                        for t in g.topics.values()
                    ],
                }
                for g in self.world.groups.values()
            ],
        }

    # -- waiting ----------------------------------------------------------------

    async def wait_for(self, probe: Callable[[], T], timeout: float = 5.0) -> T:  # noqa: ASYNC109
        """Wait until ``probe()`` returns something truthy and return it."""
        return await self.world.wait_for(probe, timeout)

    async def wait_messages(
        self,
        chat: ChatRef,
        count: int,
        *,
        topic: TopicRef = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[MessageView]:
        """Wait until the chat (or topic) shows at least ``count`` messages; return them."""

        def probe() -> list[MessageView] | None:
            try:
                views = self.messages(chat, topic=topic)
            except SandboxError:  # the topic may not exist yet
                return None
            return views if len(views) >= count else None

        return await self.world.wait_for(probe, timeout)
