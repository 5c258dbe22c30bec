"""What a matching automation rule does to a ticket: the ``then`` of :class:`Rule`.

Priority, tags and assignment go through :mod:`core.tickets.automatic`, the same paths as
an operator's change, recorded by ``rule:<name>``. A reply is a template posted in the
topic and delivered like one an operator used (author: nobody, the desk). It is the
desk's own words, like the acknowledgement: it stops no SLA clock, the team still owes
an answer. A note is a line in the topic. What a rule cannot do at the moment (an operator
nobody has seen, a team all offline, a template that does not exist) is said in the topic,
so the team sees why, and the rest of the rule still acts.
"""

from __future__ import annotations

from html import escape

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Count

from core.context import DeskContext
from core.entities import Attachment
from core.enums import (
    ACTIVE_TICKET_STATUSES,
    DeliveryState,
    EventKind,
    MessageDirection,
    MessageKind,
    OperatorPresence,
)
from core.i18n import _
from core.messaging.usecase import notice_text, post_notice
from core.models import Conversation, Customer, Message, Operator, Template, Ticket
from core.outbox.queues import enqueue_on, topic_queue
from core.relay.greetings import company_or_team
from core.rule_types import OperatorRef, Rule
from core.staff.events import record, rule_actor
from core.staff.operators import name_of
from core.tickets.automatic import add_tags_as, assign_as, set_priority_as
from core.tickets.templates import POST_TEMPLATE, pick_variant, render, values_for

NOTE = _("📝 Rule {rule}: {note}")
UNKNOWN_OPERATOR = _("⚙️ Rule {rule} could not assign the ticket: {who} has not used the desk yet.")
TEAM_AWAY = _("⚙️ Rule {rule} could not assign the ticket: nobody of its team is online.")
NO_TEMPLATE = _("⚙️ Rule {rule} could not reply: there is no template {name}.")


async def run_actions(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket, rule: Rule
) -> bool:
    """Do what ``rule`` says to ``ticket``; True when the card has something new to show."""
    then, label = rule.then, rule_actor(rule.name)
    changed = False
    if then.priority is not None:
        changed = await set_priority_as(connection, ctx, ticket, then.priority, label) or changed
    if then.tags:
        changed = await add_tags_as(connection, ctx, ticket, then.tags, label) or changed
    if then.assign is not None or then.assign_team:
        target = await _target(connection, ctx, ticket, rule)
        if target is not None:
            changed = await assign_as(connection, ctx, ticket, target, label) or changed
    if then.reply is not None:
        await _reply(connection, ctx, ticket, rule, then.reply)
    if then.note is not None:
        await _say(connection, ctx, ticket, NOTE, rule=rule.name, note=escape(then.note))
    return changed


async def _say(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket, text: str, **params: str
) -> None:
    """A line in the ticket's topic, in the operators' language."""
    await post_notice(connection, ctx, ticket.conversation_id, notice_text(ctx, text, **params))


async def find_operator(connection: BaseDBAsyncClient, ref: OperatorRef) -> Operator | None:
    """The operator a rule names by Telegram id or by username (any case), if known."""
    operators = Operator.all().using_db(connection)
    if ref.telegram_id is not None:
        return await operators.filter(telegram_id=ref.telegram_id).first()
    return await operators.filter(username__iexact=ref.username).first()


async def _target(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket, rule: Rule
) -> Operator | None:
    """Who the rule gives the ticket to: its operator, or the least busy online one of its team."""
    then = rule.then
    if then.assign is not None:
        operator = await find_operator(connection, then.assign)
        if operator is None:
            await _say(
                connection, ctx, ticket, UNKNOWN_OPERATOR, rule=rule.name, who=str(then.assign)
            )
        return operator
    team = [await find_operator(connection, ref) for ref in then.assign_team]
    online = [op for op in team if op is not None and op.presence == OperatorPresence.ONLINE]
    if not online:
        await _say(connection, ctx, ticket, TEAM_AWAY, rule=rule.name)
        return None
    load = await _active_tickets(connection, [op.id for op in online])
    # the fewest active tickets; between equals, the one the rule lists first
    return min(online, key=lambda op: load.get(op.id, 0))


async def _active_tickets(connection: BaseDBAsyncClient, operator_ids: list[int]) -> dict[int, int]:
    """How many active tickets each of ``operator_ids`` owns."""
    rows = (
        await Ticket.filter(assignee_id__in=operator_ids, status__in=ACTIVE_TICKET_STATUSES)
        .using_db(connection)
        .annotate(count=Count("id"))
        .group_by("assignee_id")
        .values("assignee_id", "count")
    )
    return {int(row["assignee_id"]): int(row["count"]) for row in rows}


async def _reply(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket, rule: Rule, name: str
) -> None:
    """Post template ``name`` in the topic and deliver it, in the customer's language."""
    conversation = await Conversation.filter(id=ticket.conversation_id).using_db(connection).get()
    customer = await Customer.filter(id=conversation.customer_id).using_db(connection).get()
    rows = {t.language: t for t in await Template.filter(name=name).using_db(connection)}
    chosen = pick_variant(rows, customer.language, ctx.customer_locale)
    if chosen is None:
        await _say(connection, ctx, ticket, NO_TEMPLATE, rule=rule.name, name=name)
        return
    template, now = rows[chosen], ctx.clock.now()
    reader = ctx.customer_language(customer.language)
    operator = await name_of(connection, ticket.assignee_id) or ""
    values = values_for(customer, ticket, operator, company_or_team(ctx.company_name, reader))
    attachment = Attachment.from_json(template.attachment) if template.attachment else None
    stored = await Message.create(
        using_db=connection,
        conversation=conversation,
        ticket=ticket,
        channel=conversation.channel,
        customer_chat_id=conversation.chat_id,
        direction=MessageDirection.OUTBOUND,
        created_at=now,
        kind=attachment.kind if attachment is not None else MessageKind.TEXT,
        text=render(template.text, values) if template.text else None,
        html=render(template.html, values, html=True) if template.html else None,
        attachments=[attachment.to_json()] if attachment is not None else [],
        delivery_state=DeliveryState.PENDING,
    )
    await record(
        connection,
        kind=EventKind.TEMPLATE_USED,
        ticket_id=ticket.id,
        conversation_id=conversation.id,
        data={"name": name, "language": chosen, "message_id": stored.id},
        now=now,
        actor_label=rule_actor(rule.name),
    )
    queue = topic_queue(ctx.group_chat_id, conversation.id)
    payload = {"message_id": stored.id, "owner": None}
    await enqueue_on(
        queue, POST_TEMPLATE, payload, now=now, using_db=connection, message_id=stored.id
    )
