"""Outbox operations of the operator side: topics, mirrored customer messages, notices.

``run`` makes the calls through the ``OperatorDesk`` port and returns a completion that
records the result in the transaction that marks the items done.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import Mirror
from core.enums import Channel, DeliveryState
from core.errors import AdminFixable, ChatNotFound, DeliveryError, NotModified, PermanentError
from core.i18n import _
from core.lookup import marks, sql
from core.messaging.topics import (
    TOPIC_STATE_COLUMNS,
    TopicState,
    alert_held,
    ensure_topic,
    held_alert_key,
    in_topic,
    release_held_topics,
)
from core.messaging.usecase import notice_text, post_notice
from core.messaging.views import content_of, merged_html, message_html
from core.models import Conversation, Message
from core.outbox import Completion, FailureDecision, Job, Operation
from core.ports import Ports

log = logging.getLogger(__name__)

ALBUM_SETTLE = timedelta(milliseconds=700)
MERGED_LIMIT = 3500  # characters per merged message, under Telegram's 4096


class TopicOperation(Operation):
    """Shared by the operations of a topic queue: a cause an admin can fix holds the queue."""

    def __init__(self, ports: Ports, ctx: DeskContext) -> None:
        self.ports, self.ctx = ports, ctx

    async def on_failure(self, jobs: Sequence[Job], error: DeliveryError) -> FailureDecision:
        """Hold on what an admin can fix (with one alert); otherwise fail and say so.

        Missing rights, Topics turned off, the group not found: nothing is lost, the
        queue waits and is probed now and then, and goes as soon as a probe gets through.
        """
        if isinstance(error, AdminFixable | ChatNotFound):
            ctx, key = self.ctx, held_alert_key(error)
            log.warning("%s held for %s: %s", jobs[0].operation, jobs[0].destination, error)

            async def alert(connection: BaseDBAsyncClient) -> None:
                if key is not None:
                    await alert_held(connection, ctx, key)

            return FailureDecision.hold(alert)
        log.warning("%s failed for %s: %s", jobs[0].operation, jobs[0].destination, error)
        return await self.failed(jobs, error)

    async def failed(self, jobs: Sequence[Job], error: DeliveryError) -> FailureDecision:
        """What a permanent failure leaves behind (default: nothing more than the log)."""
        return FailureDecision.fail()

    async def resumed(self, jobs: Sequence[Job], connection: BaseDBAsyncClient) -> None:
        """A held topic queue got through: its cause is gone for every held topic."""
        released = await release_held_topics(connection, self.ctx.clock.now())
        log.info("the operator group takes messages again; %d held topics released", released)


class OpenTopic(TopicOperation):
    """Create a conversation's topic and its pinned ticket card."""

    def cost(self, jobs: Sequence[Job]) -> int:
        return 2  # the card and the pin; topic creation is not a message

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        conversation = await Conversation.get(id=jobs[0].payload["conversation_id"])
        await ensure_topic(self.ports, self.ctx, conversation)
        return None


