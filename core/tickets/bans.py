"""Banning a customer: their messages are kept but no longer shown to operators.

* ``/ban`` and ``/unban`` in a conversation's topic need :attr:`Action.BAN` (senior and
  above); each change records a ``BANNED``/``UNBANNED`` event on the current ticket, a
  refusal a ``REFUSED`` one.
* While a customer is banned, ingest stores their messages without queueing a mirror
  and without opening tickets. The first message after a ban gets one polite notice in
  the customer's language; the ``BANNED`` event remembers that it was sent
  (``data["notified"]``), so a later ban notifies again, once.
* ``/unban`` restores mirroring for new messages (what came in meanwhile stays stored).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import OperatorProfile
from core.enums import ACTIVE_TICKET_STATUSES, EventKind, OperatorRole
from core.i18n import _, gettext
from core.messaging.usecase import atomically
from core.messaging.views import profile_of
from core.models import Conversation, Customer, Event, Ticket
from core.outbox import Completion, Job, Operation
from core.outbox.queues import customer_queue, enqueue_on
from core.ports import Ports
from core.staff.events import record
from core.staff.operators import refuse, upsert_operator
from core.staff.permissions import Action, allowed

log = logging.getLogger(__name__)

#: The outbox operation of the one-time notice to a banned customer.
BAN_NOTICE = "ban_notice"

NOTICE = _(
    "Sorry, we can no longer answer your messages in this chat. Thank you for your understanding."
)


class BanOutcome(StrEnum):
    """What ``/ban`` or ``/unban`` did."""

    CHANGED = "changed"
    UNCHANGED = "unchanged"  # already (un)banned
    NOT_ALLOWED = "not_allowed"
    NO_CONVERSATION = "no_conversation"  # not written in a conversation's topic


@dataclass(frozen=True, slots=True)
class BanResult:
    """The outcome and the customer's display name (empty without a conversation)."""

    outcome: BanOutcome
    customer: str = ""


async def set_banned(
    actor: OperatorProfile,
    thread_id: int | None,
    banned: bool,
    ctx: DeskContext,
    *,
    admins: Collection[int] = (),
) -> BanResult:
    """Ban (or unban) the customer of the topic ``thread_id`` on behalf of ``actor``."""

    async def work(connection: BaseDBAsyncClient) -> BanResult:
        now = ctx.clock.now()
        me = await upsert_operator(connection, actor, now, admins=admins)
        if not allowed(OperatorRole(me.role), Action.BAN):
            await refuse(connection, me, Action.BAN, now, details={"ban": banned})
            return BanResult(BanOutcome.NOT_ALLOWED)
        conversation = None
        if thread_id is not None:
            query = Conversation.filter(message_thread_id=thread_id).using_db(connection)
            conversation = await query.first()
        if conversation is None:
            return BanResult(BanOutcome.NO_CONVERSATION)
        customer = await Customer.filter(id=conversation.customer_id).using_db(connection).get()
        name = profile_of(customer).full_name
        if customer.is_banned == banned:
            return BanResult(BanOutcome.UNCHANGED, name)
        customer.is_banned = banned
        await customer.save(using_db=connection, update_fields=["is_banned"])
        ticket = (
            await Ticket.filter(conversation_id=conversation.id)
            .using_db(connection)
            .order_by("-id")
            .first()
        )
        await record(
            connection,
            kind=EventKind.BANNED if banned else EventKind.UNBANNED,
            ticket_id=ticket.id if ticket else None,
            conversation_id=conversation.id,
            actor_id=me.id,
            data={"customer_id": customer.id, "notified": False} if banned else {},
            now=now,
        )
        log.info("customer %s banned=%s by %s", customer.id, banned, me.telegram_id)
        return BanResult(BanOutcome.CHANGED, name)

    return await atomically(work)


async def active_ticket_id(connection: BaseDBAsyncClient, conversation_id: int) -> int | None:
    """The conversation's active ticket, if any (a banned customer never opens one)."""
    found = (
        await Ticket.filter(conversation_id=conversation_id, status__in=ACTIVE_TICKET_STATUSES)
        .using_db(connection)
        .order_by("-id")
        .first()
        .values_list("id", flat=True)
    )
    return None if found is None else int(str(found))


async def banned_message(
    connection: BaseDBAsyncClient, ctx: DeskContext, conversation: Conversation
) -> None:
    """A banned customer wrote: queue the polite notice if this ban has not sent it yet."""
    event = (
        await Event.filter(conversation_id=conversation.id, kind=EventKind.BANNED)
        .using_db(connection)
        .order_by("-id")
        .first()
    )
    if event is None or event.data.get("notified"):
        return
    event.data = {**event.data, "notified": True}
    await event.save(using_db=connection, update_fields=["data"])
    await enqueue_on(
        customer_queue(conversation.channel, conversation.chat_id),
        BAN_NOTICE,
        {"conversation_id": conversation.id},
        now=ctx.clock.now(),
        using_db=connection,
    )


class BanNotice(Operation):
    """Tell a banned customer, in their language, that the desk no longer answers."""

    def __init__(self, ports: Ports, ctx: DeskContext) -> None:
        self.ports, self.ctx = ports, ctx

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        conversation = await Conversation.get(id=int(jobs[0].payload["conversation_id"]))
        customer = await Customer.get(id=conversation.customer_id)
        text = gettext(NOTICE, self.ctx.customer_language(customer.language))
        await self.ports.channel(conversation.channel).send_text(
            conversation.chat_id, text, key=f"ban-notice:{jobs[0].id}"
        )
        return None
