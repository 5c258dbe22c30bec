"""A conversation's forum topic: created once, repaired when someone breaks it.

Each step is saved as soon as the messenger confirms it, so a retry after a failure or
a crash continues where it stopped and never creates a second topic for one
conversation. When the bot lost its rights in the group, work for the topics is held
and one alert goes to the General topic; it resumes when the rights come back.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import DoesNotExist

from core.context import DeskContext
from core.enums import OutboxStatus
from core.errors import (
    ClaimLost,
    DeliveryError,
    MissingRights,
    NotAForum,
    PermanentError,
    TopicClosed,
    TopicGone,
)
from core.i18n import _
from core.lookup import sql
from core.messaging.usecase import atomically, notice_text
from core.messaging.views import in_breach, ticket_card, topic_title
from core.models import ChannelCursor, Conversation, Customer, OutboxItem, Ticket
from core.outbox import HELD_PREFIX, release_held
from core.outbox.queues import ALERT, enqueue_on, general_queue
from core.ports import Ports

log = logging.getLogger(__name__)

T = TypeVar("T")

RIGHTS_ALERT_KEY = "alert:missing-rights"
FORUM_ALERT_KEY = "alert:not-a-forum"
CLOSED_KEY = "topic-closed:{thread_id}"


async def current_ticket(conversation: Conversation) -> Ticket:
    """The conversation's newest ticket (every conversation has at least one)."""
    ticket = await Ticket.filter(conversation_id=conversation.id).order_by("-id").first()
    if ticket is None:
        raise PermanentError(f"conversation {conversation.id} has no ticket")
    return ticket


async def ensure_topic(
    ports: Ports, ctx: DeskContext, conversation: Conversation, *, recreated: bool = False
) -> int:
    """The conversation's topic thread id, creating the topic and its pinned card if needed."""
    ticket = await current_ticket(conversation)
    if conversation.message_thread_id is None:
        customer = await Customer.get(id=conversation.customer_id)
        breached = await in_breach(ticket, ctx.clock.now())
        title = topic_title(ticket, customer, ctx.locale, breached=breached)
        thread_id = await ports.desk.open_topic(title)
        # only if still without one: a process paused in the middle of this call may
        # wake after another one opened the topic (this one stays empty, unused)
        won = await Conversation.filter(id=conversation.id, message_thread_id=None).update(
            message_thread_id=thread_id, topic_title=title
        )
        if not won:
            await _drop_orphan(ports, thread_id)
            raise ClaimLost(f"conversation {conversation.id} got its topic from another process")
        conversation.message_thread_id, conversation.topic_title = thread_id, title
        ticket.card_message_id = None  # a card of a deleted topic went with it
        await ticket.save(update_fields=["card_message_id"])
        if recreated:
            header = _(
                "♻️ The previous topic of this conversation was deleted. "
                "History continues from ticket #{number}."
            )
            await ports.desk.post(thread_id, notice_text(ctx, header, number=ticket.number))
    thread_id = int(conversation.message_thread_id)
    if ticket.card_message_id is None:
        card_id = await ports.desk.post_card(thread_id, await ticket_card(ticket, ctx.clock.now()))
        # pinned before it is recorded: a card recorded is never posted (or pinned) again,
        # while one lost between the two (a crash) is unrecorded, so the send journal's
        # sweep deletes it and the retry posts and pins a new one
        try:
            await ports.desk.pin(card_id)
        except PermanentError as exc:  # an unpinned card is still a card
            log.warning("could not pin the card of #%s: %s", ticket.number, exc)
        ticket.card_message_id = card_id
        await ticket.save(update_fields=["card_message_id"])
    return thread_id


async def _drop_orphan(ports: Ports, thread_id: int) -> None:
    """Delete a topic opened twice for one conversation: nobody would ever write in it."""
    try:
        await ports.desk.delete_topic(thread_id)
    except DeliveryError as exc:
        log.warning("topic %s, opened twice, could not be deleted: %s", thread_id, exc)


#: Columns (over ``conversations co``) telling whether the conversation's topic is ready:
#: its thread, its newest ticket and that ticket's card, and the "closed" mark.
TOPIC_STATE_COLUMNS = """
       co.message_thread_id AS topic_thread_id,
       (SELECT t.id FROM tickets t WHERE t.conversation_id = co.id
         ORDER BY t.id DESC LIMIT 1) AS topic_ticket_id,
       (SELECT t.card_message_id FROM tickets t WHERE t.conversation_id = co.id
         ORDER BY t.id DESC LIMIT 1) AS topic_card_id,
       EXISTS (SELECT 1 FROM channel_cursors cc
                WHERE cc.name = 'topic-closed:' || CAST(co.message_thread_id AS TEXT))
         AS topic_closed
"""

