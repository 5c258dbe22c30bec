"""Every message the desk posts in the operator group passes here: one send at a time.

A session middleware of the bot: it sees each Bot API call the desk makes. Calls that
create a message (or a topic) in the operator group are serialized, and those of an
outbox attempt hold the group from their first send to the attempt's recorded outcome.
That way the ids of the group tell which messages of ours may have been sent twice
(``core.messaging.send_journal``), and the orphans are searched and deleted right after the next
message of ours lands (``operators_group.sweep``), before anything else is posted.

Telegram allows a bot 20 messages a minute in one group, so one send at a time costs
the desk nothing it could use.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.methods import CreateForumTopic
from aiogram.types import ForumTopic, Message, MessageId

from core.messaging.group_lease import LocalSendLock, SendLock
from core.messaging.send_journal import JournalState, SendJournal, SweepRange
from core.outbox.attempt import Attempt, current_attempt
from operators_group.sweep import Sweeper

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.client.session.middlewares.base import NextRequestMiddlewareType
    from aiogram.methods import TelegramMethod

log = logging.getLogger(__name__)

#: Bot API methods that leave a new message (or topic) of the bot in the chat
CREATING = frozenset(
    {
        "SendMessage", "SendPhoto", "SendVideo", "SendAnimation", "SendAudio", "SendVoice",
        "SendDocument", "SendSticker", "SendVideoNote", "SendLocation", "SendVenue",
        "SendContact", "SendPoll", "SendDice", "SendMediaGroup", "SendPaidMedia",
        "CopyMessage", "CopyMessages", "ForwardMessage", "ForwardMessages",
        "CreateForumTopic",
    }
)  # fmt: skip


def created_ids(result: Any) -> Iterator[int]:
    """The message ids a creating call returned (a topic: its thread id)."""
    items = result if isinstance(result, list) else [result]
    for item in items:
        if isinstance(item, Message | MessageId):
            yield int(item.message_id)
        elif isinstance(item, ForumTopic):
            yield int(item.message_thread_id)


class GroupSendJournal(BaseRequestMiddleware):
    """Serializes the desk's sends to ``chat_id`` and keeps its :class:`SendJournal`.

    Call :meth:`load` before the first send (the outbox worker's start).
    """

    def __init__(
        self, chat_id: int, journal: SendJournal | None = None, lock: SendLock | None = None
    ) -> None:
        """``lock`` serializes the sends (one process: the default; several: a GroupLease)."""
        self.chat_id = chat_id
        self.journal = journal or SendJournal(chat_id)
        self._lock = lock or LocalSendLock()
        self._holder: Attempt | None = None

    @property
    def state(self) -> JournalState:
        """The journal's state."""
        return self.journal.state

    async def load(self) -> JournalState:
        """Read the stored journal: sends in doubt at the last stop are searched first."""
        return await self.journal.load()

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Any:
        if type(method).__name__ not in CREATING or not self._ours(method):
            return await make_request(bot, method)
        attempt = current_attempt()
        if attempt is None:
            await self._lock.acquire()
            try:
                return await self._send(make_request, bot, method, attempt=False)
            finally:
                self._lock.release()
        first = attempt is not self._holder
        if first:
            await self._lock.acquire()
            self._holder = attempt
            attempt.on_end(self._ended)
            attempt.on_done(self.journal.attempt_done)
            # the wait for the group may have outlasted this process's claim (a pause):
            # whoever has the items now sends them, not this process
            await attempt.confirm()
        topic = method.name if isinstance(method, CreateForumTopic) else None
        # a failure here ends the attempt like any send error; its end hook frees the group
        await self.journal.before_send(first_of_attempt=first, topic=topic)
        return await self._send(make_request, bot, method, attempt=True)

    def _ours(self, method: TelegramMethod[Any]) -> bool:
        return str(getattr(method, "chat_id", "")) == str(self.chat_id)

    async def _send(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
        *,
        attempt: bool,
    ) -> Any:
        self._lock.check()  # a process that lost the group's lease sends nothing more
        result = await make_request(bot, method)
        try:
            ranges = await self.journal.after_send(created_ids(result), attempt=attempt)
            if ranges:
                await self._sweep(bot, ranges)
        except Exception:
            # the message is there: bookkeeping trouble must not make it look lost
            log.exception("the journal of sends to the group could not be updated")
        return result

    async def _sweep(self, bot: Bot, ranges: list[SweepRange]) -> None:
        try:
            await Sweeper(bot, self.chat_id).sweep(ranges)
        except (TelegramNetworkError, TelegramAPIError) as exc:
            log.warning("looking for messages sent twice stopped (%s); trying again later", exc)
            return
        await self.journal.swept(ranges)

    def _ended(self, done: bool) -> None:
        self.journal.attempt_ended(done)
        self._holder = None
        self._lock.release()