class MirrorMessages(TopicOperation):
    """Show customer messages in their topic: an album as an album, and while the queue
    is backed up, several plain texts merged into one message (each line keeps its time).
    """

    max_batch = 10  # an album has at most ten parts

    def batch_key(self, job: Job) -> str | None:
        if job.payload.get("album_id"):
            return f"album:{job.payload['album_id']}"
        return "plain-text" if job.payload.get("plain") else None

    def settle_for(self, key: str) -> timedelta:
        # Albums arrive as separate updates; plain text must never wait for company.
        return ALBUM_SETTLE if key.startswith("album:") else timedelta(0)

    def cost(self, jobs: Sequence[Job]) -> int:
        if len(jobs) > 1 and all(job.payload.get("plain") for job in jobs):
            total = sum(int(job.payload.get("length", 0)) + 16 for job in jobs)
            return max(1, -(-total // MERGED_LIMIT))
        return len(jobs)

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        ids = [int(job.payload["message_id"]) for job in jobs]
        messages, conversation, state = await _mirrored(ids)
        merge = len(messages) > 1 and all(job.payload.get("plain") for job in jobs)

        async def send(thread_id: int) -> tuple[int, ...]:
            if merge:
                return await self._merged(thread_id, messages)
            return await self._copy(thread_id, messages, conversation)

        # The customer wrote: a topic someone closed opens again so operators can answer.
        group_ids = await in_topic(
            self.ports, self.ctx, state.conversation_id, send, reopen_closed=True, state=state
        )
        shown: dict[int, list[int]] = {}
        for message, group_id in zip(messages, group_ids, strict=False):
            shown.setdefault(int(group_id), []).append(int(message.id))

        async def record(connection: BaseDBAsyncClient) -> None:
            for group_id, message_ids in shown.items():
                values: list[Any] = [group_id, DeliveryState.DELIVERED.value, *message_ids]
                statement = _RECORD % marks(2, len(message_ids))
                await connection.execute_query(sql(connection, statement, len(values)), values)

        return record

    async def _copy(
        self, thread_id: int, messages: list[Message], conversation: _Source
    ) -> tuple[int, ...]:
        first = messages[0]
        reply_to = None
        if first.reply_to_id is not None:
            target = await Message.get_or_none(id=first.reply_to_id)
            reply_to = target.group_message_id if target else None
        mirror = Mirror(
            thread_id=thread_id,
            channel=conversation.channel,
            source_chat_id=conversation.chat_id,
            source_message_ids=tuple(int(m.customer_message_id or 0) for m in messages),
            contents=tuple(content_of(m) for m in messages),
            reply_to_message_id=reply_to,
        )
        return await self.ports.desk.mirror(mirror)

    async def _merged(self, thread_id: int, messages: list[Message]) -> tuple[int, ...]:
        group_ids: list[int] = []
        for chunk in _chunks(messages):
            posted = await self.ports.desk.post(thread_id, merged_html(chunk, self.ctx.timezone))
            group_ids += [posted] * len(chunk)
        return tuple(group_ids)

    async def failed(self, jobs: Sequence[Job], error: DeliveryError) -> FailureDecision:
        ids = [int(job.payload["message_id"]) for job in jobs]
        first = await Message.get(id=ids[0])
        text = notice_text(
            self.ctx,
            _("⚠️ A customer message could not be shown here: {reason}"),
            reason=escape(error.reason),
        )
        ctx = self.ctx

        async def record(connection: BaseDBAsyncClient) -> None:
            await (
                Message.filter(id__in=ids)
                .using_db(connection)
                .update(delivery_state=DeliveryState.FAILED, delivery_error=error.reason)
            )
            await post_notice(connection, ctx, first.conversation_id, text)

        return FailureDecision.fail(record)


# The messages of a batch, where they come from, and the state of their topic: all a
# mirror needs to read before it sends, in one statement.
_MIRRORED = f"""
SELECT m.*, co.channel AS source_channel, co.chat_id AS source_chat_id, {TOPIC_STATE_COLUMNS}
  FROM messages m JOIN conversations co ON co.id = m.conversation_id
 WHERE m.id IN (%s)
 ORDER BY m.id
"""

_RECORD = "UPDATE messages SET group_message_id = {0}, delivery_state = {1} WHERE id IN (%s)"


@dataclass(frozen=True, slots=True)
class _Source:
    """The customer's chat the mirrored messages come from."""

    channel: Channel
    chat_id: int


async def _mirrored(ids: list[int]) -> tuple[list[Message], _Source, TopicState]:
    connection = Message._meta.db
    statement = sql(connection, _MIRRORED % marks(0, len(ids)), len(ids))
    rows = await connection.execute_query_dict(statement, ids)
    if not rows:
        raise PermanentError(f"messages {ids} are gone")
    first = rows[0]
    messages = [Message._init_from_db(**row) for row in rows]
    source = _Source(Channel(first["source_channel"]), int(first["source_chat_id"]))
    return messages, source, TopicState.of_row(int(first["conversation_id"]), first)


def _chunks(messages: list[Message]) -> list[list[Message]]:
    chunks: list[list[Message]] = [[]]
    size = 0
    for message in messages:
        length = len(message_html(message)) + 16
        if chunks[-1] and size + length > MERGED_LIMIT:
            chunks.append([])
            size = 0
        chunks[-1].append(message)
        size += length
    return chunks


class MirrorEdit(TopicOperation):
    """Apply a customer's edit to its mirror, or say "✏️ edited" where it can't change."""

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        message = await Message.get(id=jobs[0].payload["message_id"])
        group_id = message.group_message_id
        if group_id is None:
            return None  # the mirror failed; its notice already told the operators
        siblings = await Message.filter(
            conversation_id=message.conversation_id, group_message_id=group_id
        ).order_by("id")
        try:
            if len(siblings) > 1:  # part of a merged message: redraw the whole of it
                await self.ports.desk.edit_post(group_id, merged_html(siblings, self.ctx.timezone))
            else:
                await self.ports.desk.edit_mirror(group_id, content_of(message))
        except NotModified:
            return None
        except PermanentError as exc:
            log.info("mirror %s cannot be edited in place (%s); posting a note", group_id, exc)
            old = escape(str(jobs[0].payload.get("old_text") or "…"))
            new = message_html(message) if message.text else "…"
            note = notice_text(self.ctx, _("✏️ edited: {old} → {new}"), old=old, new=new)
            conversation = await Conversation.get(id=message.conversation_id)
            thread_id = await ensure_topic(self.ports, self.ctx, conversation)
            await self.ports.desk.post(thread_id, note, reply_to=group_id)
        return None


class PostNotice(TopicOperation):
    """A short message of the desk itself in a topic (blocked customer, failures …)."""

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        html = str(jobs[0].payload["html"])
        conversation_id = int(jobs[0].payload["conversation_id"])
        reply_to = jobs[0].payload.get("reply_to")
        target = int(reply_to) if reply_to is not None else None
        await in_topic(
            self.ports,
            self.ctx,
            conversation_id,
            lambda t: self.ports.desk.post(t, html, reply_to=target),
        )
        return None


class PostAlert(Operation):
    """A message to the General topic about the desk as a whole."""

    def __init__(self, ports: Ports) -> None:
        self.ports = ports

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        await self.ports.desk.alert(str(jobs[0].payload["html"]))
        return None
