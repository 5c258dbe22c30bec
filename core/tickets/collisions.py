"""Who answers a ticket: auto-take by the first replier, and held replies in others' tickets.

* An operator who replies in a ticket nobody owns takes it (race-safe, like the Take
  button: a conditional ``UPDATE … WHERE assignee_id IS NULL``).
* An operator who replies in a ticket someone else owns: with ``collision_mode = hold``
  (the default) the reply is stored as ``held`` and not delivered; the writer gets
  [Send anyway] [Discard] under it. With ``warn`` it is delivered and the topic says whose
  ticket it was. Notes are never held: they reach nobody outside the team anyway.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from html import escape

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import Choice, OperatorProfile
from core.enums import DeliveryState, OperatorRole, TicketStatus
from core.i18n import _
from core.limits import BIGINT_MAX
from core.messaging.delivery import queue_delivery
from core.messaging.mirroring import TopicOperation
from core.messaging.topics import in_topic
from core.messaging.usecase import atomically, notice_text, post_notice
from core.models import Conversation, Message, Operator, Ticket
from core.outbox import Completion, Job
from core.outbox.queues import HOLD_PROMPT, enqueue_on, topic_queue
from core.staff.operators import refuse, upsert_operator
from core.staff.permissions import Action, allowed
from core.tickets import sla_hooks
from core.tickets.card_refresh import queue_refresh
from core.tickets.workflow_frame import assign_to

log = logging.getLogger(__name__)

SEND, DISCARD = "held-send", "held-discard"
_MESSAGE_ID = re.compile(r"[1-9][0-9]{0,18}")


class Collision(StrEnum):
    """What :func:`claim_for_reply` found."""

    MINE = "mine"  # the writer owns the ticket (or there is nothing to own)
    TOOK = "took"  # nobody did: the writer does now
    HOLD = "hold"  # someone else does: hold the reply
    WARN = "warn"  # someone else does: send it, but say so


@dataclass(frozen=True, slots=True)
class Claim:
    """The result of :func:`claim_for_reply`, with the owner's name for the texts."""

    collision: Collision
    owner: str | None = None


async def claim_for_reply(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    ticket: Ticket | None,
    operator: Operator,
    now: datetime,
) -> Claim:
    """Decide what an operator's reply in ``ticket`` does to who owns it."""
    if ticket is None or ticket.status == TicketStatus.CLOSED:
        return Claim(Collision.MINE)
    if ticket.assignee_id is None:
        won = (
            await Ticket.filter(id=ticket.id, assignee_id__isnull=True)
            .using_db(connection)
            .update(assignee_id=operator.id)
        )
        if won:
            await assign_to(connection, ticket, operator, operator, now)
            await queue_refresh(connection, ctx, ticket)
            return Claim(Collision.TOOK, operator.name)
        ticket = await Ticket.filter(id=ticket.id).using_db(connection).get()  # lost the race
    if ticket.assignee_id == operator.id:
        return Claim(Collision.MINE)
    owner = await Operator.filter(id=ticket.assignee_id).using_db(connection).first()
    name = owner.name if owner else "?"
    return Claim(Collision.WARN if ctx.collision_mode == "warn" else Collision.HOLD, name)


async def warn_collision(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    ticket: Ticket,
    claim: Claim,
    *,
    reply_to: int | None,
) -> None:
    """``collision_mode = warn``: say in the topic whose ticket the sent reply was in."""
    warning = _("⚠️ #{number} is {owner}'s ticket; your reply was sent anyway.")
    text = notice_text(ctx, warning, number=ticket.number, owner=escape(claim.owner or "?"))
    await post_notice(connection, ctx, ticket.conversation_id, text, reply_to=reply_to)


async def queue_hold_prompt(
    connection: BaseDBAsyncClient, ctx: DeskContext, message: Message, owner: str
) -> None:
    """Ask the writer of a held reply: Send anyway or Discard?"""
    await enqueue_on(
        topic_queue(ctx.group_chat_id, message.conversation_id),
        HOLD_PROMPT,
        {"message_id": message.id, "owner": owner},
        now=ctx.clock.now(),
        using_db=connection,
    )


