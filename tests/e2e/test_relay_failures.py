"""Failures as a support team expects them: nothing lost, one clear word, then recovery."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from core.models import OutboxItem
from core.outbox.queues import DELIVER
from sandbox.telegram import Topic
from tests.e2e.conftest import (
    from_bot,
    general,
    in_topic,
    opened,
    received,
    shown,
    topic_of,
    until,
)
from tests.fixtures.telegram_sandbox import DeskWorld


def _notice(world: DeskWorld, topic: Topic, needle: str) -> list[str]:
    return [m.body for m in in_topic(world, topic) if m.sender_is_bot and needle in m.body]


async def _held() -> None:
    """Wait until a delivery met the block and is held (the notice about the block can
    show before that attempt commits)."""
    for _attempt in range(200):
        later = datetime.now(UTC) + timedelta(minutes=1)  # held: not tried for minutes
        if await OutboxItem.filter(operation=DELIVER, not_before__gte=later).exists():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the delivery was never held")


def _texts(world: DeskWorld, topic: Topic) -> str:
    return "\n".join(m.body for m in in_topic(world, topic))


async def test_a_blocked_customer_gets_held_replies_once_unblocked(relay_desk: DeskWorld) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    topic = await opened(world)
    sb.block_bot(world.customer, world.bot)
    await until(sb, lambda: _notice(world, topic, "blocked the bot"))
    first = sb.send_text(world.operator, world.group, "Are you there?", topic=topic)
    await until(sb, lambda: _notice(world, topic, "Not delivered yet"))

    def card() -> str:
        return next(m for m in sb.messages(world.group, topic=topic) if m.pinned).body

    # Replying took the ticket (the first replier owns it); the block itself changes nothing.
    card_before = await until(sb, lambda: "Assignee: Ivan" in card() and card())
    second = sb.send_text(world.operator, world.group, "We will wait", topic=topic)
    await asyncio.sleep(0.3)
    assert from_bot(world) == []
    marked = [m for m in in_topic(world, topic) if m.message_id == first.message_id]
    assert marked and not marked[0].reactions  # not marked delivered
    assert card() == card_before  # the ticket stays as it is
    sb.unblock_bot(world.customer, world.bot)
    await received(world, "We will wait")
    assert [m.body for m in from_bot(world)] == ["Are you there?", "We will wait"]
    await until(
        sb,
        lambda: all(
            m.reactions
            for m in in_topic(world, topic)
            if m.message_id in (first.message_id, second.message_id)
        ),
    )
    await asyncio.sleep(0.3)
    assert len(from_bot(world)) == 2  # exactly once


async def test_a_deleted_topic_is_recreated_with_a_header(relay_desk: DeskWorld) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    old = await opened(world)
    sb.delete_topic(world.owner, world.group, old)
    sb.send_text(world.customer, world.bot, "Anyone?")
    new = await until(
        sb,
        lambda: next(
            (t for t in world.group.topics.values() if t.thread_id != old.thread_id), None
        ),
    )
    assert new.name == old.name
    await shown(world, new, "Anyone?")
    header = _notice(world, new, "History continues from ticket #")
    assert header, [m.body for m in in_topic(world, new)]
    assert any(m.pinned for m in sb.messages(world.group, topic=new))
    sb.send_text(world.operator, world.group, "Here we are", topic=new)
    await received(world, "Here we are")


async def test_a_closed_topic_reopens_when_the_customer_writes(relay_desk: DeskWorld) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    topic = await opened(world)
    sb.close_topic(world.owner, world.group, topic)
    sb.send_text(world.customer, world.bot, "One more question")
    await shown(world, topic, "One more question")
    await until(sb, lambda: not topic.closed)
    sb.send_text(world.operator, world.group, "Go ahead", topic=topic)
    await received(world, "Go ahead")


async def test_a_closed_topic_the_bot_may_not_post_in_is_reopened(relay_desk: DeskWorld) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    topic = await opened(world)
    sb.close_topic(world.owner, world.group, topic)
    # Closed while the bot could not manage topics: it gets TOPIC_CLOSED, then rights return.
    sb.set_bot_rights(world.group, world.bot, admin=True, can_manage_topics=False)
    sb.send_text(world.customer, world.bot, "Hello again")
    await until(sb, lambda: general(world))
    sb.set_bot_rights(world.group, world.bot, admin=True, can_manage_topics=True)
    await shown(world, topic, "Hello again")
    assert not topic.closed


async def test_lost_rights_alert_once_and_release_on_restore(relay_desk: DeskWorld) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    await opened(world)
    sb.set_bot_rights(world.group, world.bot, admin=True, can_manage_topics=False)
    bob = sb.create_user("Bob")
    carol = sb.create_user("Carol")
    sb.send_text(bob, world.bot, "Bob needs help")
    sb.send_text(carol, world.bot, "Carol needs help")
    sb.send_text(bob, world.bot, "Bob again")
    alert = await until(sb, lambda: general(world))
    await asyncio.sleep(0.5)  # a crash loop would post more alerts by now
    assert len(general(world)) == 1
    assert "rights" in alert[0].body
    assert len(world.group.topics) == 1  # nobody else got a topic yet
    sb.set_bot_rights(world.group, world.bot, admin=True, can_manage_topics=True)
    bob_topic = await topic_of(world, bob)
    carol_topic = await topic_of(world, carol)
    await shown(world, carol_topic, "Carol needs help")
    # The backlog of plain texts arrives merged, each line with its own time, in order.
    text = await until(sb, lambda: "Bob again" in (t := _texts(world, bob_topic)) and t)
    assert text.index("Bob needs help") < text.index("Bob again")


async def test_demoted_to_member_alerts_once(relay_desk: DeskWorld) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    await opened(world)
    sb.set_bot_rights(world.group, world.bot, admin=False)
    bob = sb.create_user("Bob")
    sb.send_text(bob, world.bot, "Bob needs help")
    await until(sb, lambda: general(world))
    await asyncio.sleep(0.3)
    assert len(general(world)) == 1
    sb.set_bot_rights(world.group, world.bot, admin=True)
    await shown(world, await topic_of(world, bob), "Bob needs help")


async def test_a_reply_that_cannot_be_delivered_says_why(relay_desk: DeskWorld) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    topic = await opened(world)
    delivered = sb.send_text(world.operator, world.group, "plain words", topic=topic)
    await received(world, "plain words")
    await until(
        sb,
        lambda: any(
            m.reactions.get("👌")
            for m in in_topic(world, topic)
            if m.message_id == delivered.message_id
        ),
    )
    # The operator deletes a reply while it waits for a blocked customer: nothing to copy.
    sb.block_bot(world.customer, world.bot)
    gone = sb.send_text(world.operator, world.group, "oops, wrong chat", topic=topic)
    await until(sb, lambda: _notice(world, topic, "Not delivered yet"))
    await _held()  # the attempt that meets the block, before anything else happens
    sb.edit_message(world.operator, delivered, "plainer words")
    sb.delete_message(world.operator, gone)
    sb.unblock_bot(world.customer, world.bot)
    failed = await until(sb, lambda: _notice(world, topic, "Not delivered:"))
    assert "not found" in failed[0]
    # The edit made while blocked was held too, and applied after the unblock.
    await received(world, "plainer words")
    assert [m.body for m in from_bot(world)] == ["plainer words"]


async def test_a_failed_edit_says_why_as_a_reply(relay_desk: DeskWorld) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    topic = await opened(world)
    reply = sb.send_text(world.operator, world.group, "first version", topic=topic)
    copy = await received(world, "first version")
    sb.delete_message(world.customer, copy)  # the customer deleted the bot's message
    sb.edit_message(world.operator, reply, "second version")
    notice = await until(
        sb, lambda: next((m for m in in_topic(world, topic) if "edit did not" in m.body), None)
    )
    assert notice.reply_to == reply.message_id