_TOPIC_STATE = f"SELECT {TOPIC_STATE_COLUMNS} FROM conversations co WHERE co.id = {{0}}"


@dataclass(frozen=True, slots=True)
class TopicState:
    """What :func:`in_topic` needs to know before it sends: read in one statement."""

    conversation_id: int
    thread_id: int | None
    ticket_id: int | None
    card_message_id: int | None
    closed: bool  # someone closed the topic (``thread_id``) and it was not reopened since

    @classmethod
    def of_row(cls, conversation_id: int, row: Mapping[str, Any]) -> TopicState:
        """The state from a row with the :data:`TOPIC_STATE_COLUMNS`."""

        def number(name: str) -> int | None:
            value = row[name]
            return int(value) if value is not None else None

        return cls(
            conversation_id=conversation_id,
            thread_id=number("topic_thread_id"),
            ticket_id=number("topic_ticket_id"),
            card_message_id=number("topic_card_id"),
            closed=bool(row["topic_closed"]),
        )

    @property
    def ready(self) -> bool:
        """The topic exists and the current ticket's card is in it: nothing to create."""
        return (
            self.thread_id is not None
            and self.ticket_id is not None
            and self.card_message_id is not None
        )


async def topic_state(conversation_id: int) -> TopicState:
    """The conversation's :class:`TopicState` (``DoesNotExist`` for an unknown one)."""
    connection = Conversation._meta.db
    rows = await connection.execute_query_dict(sql(connection, _TOPIC_STATE, 1), [conversation_id])
    if not rows:
        raise DoesNotExist(f"conversation {conversation_id} does not exist")
    return TopicState.of_row(conversation_id, rows[0])


async def in_topic(
    ports: Ports,
    ctx: DeskContext,
    conversation_id: int,
    send: Callable[[int], Awaitable[T]],
    *,
    reopen_closed: bool = False,
    state: TopicState | None = None,
) -> T:
    """Run ``send(thread_id)`` in the conversation's topic, repairing the topic once.

    A deleted topic is recreated (with a header and a fresh card); a closed one is
    reopened when the bot may not post in it, and with ``reopen_closed`` (a customer
    wrote) also when it may: an administrator bot can post in a closed topic, but the
    operators could not answer there.

    ``state`` is the conversation's :class:`TopicState` when the caller has read it
    already (it is read here otherwise). When the topic and the card exist, which is
    almost always, that one read is all the database work before the send.
    """
    if state is None:
        state = await topic_state(conversation_id)
    conversation: Conversation | None = None
    if state.ready:
        assert state.thread_id is not None
        thread_id = state.thread_id
    else:
        conversation = await Conversation.get(id=conversation_id)
        thread_id = await ensure_topic(ports, ctx, conversation)
    try:
        if reopen_closed and state.closed and thread_id == state.thread_id:
            await _reopen_closed(ports, thread_id)
        return await send(thread_id)
    except TopicGone:
        log.info("topic %s of conversation %s is gone; recreating it", thread_id, conversation_id)
        if conversation is None:
            conversation = await Conversation.get(id=conversation_id)
        conversation.message_thread_id = None
        await conversation.save(update_fields=["message_thread_id"])
        thread_id = await ensure_topic(ports, ctx, conversation, recreated=True)
    except TopicClosed:
        await ports.desk.reopen_topic(thread_id)
        await ChannelCursor.filter(name=CLOSED_KEY.format(thread_id=thread_id)).delete()
    return await send(thread_id)


async def _reopen_closed(ports: Ports, thread_id: int) -> None:
    """Reopen a topic that was marked closed, and forget the mark."""
    try:
        await ports.desk.reopen_topic(thread_id)
    except (TopicGone, MissingRights):
        raise  # recreate the topic, or hold until the rights return
    except PermanentError as exc:  # e.g. someone reopened it already
        log.info("topic %s was not reopened: %s", thread_id, exc)
    await ChannelCursor.filter(name=CLOSED_KEY.format(thread_id=thread_id)).delete()


