"""Using a template: ``use_template`` stores the rendered reply, and the outbox operation
``PostTemplate`` shows it in its topic, then delivers it.

The rendered template is posted in the conversation's topic by the desk, so operators
see exactly what the customer gets; the posted message becomes the operator's outbound
message (its group message id is recorded) and is then delivered to the customer by
copying it, like any reply typed by hand.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from html import escape

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import Attachment, OperatorProfile
from core.enums import (
    ACTIVE_TICKET_STATUSES,
    DeliveryState,
    EventKind,
    MessageDirection,
    MessageKind,
)
from core.errors import DeliveryError
from core.i18n import _
from core.limits import max_length
from core.messaging.delivery import queue_delivery
from core.messaging.mirroring import TopicOperation
from core.messaging.topics import in_topic
from core.messaging.usecase import atomically
from core.metrics import MESSAGES_STORED
from core.models import Conversation, Customer, Message, Template, Ticket
from core.outbox import Completion, FailureDecision, Job
from core.outbox.queues import enqueue_on, topic_queue
from core.relay.greetings import company_or_team
from core.staff.events import record
from core.staff.operators import upsert_operator
from core.staff.permissions import Action, allowed
from core.tickets import sla_hooks
from core.tickets.collisions import Collision, claim_for_reply, queue_hold_prompt, warn_collision
from core.tickets.templates import POST_TEMPLATE, Result, pick_variant, render, values_for


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
            await queue_delivery(connection, conversation, message, now)

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


_SENT = _("Template {name} sent.")


async def use_template(
    actor: OperatorProfile,
    thread_id: int,
    name: str,
    *,
    company: str,
    ctx: DeskContext,
    admins: Collection[int] = (),
) -> Result:
    """Send template ``name`` to the customer of the topic ``thread_id``.

    Stores the rendered outbound message (authored by the operator), records
    ``TEMPLATE_USED`` and queues the message to be posted in the topic, from where it
    is delivered to the customer.
    """

    async def work(connection: BaseDBAsyncClient) -> Result:
        now = ctx.clock.now()
        operator = await upsert_operator(connection, actor, now, admins=admins)
        if not allowed(operator.role, Action.USE_TEMPLATE):
            return Result(False, _("You may not use templates."))
        conversation = (
            await Conversation.filter(message_thread_id=thread_id).using_db(connection).first()
        )
        if conversation is None:
            return Result(False, _("Templates are used in a conversation's topic."))
        customer = await Customer.filter(id=conversation.customer_id).using_db(connection).get()
        fits = len(name) <= max_length(Template, "name")  # a longer name names no template
        found = await Template.filter(name=name).using_db(connection) if fits else []
        rows = {t.language: t for t in found}
        chosen = pick_variant(rows, customer.language, ctx.customer_locale)
        if chosen is None:
            return Result(False, _("No template {name}."), {"name": name})
        template = rows[chosen]
        ticket = await _current_ticket(connection, conversation)
        reader = ctx.customer_language(customer.language)
        values = values_for(customer, ticket, operator.name, company_or_team(company, reader))
        attachment = Attachment.from_json(template.attachment) if template.attachment else None
        # A template is a reply like any other: it takes an unowned ticket, and in someone
        # else's it is posted for the team to see but held (see core.tickets.collisions).
        claim = await claim_for_reply(connection, ctx, ticket, operator, now)
        held = claim.collision is Collision.HOLD
        stored = await Message.create(
            using_db=connection,
            conversation=conversation,
            ticket=ticket,
            channel=conversation.channel,
            customer_chat_id=conversation.chat_id,
            direction=MessageDirection.OUTBOUND,
            author=operator,
            created_at=now,
            kind=attachment.kind if attachment is not None else MessageKind.TEXT,
            text=render(template.text, values) if template.text else None,
            html=render(template.html, values, html=True) if template.html else None,
            attachments=[attachment.to_json()] if attachment is not None else [],
            delivery_state=DeliveryState.HELD if held else DeliveryState.PENDING,
        )
        await record(
            connection,
            kind=EventKind.TEMPLATE_USED,
            ticket_id=ticket.id if ticket is not None else None,
            conversation_id=conversation.id,
            actor_id=operator.id,
            data={"name": name, "language": chosen, "message_id": stored.id},
            now=now,
        )
        if ticket is not None and ticket.first_response_at is None and not held:
            ticket.first_response_at = now
            await ticket.save(using_db=connection, update_fields=["first_response_at"])
        if ticket is not None and not held:  # a template is a reply: it stops the clocks
            await sla_hooks.operator_replied(connection, ctx, ticket, now)
        if claim.collision is Collision.WARN and ticket is not None:
            await warn_collision(connection, ctx, ticket, claim, reply_to=None)
        await enqueue_on(
            topic_queue(ctx.group_chat_id, conversation.id),
            POST_TEMPLATE,
            {"message_id": stored.id, "owner": claim.owner if held else None},
            now=now,
            using_db=connection,
            message_id=stored.id,
        )
        if held:
            return Result(
                True, _("Template {name} posted; it waits for Send anyway."), {"name": name}
            )
        return Result(True, _("Template {name} sent."), {"name": name})

    result = await atomically(work)
    if result.ok:
        MESSAGES_STORED.labels(MessageDirection.OUTBOUND.value).inc()
        ctx.wake()
    return result


async def _current_ticket(
    connection: BaseDBAsyncClient, conversation: Conversation
) -> Ticket | None:
    tickets = Ticket.filter(conversation=conversation).using_db(connection).order_by("-id")
    active = await tickets.filter(status__in=ACTIVE_TICKET_STATUSES).first()
    return active if active is not None else await tickets.first()