class HoldPrompt(TopicOperation):
    """Post "#N is X's ticket: [Send anyway] [Discard]" under the held reply."""

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        message = await Message.get(id=int(jobs[0].payload["message_id"]))
        if message.delivery_state != DeliveryState.HELD:
            return None  # decided already (a quick tap on an earlier prompt)
        ticket = await Ticket.get(id=message.ticket_id)
        text = notice_text(
            self.ctx,
            _("✋ #{number} is {owner}'s ticket, so this reply was not sent. Send it anyway?"),
            number=ticket.number,
            owner=escape(str(jobs[0].payload["owner"])),
        )
        choices = [
            Choice(notice_text(self.ctx, _("📤 Send anyway")), f"{SEND}:{message.id}"),
            Choice(notice_text(self.ctx, _("🗑 Discard")), f"{DISCARD}:{message.id}"),
        ]
        reply_to = message.group_message_id

        async def send(thread_id: int) -> int:
            return await self.ports.desk.post_choices(thread_id, text, choices, reply_to=reply_to)

        await in_topic(self.ports, self.ctx, message.conversation_id, send)
        return None


class Decision(StrEnum):
    """What became of a held reply after a tap on its prompt."""

    SENT = "sent"
    DISCARDED = "discarded"
    ALREADY = "already"  # decided before (or never held)
    REFUSED = "refused"  # not the writer's (nor a senior's) to decide
    UNKNOWN = "unknown"


async def decide_held(data: str, actor: OperatorProfile, ctx: DeskContext) -> Decision:
    """Send anyway or Discard a held reply; only its writer or a senior and above may."""
    kind, _sep, raw_id = data.partition(":")
    # The data comes back from the client: only an id the messages' column holds is one.
    if kind not in (SEND, DISCARD) or not _MESSAGE_ID.fullmatch(raw_id):
        return Decision.UNKNOWN
    if int(raw_id) > BIGINT_MAX:
        return Decision.UNKNOWN

    async def work(connection: BaseDBAsyncClient) -> Decision:
        message = await Message.filter(id=int(raw_id)).using_db(connection).first()
        if message is None:
            return Decision.UNKNOWN
        now = ctx.clock.now()
        me = await upsert_operator(connection, actor, now, admins=ctx.admin_ids)
        # The writer decides; so may whoever may give tickets to others (seniors up).
        if message.author_id != me.id and not allowed(OperatorRole(me.role), Action.ASSIGN):
            await refuse(connection, me, Action.REPLY, now, details={"held_message": message.id})
            return Decision.REFUSED
        held = Message.filter(
            conversation_id=message.conversation_id, delivery_state=DeliveryState.HELD
        )
        # An album is held and decided as a whole, like it was sent.
        held = (
            held.filter(album_id=message.album_id)
            if message.album_id
            else held.filter(id=message.id)
        )
        parts = await held.using_db(connection).order_by("id")
        if not parts:
            return Decision.ALREADY
        state = DeliveryState.PENDING if kind == SEND else DeliveryState.DISCARDED
        ids = [part.id for part in parts]
        await Message.filter(id__in=ids).using_db(connection).update(delivery_state=state)
        if kind == DISCARD:
            return Decision.DISCARDED
        conversation = (
            await Conversation.filter(id=message.conversation_id).using_db(connection).get()
        )
        for part in parts:
            await queue_delivery(connection, conversation, part, now)
        await _replied(connection, ctx, message.ticket_id, now)
        return Decision.SENT

    decision = await atomically(work)
    if decision is Decision.SENT:
        ctx.wake()
    return decision


async def _replied(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket_id: int | None, now: datetime
) -> None:
    """A held reply was sent anyway: only now is it a reply the customer gets."""
    ticket = await Ticket.filter(id=ticket_id).using_db(connection).first() if ticket_id else None
    if ticket is None:
        return
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        await ticket.save(using_db=connection, update_fields=["first_response_at"])
    await sla_hooks.operator_replied(connection, ctx, ticket, now)