async def topic_closed(thread_id: int, closed: bool) -> None:
    """Someone closed (``closed=True``) or reopened a conversation's topic.

    Only remembered: the topic is reopened when its customer writes next, not at once,
    because closing a topic is how a team says "done for now".
    """
    key = CLOSED_KEY.format(thread_id=thread_id)
    if not closed:
        await ChannelCursor.filter(name=key).delete()
        return
    if await Conversation.filter(message_thread_id=thread_id).exists():
        await ChannelCursor.get_or_create(name=key, defaults={"value": "closed"})


#: The General-topic alert for each cause that holds the topics' work, and its cursor.
HELD_ALERTS: dict[str, str] = {
    RIGHTS_ALERT_KEY: _(
        "⚠️ botdesk needs to be an administrator of this group with the rights Manage "
        "topics, Pin messages and Delete messages. Customer messages are kept and will "
        "appear here as soon as an admin grants them (group settings → Administrators → "
        "botdesk)."
    ),
    FORUM_ALERT_KEY: _(
        "⚠️ Topics are turned off in this group, and botdesk shows every conversation in "
        "a topic of its own. Customer messages are kept and will appear here as soon as "
        "an admin turns Topics on (group settings → Topics)."
    ),
}


def held_alert_key(error: DeliveryError) -> str | None:
    """The alert for what holds the topics' work; None when the group cannot be told."""
    if isinstance(error, MissingRights):
        return RIGHTS_ALERT_KEY
    if isinstance(error, NotAForum):
        return FORUM_ALERT_KEY
    return None  # e.g. the group is not found: there is nowhere to post an alert


async def alert_held(connection: BaseDBAsyncClient, ctx: DeskContext, key: str) -> None:
    """Queue the alert ``key`` for the General topic, once until its cause is gone."""
    _cursor, created = await ChannelCursor.get_or_create(
        name=key, defaults={"value": "sent"}, using_db=connection
    )
    if not created:
        return
    await enqueue_on(
        general_queue(ctx.group_chat_id),
        ALERT,
        {"html": notice_text(ctx, HELD_ALERTS[key])},
        now=ctx.clock.now(),
        using_db=connection,
    )


async def alert_missing_rights(connection: BaseDBAsyncClient, ctx: DeskContext) -> None:
    """Queue one alert for the General topic; further calls do nothing until rights return."""
    await alert_held(connection, ctx, RIGHTS_ALERT_KEY)


async def held_causes_gone(connection: BaseDBAsyncClient) -> None:
    """A held topic queue could send again: the next hold alerts anew."""
    await ChannelCursor.filter(name__in=list(HELD_ALERTS)).using_db(connection).delete()


async def announce_desk(ports: Ports, ctx: DeskContext) -> bool:
    """Say in the General topic that botdesk works here now; False if that failed.

    Sent once, at the first start on a group: its id is where botdesk's own messages in
    the group begin (``core.messaging.send_journal``).
    """
    text = _(
        "✅ botdesk is connected to this group. Every customer conversation gets its own "
        "topic with a ticket card on top; write in a topic to answer. /help lists the "
        "commands."
    )
    try:
        await ports.desk.alert(notice_text(ctx, text))
    except DeliveryError as exc:
        log.warning("could not post in the operator group: %s", exc)
        return False
    return True


async def rights_lost(ctx: DeskContext) -> None:
    """The bot was demoted in the operator group: alert at once (once), before any failure."""
    await atomically(lambda connection: alert_missing_rights(connection, ctx))
    ctx.wake()


async def rights_restored(ctx: DeskContext) -> int:
    """The bot is an admin again: release every held topic queue; return how many."""
    now = ctx.clock.now()
    released = await atomically(lambda connection: release_held_topics(connection, now))
    if released:
        ctx.wake()
    return released


async def release_held_topics(connection: BaseDBAsyncClient, now: datetime) -> int:
    """Make every held topic queue due at ``now``; return how many there were.

    Held queues wait until further notice or until their next probe; whichever, the
    cause is gone, so all of them go now.
    """
    await held_causes_gone(connection)
    held = (
        await OutboxItem.filter(
            status=OutboxStatus.PENDING,
            not_before__gt=now,
            last_error__startswith=HELD_PREFIX,
            destination__startswith="tg:topic:",
        )
        .using_db(connection)
        .distinct()
        .values_list("destination", flat=True)
    )
    for destination in held:
        await release_held(str(destination), now=now, using_db=connection)
    return len(held)
