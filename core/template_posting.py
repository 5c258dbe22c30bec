"""The outbox operation that shows a used template in its topic, then delivers it.

The rendered template is posted in the conversation's topic by the desk, so operators
see exactly what the customer gets; the posted message becomes the operator's outbound
message (its group message id is recorded) and is then delivered to the customer by
copying it, like any reply typed by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from tortoise.backends.base.client import BaseDBAsyncClient

from core.collisions import queue_hold_prompt
from core.delivery import delivery_payload
from core.entities import Attachment
from core.enums import DeliveryState
from core.errors import DeliveryError
from core.mirroring import TopicOperation
from core.models import Conversation, Message
from core.outbox import Completion, FailureDecision, Job
from core.queues import DELIVER, customer_queue, enqueue_on
from core.topics import in_topic


class PostTemplate(TopicOperation):
    """Post a used template in its topic and queue its delivery to the customer."""

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        message = await Message.get(id=int(jobs[0].payload["message_id"]))
        conversation = await Conversation.get(id=message.conversation_id)
        html = message.html or escape(message.text or "")
        attachment = Attachment.from_json(message.attachments[0]) if message.attachments else None
        desk = self.ports.desk

        async def send(thread_id: int) -> int:
            if attachment is not None:
                return await desk.post_file(thread_id, attachment, caption=html or None)
            return await desk.post(thread_id, html)

        posted = await in_topic(self.ports, self.ctx, conversation.id, send)
        now = self.ctx.clock.now()

        owner = jobs[0].payload.get("owner")
        ctx = self.ctx

        async def record(connection: BaseDBAsyncClient) -> None:
            await Message.filter(id=message.id).using_db(connection).update(group_message_id=posted)
            if message.delivery_state == DeliveryState.HELD:  # someone else's ticket
                message.group_message_id = posted
                await queue_hold_prompt(connection, ctx, message, str(owner or "?"))
                return
            await enqueue_on(
                customer_queue(conversation.channel, conversation.chat_id),
                DELIVER,
                delivery_payload(message),
                now=now,
                using_db=connection,
                message_id=message.id,
            )

        return record

    async def failed(self, jobs: Sequence[Job], error: DeliveryError) -> FailureDecision:
        """The template could not be shown in the topic: it is not delivered either."""
        message_id = int(jobs[0].payload["message_id"])

        async def mark(connection: BaseDBAsyncClient) -> None:
            await (
                Message.filter(id=message_id)
                .using_db(connection)
                .update(delivery_state=DeliveryState.FAILED, delivery_error=error.reason)
            )

        return FailureDecision.fail(mark)
