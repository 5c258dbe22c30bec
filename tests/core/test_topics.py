"""Topic repair rules without Telegram: closed topics reopen on a customer's word,
deleted ones come back, and lost rights are announced once."""

from __future__ import annotations

from datetime import UTC, datetime

from core.clock import FrozenClock
from core.context import DeskContext
from core.entities import Content, CustomerProfile, InboundMessage
from core.enums import Channel, MessageKind
from core.errors import TopicClosed, TopicGone
from core.ingest import ingest
from core.models import Conversation, OutboxItem
from core.ports import Ports
from core.queues import ALERT
from core.topics import in_topic, rights_lost, rights_restored, topic_closed

GROUP = -1001234567890
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class FakeDesk:
    """An operator group in memory: topics with their open/closed state and posts."""

    def __init__(self) -> None:
        self.topics: dict[int, bool] = {}  # thread id → closed
        self.posts: list[tuple[int, str]] = []
        self.reopened: list[int] = []
        self.next_id = 100

    async def open_topic(self, title: str) -> int:
        self.next_id += 1
        self.topics[self.next_id] = False
        return self.next_id

    async def reopen_topic(self, thread_id: int) -> None:
        self.reopened.append(thread_id)
        self.topics[thread_id] = False

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


def setup() -> tuple[FakeDesk, Ports, DeskContext]:
    desk = FakeDesk()
    return desk, Ports(desk=desk, channels={}), DeskContext(GROUP, clock=FrozenClock(NOW))  # type: ignore[arg-type]


async def echo(thread_id: int) -> int:
    """A send that only reports where it would have posted."""
    return thread_id


async def conversation(ctx: DeskContext) -> Conversation:
    profile = CustomerProfile(Channel.TELEGRAM, 7, "Alice")
    content = Content(MessageKind.TEXT, text="hi")
    await ingest(InboundMessage(profile, 7, 1, NOW, content), ctx)
    return await Conversation.get(chat_id=7)


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
