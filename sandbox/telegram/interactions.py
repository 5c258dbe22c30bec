"""The control API, part 3: edits, button presses, reactions, blocking, topic admin."""

from __future__ import annotations

import secrets
from typing import Any

from .actions import MessageRef, UserActions
from .errors import SandboxError
from .models import BotAccount, CallbackRecord, Chat, Member, Topic, User
from .reactions import check_reactions
from .serialize import chat_json, message_json, user_json
from .topics import create_topic, delete_topic, edit_topic, set_closed
from .views import MessageView, view_of


class UserInteractions(UserActions):
    """Everything a person does besides sending new messages."""

    def edit_message(
        self,
        user: User,
        message: MessageRef,
        text: str | None = None,
        *,
        caption: str | None = None,
        entities: list[dict[str, Any]] | None = None,
        parse_mode: str | None = None,
    ) -> MessageView:
        """Edit one's own message; bots that saw it get ``edited_message``."""
        found = self._resolve(message)
        if found.sender.id != user.id:
            raise SandboxError("people can only edit their own messages")
        if text is not None:
            if "text" not in found.content:
                raise SandboxError("this message has no text to edit")
            plain, ents = self._text(text, entities, parse_mode)
            found.content = {"text": plain, **({"entities": ents} if ents else {})}
        if caption is not None:
            base = {
                k: v for k, v in found.content.items() if k not in ("caption", "caption_entities")
            }
            found.content = base | self._caption(caption, parse_mode)
        found.edit_date = self.world.now()
        self.world.deliver_message(found, "edited_message")
        self.world.touch()
        return view_of(found)

    def delete_message(self, user: User, message: MessageRef) -> None:
        """Delete a message (one's own, any in a private chat, or any as a group admin).

        Bots are not told. In a private chat either side may delete any message for both,
        as on Telegram, so a customer can remove what the bot sent them.
        """
        found = self._resolve(message)
        member = found.chat.members.get(user.id)
        allowed = (
            found.sender.id == user.id
            or (found.chat.is_private and found.chat.id == user.id)
            or (member is not None and member.can("can_delete_messages"))
        )
        if not allowed:
            raise SandboxError(f"{user.full_name} cannot delete this message")
        del found.chat.messages[found.message_id]
        self.world.touch()

    def press_button(
        self,
        user: User,
        message: MessageRef,
        *,
        data: str | None = None,
        text: str | None = None,
        forge: bool = False,
    ) -> CallbackRecord:
        """Press an inline button (by ``callback_data`` or by label).

        With ``forge`` the ``data`` is sent as it is, whether or not the message has
        such a button, as a modified client can. The returned record fills in
        ``answered``/``answer_text``/``show_alert`` when the bot calls
        answerCallbackQuery; see :meth:`wait_answer`.
        """
        found = self._resolve(message)
        buttons = [b for row in (found.reply_markup or {}).get("inline_keyboard", []) for b in row]
        match = [
            b
            for b in buttons
            if (data is None or b.get("callback_data") == data)
            and (text is None or b.get("text") == text)
        ]
        if forge and data is not None:
            match = [{"callback_data": data}]
        if not match or "callback_data" not in match[0]:
            raise SandboxError(f"no callback button matching data={data!r} text={text!r}")
        bot = self.world.bots.get(found.sender.id)
        if bot is None:
            raise SandboxError("only bots' messages carry inline buttons")
        record = CallbackRecord(
            id=str(secrets.randbelow(9 * 10**18) + 10**18),
            bot_id=bot.id,
            user=user,
            message=found,
            data=match[0]["callback_data"],
            created=self.world.clock.monotonic(),
        )
        self.world.callbacks[record.id] = record
        payload = {
            "id": record.id,
            "from": user_json(user),
            "message": message_json(found),
            "chat_instance": str((found.chat.id * 7919 + bot.id) % 10**19),
            "data": record.data,
        }
        self.world.push(bot, "callback_query", payload)
        self.world.touch()
        return record

    async def wait_answer(self, record: CallbackRecord, timeout: float = 5.0) -> CallbackRecord:  # noqa: ASYNC109
        """Wait until the bot has answered the button press."""
        return await self.world.wait_for(lambda: record if record.answered else None, timeout)

    def react(self, user: User, message: MessageRef, *emoji: str) -> None:
        """Set (or with no emoji, clear) the user's reaction; bots get ``message_reaction``."""
        found = self._resolve(message)
        new = check_reactions(
            [{"type": "emoji", "emoji": e} for e in emoji], max_count=3 if user.is_premium else 1
        )
        old = found.reactions.get(user.id, [])
        if new:
            found.reactions[user.id] = new
        else:
            found.reactions.pop(user.id, None)
        payload = {
            "chat": chat_json(found.chat),
            "message_id": found.message_id,
            "user": user_json(user),
            "date": self.world.now(),
            "old_reaction": old,
            "new_reaction": new,
        }
        for bot in self._reaction_watchers(found.chat):
            self.world.push(bot, "message_reaction", payload)
        self.world.touch()

    def _reaction_watchers(self, chat: Chat) -> list[BotAccount]:
        if chat.is_private:
            return [self.world.bots[chat.bot_id or 0]]
        # Telegram reports reactions in groups only to bots that are administrators.
        return [
            b
            for b in self.world.bots.values()
            if (m := chat.member(b.id)) is not None and m.is_admin
        ]

    def block_bot(self, user: User, bot: BotAccount) -> None:
        """The user blocks ``bot``: sends to them fail with 403; the bot gets ``my_chat_member``."""
        self._set_blocked(user, bot, blocked=True)

    def unblock_bot(self, user: User, bot: BotAccount) -> None:
        """The user unblocks ``bot`` (restarts it)."""
        self._set_blocked(user, bot, blocked=False)

    def _set_blocked(self, user: User, bot: BotAccount, blocked: bool) -> None:
        key = (bot.id, user.id)
        if (key in self.world.blocked) == blocked:
            return
        chat = self.world.private_chat(bot, user)
        statuses = ("member", "kicked") if blocked else ("kicked", "member")
        old, new = ({"status": s, "user": user_json(bot.user)} for s in statuses)
        for state in (old, new):
            if state["status"] == "kicked":
                state["until_date"] = 0
        if blocked:
            self.world.blocked.add(key)
        else:
            self.world.blocked.discard(key)
        self.world.push(bot, "my_chat_member", self.world.chat_member_update(chat, user, old, new))
        self.world.touch()

    # -- topics -----------------------------------------------------------------

    def _topic_admin(self, user: User, group: Chat) -> Member:
        member = group.member(user.id)
        if member is None or not member.can("can_manage_topics"):
            raise SandboxError(f"{user.full_name} may not manage topics in {group.title}")
        return member

    def create_topic(
        self, user: User, group: Chat, name: str, icon_color: int | None = None
    ) -> Topic:
        """A person creates a topic (any member may, in this sandbox)."""
        if group.member(user.id) is None:
            raise SandboxError(f"{user.full_name} is not a member of {group.title}")
        return create_topic(self.world, group, user, name, icon_color)

    def rename_topic(self, user: User, group: Chat, topic: Topic | int, name: str) -> None:
        """An admin renames a topic (``forum_topic_edited``)."""
        self._topic_admin(user, group)
        edit_topic(self.world, group, user, _thread(topic), name, None)

    def close_topic(self, user: User, group: Chat, topic: Topic | int) -> None:
        """An admin closes a topic (``forum_topic_closed``)."""
        self._topic_admin(user, group)
        set_closed(self.world, group, user, _thread(topic), closed=True)

    def reopen_topic(self, user: User, group: Chat, topic: Topic | int) -> None:
        """An admin reopens a topic (``forum_topic_reopened``)."""
        self._topic_admin(user, group)
        set_closed(self.world, group, user, _thread(topic), closed=False)

    def delete_topic(self, user: User, group: Chat, topic: Topic | int) -> None:
        """An admin deletes a topic and everything in it."""
        member = group.member(user.id)
        if member is None or not member.can("can_delete_messages"):
            raise SandboxError(f"{user.full_name} may not delete topics in {group.title}")
        delete_topic(self.world, group, _thread(topic))


def _thread(topic: Topic | int) -> int:
    return topic.thread_id if isinstance(topic, Topic) else topic
