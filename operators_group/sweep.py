"""Find and delete orphans: messages (or a topic) of ours that botdesk sent again.

An orphan is the first copy of a send whose answer botdesk never saw (it died, or the
connection broke) and which the outbox therefore sent again. ``core.messaging.send_journal``
says where orphans can be: ranges of message ids in the operator group. The Bot API
cannot list messages, so every id of a range is probed with a call that changes
nothing of ours: ``editMessageReplyMarkup`` without a keyboard. Telegram answers

* "message is not modified" for a message of the bot without a keyboard, and succeeds
  (removing the keyboard) for one with a keyboard: a message of ours;
* "message can't be edited" for other people's messages and for service messages;
* "message to edit not found" for ids that are gone or never existed.

Messages of ours that botdesk recorded (topics, cards, mirrored messages) are skipped
before any call. Everything else of ours in a range is an orphan and is deleted. A topic
whose creation was in doubt is recognised by its name: ``editForumTopic`` with the same
name answers TOPIC_NOT_MODIFIED, and the empty topic is deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from enum import Enum

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError

from core.messaging.send_journal import SweepRange, recorded_ids

log = logging.getLogger(__name__)

#: ids probed per range at most; orphans land right after the fence, so a range this
#: long only ever comes from a long outage with a busy operator group
SWEEP_LIMIT = 300


class Probe(Enum):
    """What a message id turned out to be."""

    OURS = "ours"
    OTHER = "other"  # someone else's message or a service message (maybe a topic)
    NONE = "none"


async def probe(bot: Bot, chat_id: int, message_id: int) -> Probe:
    """Tell a message of ours from anything else.

    Nothing changes but the keyboard of a message of ours that nobody recorded, which is
    an orphan about to be deleted.

    Network errors and flood waits propagate: the caller stops and tries again later.
    """
    try:
        await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id)
    except TelegramBadRequest as exc:
        text = exc.message.lower()
        if "not modified" in text:
            return Probe.OURS
        if "can't be edited" in text:
            return Probe.OTHER
        return Probe.NONE
    return Probe.OURS  # it had a keyboard: a card nobody recorded


async def topic_named(bot: Bot, chat_id: int, thread_id: int, name: str) -> bool | None:
    """Whether ``thread_id`` is a topic called ``name``, asked by renaming it to ``name``.

    True: it is. False: it is no topic at all. None: it was a topic with another name,
    which now carries ``name`` (someone created it by hand in the same moment; its old
    name is not known here, so this is logged loudly).
    """
    try:
        await bot.edit_forum_topic(chat_id=chat_id, message_thread_id=thread_id, name=name)
    except TelegramBadRequest as exc:
        return "topic_not_modified" in exc.message.lower()
    log.error("topic %s in the operator group was renamed to %r while cleaning up", thread_id, name)
    return None


class Sweeper:
    """Searches ranges of one chat for orphans and deletes them."""

    def __init__(self, bot: Bot, chat_id: int) -> None:
        self.bot, self.chat_id = bot, chat_id

    async def sweep(self, ranges: Sequence[SweepRange]) -> None:
        """Clean ``ranges``; a Telegram or network error stops the search (it propagates)."""
        for where in ranges:
            deleted = await self._range(where)
            if deleted:
                log.warning(
                    "deleted %d message(s) of ours between %d and %d that were sent again",
                    deleted,
                    where.after,
                    where.before,
                )

    async def _range(self, where: SweepRange) -> int:
        ids = where.ids(SWEEP_LIMIT)
        if where.before - where.after - 1 > len(ids):
            log.warning("only the first %d ids after %d were searched", len(ids), where.after)
        kept = await recorded_ids(ids)
        topics = list(where.topics)
        deleted = 0
        for message_id in ids:
            if message_id in kept:
                continue
            found = await probe(self.bot, self.chat_id, message_id)
            if found is Probe.OURS:
                await self._delete(message_id)
                deleted += 1
            elif found is Probe.OTHER and topics:
                name = await self._topic(message_id, topics)
                if name is not None:
                    topics.remove(name)
                    deleted += 1
        return deleted

    async def _topic(self, thread_id: int, names: list[str]) -> str | None:
        # Orphan topics land in the order their names were noted, so the oldest name
        # still unmatched is the one to ask for.
        name = names[0]
        if not await topic_named(self.bot, self.chat_id, thread_id, name):
            return None
        try:
            await self.bot.delete_forum_topic(chat_id=self.chat_id, message_thread_id=thread_id)
        except (TelegramBadRequest, TelegramForbiddenError) as exc:
            # without the "Delete messages" right the empty copy stays; say why, once
            log.warning("the empty second topic %s stays: %s", thread_id, exc.message)
        return name

    async def _delete(self, message_id: int) -> None:
        try:
            await self.bot.delete_message(chat_id=self.chat_id, message_id=message_id)
        except (TelegramBadRequest, TelegramForbiddenError) as exc:
            log.info("orphan %s could not be deleted: %s", message_id, exc.message)
