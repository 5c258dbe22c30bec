"""Which messages of ours in the operator group may be there without botdesk knowing.

The Bot API has no idempotency key. When botdesk dies (or loses an answer) after
Telegram accepted a send but before the outbox marked the item done, the outbox sends
the item again, and the first copy stays behind: an *orphan*. Message ids of a
supergroup only grow, so the orphans of a send sit between the highest id of ours that
botdesk knew of before that send (the *fence*) and the first message of ours that
lands after it: a finite range that can be searched and cleaned
(``operators_group.sweep``).

This module keeps that bookkeeping, durably, in one ``ChannelCursor`` row per chat:

* ``known`` — the highest message id of ours that botdesk saw land;
* ``open`` — a fence whose range has no upper end yet: the sends of the outbox attempt
  running now, or of one that ended without its done mark (a *leftover*: it failed, or
  the process died). A leftover's range ends at the next message of ours that lands;
* ``ranges`` — ranges ``(after, before)`` still to be searched, each with the names of
  topics whose creation was in doubt in it.

Sends to the group are serialized (one outbox attempt at a time, from its first send to
its done mark), so a range only ever holds orphans, other people's messages, service
messages, and messages of ours that botdesk recorded in its tables on the way
(:func:`recorded_ids`). Several processes take turns (:mod:`core.messaging.group_lease`):
the holder of the group's lease reads the journal its predecessor left, and each write
carries the lease's fencing token, so a process that lost the lease changes nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from tortoise.backends.base.client import BaseDBAsyncClient

from core.leases import still_held
from core.lookup import marks, sql
from core.messaging.group_lease import Fence, LeaseLost
from core.models import ChannelCursor, utcnow

__all__ = ["JournalState", "SendJournal", "SweepRange", "never_sent", "recorded_ids"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SweepRange:
    """Message ids strictly between ``after`` and ``before`` may hold orphans of ours."""

    after: int
    before: int
    topics: tuple[str, ...] = ()  # names of topics whose creation was in doubt

    def ids(self, limit: int) -> list[int]:
        """The ids to look at, oldest first (orphans land right after the fence)."""
        return list(range(self.after + 1, min(self.before, self.after + 1 + limit)))


@dataclass(slots=True)
class JournalState:
    """The bookkeeping itself, without storage: every change is a method here.

    ``known`` is None until the first message of ours lands in a fresh journal: botdesk
    cannot tell before that where its own messages end.
    """

    known: int | None = None
    open: int | None = None
    open_topics: list[str] = field(default_factory=list)
    ranges: list[SweepRange] = field(default_factory=list)
    #: ``open`` belongs to sends no one is waiting on any more (set for a loaded journal)
    leftover: bool = False
    #: while an attempt runs on top of a leftover: where its topic names begin
    attempt_topics: int | None = None

    def begin(self) -> bool:
        """An outbox attempt is about to send; return whether that must be stored first."""
        if self.open is not None:
            # a leftover's fence is lower and already covers this attempt
            self.attempt_topics = len(self.open_topics)
            return False
        if self.known is None:
            return False  # nothing to fence with yet: the first landing anchors us
        self.open = self.known
        return True

    def doubt_topic(self, name: str) -> None:
        """A topic named ``name`` is being created by the attempt running now."""
        self.open_topics.append(name)

    def landed(self, ids: Iterable[int], *, attempt: bool) -> bool:
        """Messages of ours landed (``attempt``: for the running outbox attempt).

        Returns whether the state must be stored now: a leftover's range was closed (it
        is in ``ranges`` now), the running attempt's fence was only set here (on top of a
        leftover, or in a fresh journal), or the message was sent outside the outbox.
        """
        ids = list(ids)
        if not ids:
            return False
        first, last = min(ids), max(ids)
        store = False
        if self.leftover and self.open is not None:
            cut = len(self.open_topics)
            if attempt and self.attempt_topics is not None:
                cut = self.attempt_topics  # the running attempt's own names stay open
            self.ranges.append(SweepRange(self.open, first, tuple(self.open_topics[:cut])))
            self.open, self.open_topics = None, self.open_topics[cut:]
            self.leftover, self.attempt_topics = False, None
            store = True
        if attempt and self.open is None:
            self.open = first - 1 if self.known is None else self.known
            store = True
        elif not attempt:
            # a message sent outside the outbox is never sent again: it must be below
            # the fence of the next attempt, also after a restart
            store = True
        self.known = last if self.known is None else max(self.known, last)
        return store

    def finished(self, done: bool) -> None:
        """The running attempt ended; without its done mark its sends are in doubt."""
        self.attempt_topics = None
        if not done and self.open is not None:
            self.leftover = True

    def done(self) -> None:
        """The running attempt's items are marked done: nothing of it is in doubt."""
        if not self.leftover:
            self.open, self.open_topics = None, []

    def swept(self, ranges: Sequence[SweepRange]) -> None:
        """These ranges were searched and cleaned."""
        self.ranges = [r for r in self.ranges if r not in ranges]

    def dump(self) -> str:
        """The state as stored."""
        return json.dumps(
            {
                "known": self.known,
                "open": self.open,
                "open_topics": self.open_topics,
                "ranges": [[r.after, r.before, list(r.topics)] for r in self.ranges],
            }
        )

    @classmethod
    def load(cls, text: str) -> JournalState:
        """A stored state; whatever was open then is a leftover now."""
        if not text:
            return cls()
        data = json.loads(text)
        ranges = [SweepRange(int(a), int(b), tuple(t)) for a, b, t in data.get("ranges", [])]
        state = cls(data.get("known"), data.get("open"), list(data.get("open_topics", [])))
        state.ranges = ranges
        state.leftover = state.open is not None
        return state


