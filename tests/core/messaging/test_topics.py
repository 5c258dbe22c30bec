"""Topic repair rules without Telegram: closed topics reopen on a customer's word,
deleted ones come back, and lost rights are announced once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tortoise.transactions import in_transaction

from core.clock import FrozenClock
from core.context import DeskContext
from core.entities import Content, CustomerProfile, InboundMessage, Mirror
from core.enums import Channel, DeliveryState, MessageKind
from core.errors import ClaimLost, TopicClosed, TopicGone, TransientError
from core.messaging.mirroring import MirrorMessages
from core.messaging.topics import (
    current_ticket,
    ensure_topic,
    in_topic,
    rights_lost,
    rights_restored,
    topic_closed,
    topic_state,
)
from core.models import Conversation, Message, OutboxItem, Ticket
from core.outbox import Job
from core.outbox.queues import ALERT, MIRROR
from core.ports import Ports
from core.relay.ingest import ingest

GROUP = -1001234567890
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class FakeDesk:
    """An operator group in memory: topics with their open/closed state and posts."""

    def __init__(self) -> None:
        self.topics: dict[int, bool] = {}  # thread id → closed
        self.posts: list[tuple[int, str]] = []
        self.reopened: list[int] = []
        self.mirrors: list[Mirror] = []
        self.next_id = 100

    async def open_topic(self, title: str) -> int:
        self.next_id += 1
        self.topics[self.next_id] = False
        return self.next_id

    async def reopen_topic(self, thread_id: int) -> None:
        self.reopened.append(thread_id)
        self.topics[thread_id] = False

    async def delete_topic(self, thread_id: int) -> None:
        del self.topics[thread_id]

    async def post(self, thread_id: int, html: str, *, reply_to: int | None = None) -> int:
        if thread_id not in self.topics:
            raise TopicGone("message thread not found")
        self.posts.append((thread_id, html))
        self.next_id += 1
        return self.next_id

    async def post_card(self, thread_id: int, card: object) -> int:
        return await self.post(thread_id, "card")

    async def pin(self, message_id: int) -> None:
        return None

    async def mirror(self, mirror: Mirror) -> tuple[int, ...]:
        ids = []
        for content in mirror.contents:
            ids.append(await self.post(mirror.thread_id, content.text or ""))
        self.mirrors.append(mirror)
        return tuple(ids)


def setup() -> tuple[FakeDesk, Ports, DeskContext]:
    desk = FakeDesk()
    return desk, Ports(desk=desk, channels={}), DeskContext(GROUP, clock=FrozenClock(NOW))  # type: ignore[arg-type]


async def echo(thread_id: int) -> int:
    """A send that only reports where it would have posted."""
    return thread_id


async def conversation(ctx: DeskContext, *texts: str) -> Conversation:
    profile = CustomerProfile(Channel.TELEGRAM, 7, "Alice")
    for n, text in enumerate(texts or ("hi",), start=1):
        content = Content(MessageKind.TEXT, text=text)
        await ingest(InboundMessage(profile, 7, n, NOW, content), ctx)
    return await Conversation.get(chat_id=7)


async def test_the_topic_state_says_what_is_missing(db: str) -> None:
    desk, ports, ctx = setup()
    conv = await conversation(ctx)
    before = await topic_state(conv.id)
    assert before.thread_id is None and before.ticket_id is not None and not before.ready
    thread = await in_topic(ports, ctx, conv.id, echo)
    opened = await topic_state(conv.id)
    assert opened.ready and opened.thread_id == thread and not opened.closed
    await topic_closed(thread, closed=True)
    assert (await topic_state(conv.id)).closed
    ticket = await Ticket.get(conversation_id=conv.id)
    await Ticket.filter(id=ticket.id).update(card_message_id=None)  # e.g. a new ticket
    assert not (await topic_state(conv.id)).ready
    await in_topic(ports, ctx, conv.id, echo)  # posts the card again
    assert (await topic_state(conv.id)).ready
    assert len([html for _thread, html in desk.posts if html == "card"]) == 2


async def jobs_of_mirrors() -> list[Job]:
    return [Job.of(item) for item in await OutboxItem.filter(operation=MIRROR).order_by("id")]


async def test_a_mirror_shows_the_messages_and_records_where(db: str) -> None:
    desk, ports, ctx = setup()
    conv = await conversation(ctx, "hi", "anyone?", "hello??")
    thread = await in_topic(ports, ctx, conv.id, echo)
    await topic_closed(thread, closed=True)
    first, *rest = await jobs_of_mirrors()
    alone = await MirrorMessages(ports, ctx).run([first])
    assert desk.reopened == [thread]  # the customer wrote: a closed topic opens again
    assert [m.contents[0].text for m in desk.mirrors] == ["hi"]
    assert desk.mirrors[0].source_chat_id == 7 and desk.mirrors[0].thread_id == thread
    merged = await MirrorMessages(ports, ctx).run(rest)  # plain texts: one message
    assert "anyone?" in desk.posts[-1][1] and "hello??" in desk.posts[-1][1]
    assert alone is not None and merged is not None
    async with in_transaction() as connection:
        await alone(connection)
        await merged(connection)
    hi, anyone, hello = await Message.filter(conversation_id=conv.id).order_by("id")
    assert all(m.delivery_state is DeliveryState.DELIVERED for m in (hi, anyone, hello))
    assert hi.group_message_id == desk.next_id - 1  # the mirror, then the merged post
    assert anyone.group_message_id == hello.group_message_id == desk.next_id


async def test_a_closed_topic_is_reopened_only_when_asked(db: str) -> None:
    desk, ports, ctx = setup()
    conv = await conversation(ctx)
    thread = await in_topic(ports, ctx, conv.id, echo)
    await topic_closed(thread, closed=True)
    await in_topic(ports, ctx, conv.id, lambda t: desk.post(t, "a notice"))
    assert desk.reopened == []  # a notice leaves the team's decision alone
    await in_topic(ports, ctx, conv.id, lambda t: desk.post(t, "customer"), reopen_closed=True)
    await in_topic(ports, ctx, conv.id, lambda t: desk.post(t, "again"), reopen_closed=True)
    assert desk.reopened == [thread]  # once: the flag is cleared


async def test_reopened_by_someone_else_needs_no_reopen(db: str) -> None:
    desk, ports, ctx = setup()
    conv = await conversation(ctx)
    thread = await in_topic(ports, ctx, conv.id, echo)
    await topic_closed(thread, closed=True)
    await topic_closed(thread, closed=False)
    await in_topic(ports, ctx, conv.id, lambda t: desk.post(t, "x"), reopen_closed=True)
    assert desk.reopened == []


async def test_closing_a_topic_of_no_conversation_is_ignored(db: str) -> None:
    desk, ports, ctx = setup()
    await topic_closed(4242, closed=True)
    conv = await conversation(ctx)
    await in_topic(ports, ctx, conv.id, lambda t: desk.post(t, "x"), reopen_closed=True)
    assert desk.reopened == []


async def test_topic_closed_error_reopens_and_retries(db: str) -> None:
    desk, ports, ctx = setup()
    conv = await conversation(ctx)
    calls: list[int] = []

    async def send(thread_id: int) -> int:
        calls.append(thread_id)
        if len(calls) == 1:
            raise TopicClosed("TOPIC_CLOSED")
        return await desk.post(thread_id, "x")

    await in_topic(ports, ctx, conv.id, send)
    assert len(calls) == 2 and desk.reopened == [calls[0]]


async def test_a_deleted_topic_is_recreated_with_a_header(db: str) -> None:
    desk, ports, ctx = setup()
    conv = await conversation(ctx)
    old = await in_topic(ports, ctx, conv.id, echo)
    del desk.topics[old]

    async def again(thread_id: int) -> int:
        await desk.post(thread_id, "again")
        return thread_id

    new = await in_topic(ports, ctx, conv.id, again)
    assert new != old
    texts = [html for thread, html in desk.posts if thread == new]
    assert "History continues from ticket #" in texts[0] and texts[-1] == "again"


async def test_lost_rights_alert_once_until_restored(db: str) -> None:
    _desk, _ports, ctx = setup()
    await rights_lost(ctx)
    await rights_lost(ctx)
    assert await OutboxItem.filter(operation=ALERT).count() == 1
    await rights_restored(ctx)
    await rights_lost(ctx)
    assert await OutboxItem.filter(operation=ALERT).count() == 2


async def test_a_topic_opened_twice_is_deleted_and_the_first_one_kept(db: str) -> None:
    """A process paused in the middle of opening the topic wakes after another process
    opened one: its own topic is deleted and the conversation keeps the other."""
    desk, ports, ctx = setup()
    conv = await conversation(ctx)
    other = 42  # the topic the other process opened and recorded meanwhile
    opened = desk.open_topic

    async def open_late(title: str) -> int:
        await Conversation.filter(id=conv.id).update(message_thread_id=other)
        return await opened(title)

    desk.open_topic = open_late  # type: ignore[method-assign]
    with pytest.raises(ClaimLost):
        await ensure_topic(ports, ctx, conv)
    assert desk.topics == {}  # ours is gone again
    assert (await Conversation.get(id=conv.id)).message_thread_id == other
    assert desk.posts == []  # no card in either topic from this process


async def test_a_card_is_recorded_only_once_pinned(db: str) -> None:
    """Lost between posting and pinning (a network error, a crash), the card stays
    unrecorded: the retry posts and pins a new one (the journal's sweep deletes the old)."""
    desk, ports, ctx = setup()
    conv = await conversation(ctx)
    pinned: list[int] = []
    failures = [TransientError("timed out")]

    async def pin(message_id: int) -> None:
        if failures:
            raise failures.pop()
        pinned.append(message_id)

    desk.pin = pin  # type: ignore[method-assign]
    with pytest.raises(TransientError):
        await ensure_topic(ports, ctx, conv)
    assert (await current_ticket(conv)).card_message_id is None
    conv = await Conversation.get(id=conv.id)
    await ensure_topic(ports, ctx, conv)
    card = (await current_ticket(conv)).card_message_id
    assert card is not None and pinned == [card]
    assert len([html for _thread, html in desk.posts if html == "card"]) == 2
