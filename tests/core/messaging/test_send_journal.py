"""The send journal against a model of a group, with crashes anywhere.

The model plays Telegram (ids only grow, operators write in between), the desk (outbox
attempts of several sends, direct sends, crashes that keep only what was stored) and
the sweeper (deleting every message of ours in a range). Whatever happens, no message
botdesk counts as delivered is ever deleted, and every copy left by an attempt that
never got its done mark is gone once the next message of ours has landed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st
from tortoise.backends.base.client import BaseDBAsyncClient

from core.messaging.send_journal import JournalState, SendJournal, SweepRange
from core.outbox.attempt import Attempt, current_attempt


class MemoryJournal(SendJournal):
    """A journal whose storage is a string: a crash keeps exactly what was saved."""

    def __init__(self) -> None:
        super().__init__(chat_id=1)
        self.stored = ""

    async def save(self, connection: BaseDBAsyncClient | None = None) -> None:
        self.stored = self.state.dump()

    def crash(self) -> None:
        self.state = JournalState.load(self.stored)


@dataclass
class Group:
    """Telegram's side: who wrote which id, and what was deleted."""

    next_id: int = 100
    ours: set[int] = field(default_factory=set)
    topics: dict[int, str] = field(default_factory=dict)  # topics of ours by thread id
    deleted: set[int] = field(default_factory=set)

    def post(self, ours: bool, topic: str | None = None) -> int:
        self.next_id += 1
        if topic is not None:
            self.topics[self.next_id] = topic
        elif ours:
            self.ours.add(self.next_id)
        return self.next_id

    def sweep(self, ranges: list[SweepRange]) -> None:
        # a topic is only recognised by a name the range lists (and only one per name)
        for where in ranges:
            names = list(where.topics)
            for i in sorted({*self.ours, *self.topics}):
                if not where.after < i < where.before or i in self.deleted:
                    continue
                if i in self.ours:
                    self.deleted.add(i)
                elif names and self.topics[i] == names[0]:
                    self.deleted.add(i)
                    names.pop(0)


@dataclass
class Desk:
    """botdesk's side, speaking the protocol of ``operators_group.sent_journal``."""

    group: Group
    journal: MemoryJournal = field(default_factory=MemoryJournal)
    kept: set[int] = field(default_factory=set)  # delivered: must never be deleted
    orphans: set[int] = field(default_factory=set)  # sent by attempts without a done mark

    async def after(self, ids: list[int], attempt: bool) -> None:
        ranges = await self.journal.after_send(ids, attempt=attempt)
        if ranges:
            self.group.sweep(ranges)
            await self.journal.swept(ranges)

    async def direct(self) -> None:
        await self.journal.before_send(first_of_attempt=False)
        message = self.group.post(ours=True)
        await self.after([message], attempt=False)
        self.kept.add(message)

    async def attempt(self, sends: int, ending: str, crash_at: int, topic: bool) -> bool:
        """One outbox attempt (``topic``: it creates one first); False if the process died."""
        landed: list[int] = []
        for number in range(sends):
            name = f"#{self.group.next_id} topic" if topic and number == 0 else None
            await self.journal.before_send(first_of_attempt=number == 0, topic=name)
            message = self.group.post(ours=True, topic=name)
            landed.append(message)
            if ending == "crash" and number == crash_at:
                self.orphans.update(landed)  # died before hearing Telegram's answer
                self.journal.crash()
                return False
            await self.after([message], attempt=True)
        if ending == "done":
            await self.journal.attempt_done(connection=None)  # type: ignore[arg-type]
            self.journal.attempt_ended(True)
            self.kept.update(landed)
        else:
            self.journal.attempt_ended(False)
            self.orphans.update(landed)
        return True


steps = st.lists(
    st.one_of(
        st.tuples(st.just("operator"), st.integers(1, 3)),
        st.tuples(st.just("direct"), st.just(0)),
        st.tuples(
            st.sampled_from(["done", "done", "failed", "crash"]),
            st.tuples(st.integers(1, 3), st.integers(0, 2), st.booleans()),
        ),
    ),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(steps)
def test_a_delivered_message_is_never_deleted_and_a_copy_never_stays(script: list) -> None:
    async def play() -> Desk:
        desk = Desk(Group())
        await desk.direct()  # the welcome message anchors a fresh journal
        for kind, arg in script:
            if kind == "operator":
                for _ in range(arg):
                    desk.group.post(ours=False)
            elif kind == "direct":
                await desk.direct()
            else:
                sends, crash_at, topic = arg
                await desk.attempt(sends, kind, min(crash_at, sends - 1), topic)
        await desk.direct()  # the next message of ours closes every range in doubt
        return desk

    desk = asyncio.run(play())
    assert not desk.kept & desk.group.deleted, "a delivered message was deleted"
    assert desk.orphans <= desk.group.deleted, "a copy of a resent message stayed"
    assert not desk.journal.state.ranges and desk.journal.state.open is None


def test_a_fresh_journal_fences_its_first_attempt_at_its_first_message() -> None:
    state = JournalState()
    assert state.begin() is False  # nothing known yet: no fence to store
    assert state.landed([57, 58], attempt=True)
    assert (state.open, state.known) == (56, 58)
    state.finished(False)
    state.landed([70], attempt=False)
    assert state.ranges == [SweepRange(56, 70)]


def test_the_stored_state_reads_back_with_what_was_open_as_a_leftover() -> None:
    state = JournalState(known=10, open=8, open_topics=["#1 Ann"])
    state.ranges = [SweepRange(3, 6, ("#0 Bob",))]
    again = JournalState.load(state.dump())
    assert again.ranges == state.ranges and again.open_topics == ["#1 Ann"]
    assert again.leftover and again.known == 10
    again.landed([20], attempt=False)
    assert again.ranges[-1] == SweepRange(8, 20, ("#1 Ann",))


def test_a_range_is_searched_from_the_fence_up_to_a_limit() -> None:
    assert SweepRange(10, 14).ids(100) == [11, 12, 13]
    assert SweepRange(10, 1000).ids(3) == [11, 12, 13]


async def test_a_task_left_over_from_an_attempt_does_not_send_for_it() -> None:
    seen: list[object] = []

    async def later() -> None:
        await gate.wait()
        seen.append(current_attempt())

    gate = asyncio.Event()
    with Attempt() as attempt:
        assert current_attempt() is attempt
        task = asyncio.create_task(later())  # inherits the attempt's context
    gate.set()
    await task
    assert seen == [None], "an ended attempt registers no hooks any more"