_SAVE = "UPDATE channel_cursors SET value = {0}, updated_at = {1} WHERE name = {2}"
_FENCED_SAVE = _SAVE + " AND " + still_held("{3}", "{4}", "{5}")


class SendJournal:
    """:class:`JournalState` of one chat, stored in the ``ChannelCursor`` ``tg:sent:<chat>``."""

    def __init__(self, chat_id: int, fence: Callable[[], Fence | None] | None = None) -> None:
        """``fence`` names the lease that guards every write (several processes)."""
        self.name = f"tg:sent:{chat_id}"
        self.state = JournalState()
        self._fence = fence

    async def load(self) -> JournalState:
        """Read the stored state (creating the row); call once at start-up."""
        row, _ = await ChannelCursor.get_or_create(name=self.name, defaults={"value": ""})
        self.state = JournalState.load(row.value)
        if self.state.open is not None or self.state.ranges:
            log.warning("sends to the group were in doubt at the last stop: %s", row.value)
        return self.state

    async def before_send(self, *, first_of_attempt: bool, topic: str | None = None) -> None:
        """A send is about to go: what a crash right after it needs is stored first.

        ``first_of_attempt``: the first send to the chat of an outbox attempt (outside
        the outbox pass False); ``topic``: the name of a topic being created.
        """
        store = self.state.begin() if first_of_attempt else False
        if topic is not None:
            self.state.doubt_topic(topic)
            store = True
        if store:
            await self.save()

    async def after_send(self, ids: Iterable[int], *, attempt: bool) -> list[SweepRange]:
        """Messages of ours landed; return the ranges to search for orphans now."""
        if self.state.landed(ids, attempt=attempt):
            await self.save()
        return list(self.state.ranges)

    async def swept(self, ranges: Sequence[SweepRange]) -> None:
        """These ranges were searched and cleaned."""
        self.state.swept(ranges)
        await self.save()

    async def attempt_done(self, connection: BaseDBAsyncClient) -> None:
        """The attempt's items are marked done (run inside that transaction)."""
        self.state.done()
        await self.save(connection)

    def attempt_ended(self, done: bool) -> None:
        """The attempt's outcome is recorded; without its done mark its sends are in doubt."""
        self.state.finished(done)

    async def save(self, connection: BaseDBAsyncClient | None = None) -> None:
        """Store the state now (inside ``connection``'s transaction when given)."""
        connection = connection or ChannelCursor._meta.db
        values = [self.state.dump(), utcnow(), self.name]
        fence = self._fence() if self._fence is not None else None
        if fence is None:
            await connection.execute_query(sql(connection, _SAVE, 3), values)
            return
        changed, _ = await connection.execute_query(
            sql(connection, _FENCED_SAVE, 6), [*values, *fence]
        )
        if not changed:
            raise LeaseLost(f"{fence[0]} passed to another process: the journal is not ours")


async def never_sent(chat_id: int) -> bool:
    """Whether no message of ours ever landed in the chat, as stored (a new desk's group)."""
    row = await ChannelCursor.get_or_none(name=f"tg:sent:{chat_id}")
    return row is None or JournalState.load(row.value).known is None


_RECORDED = """
SELECT message_thread_id AS id FROM conversations WHERE message_thread_id IN ({ids})
UNION SELECT card_message_id FROM tickets WHERE card_message_id IN ({ids})
UNION SELECT group_message_id FROM messages WHERE group_message_id IN ({ids})
"""


async def recorded_ids(ids: Sequence[int]) -> set[int]:
    """Those of ``ids`` that botdesk stored as a topic, a card or a message: never orphans."""
    if not ids:
        return set()
    connection = ChannelCursor._meta.db
    # the same ids three times; numbered placeholders differ per engine, so repeat them
    places = [marks(i * len(ids), len(ids)) for i in range(3)]
    template = _RECORDED.replace("{ids}", "%s") % tuple(places)
    statement = sql(connection, template, 3 * len(ids))
    rows = await connection.execute_query_dict(statement, [*ids, *ids, *ids])
    return {int(row["id"]) for row in rows if row["id"] is not None}
