"""Outbox operations of the customer side: operators' replies and their edits.

A reply is delivered through the conversation's ``CustomerChannel``; once the customer
has it, the operator's message is marked (a reaction) so operators see it arrived. A
customer who blocked the bot holds the queue: nothing is lost, and delivery resumes
when they unblock it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import Delivery, DeliveryEdit
from core.enums import DeliveryState, DestinationKind, MessageKind
from core.errors import DeliveryError, RecipientUnavailable
from core.i18n import _
from core.messaging.usecase import NOT_DELIVERED_YET, REACHABLE_AGAIN, notice_text, post_notice
from core.messaging.views import content_of
from core.models import Conversation, Customer, Message
from core.outbox import Completion, FailureDecision, Job, Operation
from core.outbox.queues import DELIVER, customer_queue, enqueue_on
from core.ports import Ports

log = logging.getLogger(__name__)

#: How often the replies held for a customer who blocked the bot are tried again: an
#: unblock handled while a send was failing would otherwise leave them held.
RECHECK_UNREACHABLE = timedelta(minutes=10)

ALBUM_SETTLE = timedelta(milliseconds=700)


async def queue_delivery(
    connection: BaseDBAsyncClient, conversation: Conversation, message: Message, now: datetime
) -> None:
    """Queue an operator's stored message for the customer's chat (caller's transaction).

    The payload carries what batching and pricing need without a read: the album, its
    kind, and how many files (each costs VK an upload server and a save call).
    """
    payload = {
        "message_id": message.id,
        "album_id": message.album_id,
        "kind": MessageKind(message.kind).value,
        "files": len(message.attachments),
    }
    await enqueue_on(
        customer_queue(conversation.channel, conversation.chat_id),
        DELIVER,
        payload,
        now=now,
        using_db=connection,
        message_id=message.id,
    )


class DeliverReplies(Operation):
    """Deliver operators' messages to the customer (an album as one batch)."""

    max_batch = 10

    def cost(self, jobs: Sequence[Job]) -> int:
        """One send each; on VK a file also costs its upload server and save calls, and
        an album of photos three requests in all (two ``execute`` and the send)."""
        if jobs[0].kind is not DestinationKind.VK:
            return len(jobs)
        photos = [job for job in jobs if job.payload.get("kind") == MessageKind.PHOTO.value]
        if len(jobs) >= 2 and len(photos) == len(jobs) and jobs[0].payload.get("album_id"):
            return 3
        return sum(1 + 2 * int(job.payload.get("files", 0)) for job in jobs)

    def __init__(self, ports: Ports, ctx: DeskContext) -> None:
        self.ports, self.ctx = ports, ctx

    def batch_key(self, job: Job) -> str | None:
        album = job.payload.get("album_id")
        return f"album:{album}" if album else None

    def settle_for(self, key: str) -> timedelta:
        return ALBUM_SETTLE

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        ids = [int(job.payload["message_id"]) for job in jobs]
        messages = sorted(await Message.filter(id__in=ids), key=lambda m: m.id)
        conversation = await Conversation.get(id=messages[0].conversation_id)
        reply_to = None
        if messages[0].reply_to_id is not None:
            target = await Message.get_or_none(id=messages[0].reply_to_id)
            reply_to = target.customer_message_id if target else None
        delivery = Delivery(
            channel=conversation.channel,
            chat_id=conversation.chat_id,
            source_chat_id=self.ctx.group_chat_id,
            source_message_ids=tuple(int(m.group_message_id or 0) for m in messages),
            contents=tuple(content_of(m) for m in messages),
            reply_to_message_id=reply_to,
            key=f"deliver:{jobs[0].id}",
        )
        delivered = await self.ports.channel(conversation.channel).deliver(delivery)
        for message in messages:
            await self._mark(message)

        async def record(connection: BaseDBAsyncClient) -> None:
            # Fewer ids than messages: VK shows an album as one message (its id goes to
            # the first part), or Telegram skipped sources deleted meanwhile. Either way
            # the batch went out; parts without an id of their own just can't be edited.
            ids = [*delivered, *([None] * (len(messages) - len(delivered)))]
            for message, customer_id in zip(messages, ids, strict=False):
                await (
                    Message.filter(id=message.id)
                    .using_db(connection)
                    .update(
                        customer_message_id=customer_id,
                        delivery_state=DeliveryState.DELIVERED,
                        delivery_error=None,
                    )
                )
            await _reachable_again(connection, ctx, conversation)

        ctx = self.ctx
        return record

    async def _mark(self, message: Message) -> None:
        # Cosmetic: a failed mark must not make us deliver the reply twice.
        if message.group_message_id is None:
            return
        try:
            await self.ports.desk.mark_delivered(int(message.group_message_id))
        except DeliveryError as exc:
            log.info("could not mark message %s delivered: %s", message.id, exc)

    async def on_failure(self, jobs: Sequence[Job], error: DeliveryError) -> FailureDecision:
        """Blocked: hold until unblocked. Anything else: fail, and say why in the topic."""
        ids = [int(job.payload["message_id"]) for job in jobs]
        first = await Message.get(id=ids[0])
        conversation = await Conversation.get(id=first.conversation_id)
        customer = await Customer.get(id=conversation.customer_id)
        ctx = self.ctx
        if isinstance(error, RecipientUnavailable):
            already_known = customer.is_blocked
            text = NOT_DELIVERED_YET[conversation.channel]

            async def hold(connection: BaseDBAsyncClient) -> None:
                await Customer.filter(id=customer.id).using_db(connection).update(is_blocked=True)
                await (
                    Message.filter(id__in=ids)
                    .using_db(connection)
                    .update(delivery_error=error.reason)
                )
                if not already_known:  # otherwise the reply itself already got this notice
                    await post_notice(connection, ctx, conversation.id, notice_text(ctx, text))

            return FailureDecision.hold(hold, recheck=RECHECK_UNREACHABLE)
        reason = notice_text(ctx, _("⚠️ Not delivered: {reason}"), reason=escape(error.reason))

        async def fail(connection: BaseDBAsyncClient) -> None:
            await (
                Message.filter(id__in=ids)
                .using_db(connection)
                .update(delivery_state=DeliveryState.FAILED, delivery_error=error.reason)
            )
            # As a reply to the operator's message, so the team sees which one failed.
            await post_notice(
                connection, ctx, conversation.id, reason, reply_to=first.group_message_id
            )

        return FailureDecision.fail(fail)


async def _reachable_again(
    connection: BaseDBAsyncClient, ctx: DeskContext, conversation: Conversation
) -> None:
    """A delivery went through to a customer marked unreachable (a recheck found them
    reachable again, the unblock itself was missed): say so, and stop holding replies."""
    cleared = (
        await Customer.filter(id=conversation.customer_id, is_blocked=True)
        .using_db(connection)
        .update(is_blocked=False)
    )
    if cleared:
        text = notice_text(ctx, REACHABLE_AGAIN[conversation.channel])
        await post_notice(connection, ctx, conversation.id, text)


class DeliverEdit(Operation):
    """Apply an operator's edit to the copy the customer received."""

    def __init__(self, ports: Ports, ctx: DeskContext) -> None:
        self.ports, self.ctx = ports, ctx

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        message = await Message.get(id=jobs[0].payload["message_id"])
        if message.customer_message_id is None:
            return None  # never delivered: the customer will get the edited text anyway
        conversation = await Conversation.get(id=message.conversation_id)
        edit = DeliveryEdit(
            channel=conversation.channel,
            chat_id=conversation.chat_id,
            message_id=int(message.customer_message_id),
            content=content_of(message),
        )
        await self.ports.channel(conversation.channel).edit(edit)
        return None

    async def on_failure(self, jobs: Sequence[Job], error: DeliveryError) -> FailureDecision:
        """Blocked: hold it with the replies. Otherwise say the customer sees the old version."""
        message = await Message.get(id=jobs[0].payload["message_id"])
        ctx = self.ctx
        if isinstance(error, RecipientUnavailable):
            # The edit waits in the customer's queue behind any held replies, and is
            # applied when they unblock the bot, like the replies themselves.
            return FailureDecision.hold(recheck=RECHECK_UNREACHABLE)
        text = notice_text(
            ctx, _("⚠️ The edit did not reach the customer: {reason}"), reason=escape(error.reason)
        )

        async def tell(connection: BaseDBAsyncClient) -> None:
            conversation_id, group_id = message.conversation_id, message.group_message_id
            await post_notice(connection, ctx, conversation_id, text, reply_to=group_id)

        return FailureDecision.fail(tell)
