"""SLA warnings and breaches told to people, in the topic where they already work.

The scheduler fires an SLA deadline, :func:`core.timers.sla.fire` marks the clock warned
or breached and hands over an :class:`~core.entities.SlaAlarm`; :func:`announce` turns it
into outbox items in the same transaction, so each notice is sent exactly once: the
items commit together with the deadline's ``fired_at``, or not at all.

Who is mentioned:

* a warning mentions the ticket's assignee; with nobody owning it, the operators on
  shift (``Operator.on_shift``), so whoever can pick it up hears of it;
* a breach mentions the assignee and the seniors (role ``senior``): they can reassign or
  step in. Managers and admins are not mentioned in the topic; they get the escalation
  line in the managers' place instead (:mod:`core.notices.managers`).

At most :data:`MENTIONS_SHOWN` people are mentioned by name, the rest are counted.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.durations import human_span
from core.entities import SlaAlarm
from core.enums import OperatorRole, TicketPriority
from core.i18n import Translator, _
from core.messaging.titles import FSI, PDI, safe_name
from core.messaging.usecase import post_notice
from core.messaging.views import CHANNEL_LABELS, NAMELESS, profile_of
from core.models import Conversation, Customer, Operator, Ticket
from core.notices.managers import to_managers
from core.notices.wording import clock_name, due_time
from core.tickets.card_refresh import queue_refresh

#: The stages of an :class:`~core.entities.SlaAlarm`.
STAGES = ("warning", "breach")
#: How many people a notice mentions by name (Telegram notifies each one).
MENTIONS_SHOWN = 5

WARNING = _("⏰ SLA warning: {clock} due at {time} (in {left})")
BREACH = _("🚨 SLA breached: {clock} was due at {time}")
ESCALATION = _(
    "🚨 SLA breached on {ticket} ({customer} · {channel}, {priority}): "
    "{clock} was due at {time} · assignee: {assignee}"
)
NOBODY = _("nobody")
MORE = _("and {n} more")
PRIORITY_NAMES = {
    TicketPriority.LOW: _("low"),
    TicketPriority.NORMAL: _("normal"),
    TicketPriority.HIGH: _("high"),
    TicketPriority.URGENT: _("urgent"),
}


async def announce(connection: BaseDBAsyncClient, ctx: DeskContext, alarm: SlaAlarm) -> None:
    """Tell people about ``alarm`` inside the caller's transaction.

    A warning queues a notice in the ticket's topic; a breach queues a notice there and
    one escalation line for the managers. Both queue the card refresh and topic rename,
    so the card's countdown and the title's breach marker follow. A ticket deleted in
    the meantime is nobody's concern any more.
    """
    if alarm.stage not in STAGES:
        raise ValueError(f"an SLA alarm is a warning or a breach, not {alarm.stage!r}")
    ticket = await Ticket.get_or_none(id=alarm.ticket_id, using_db=connection)
    if ticket is None:
        return
    t = Translator(ctx.locale)
    now = ctx.clock.now()
    clock, time = clock_name(alarm.clock, ctx.locale), due_time(alarm.due_at, now, ctx.timezone)
    if alarm.stage == "breach":
        people = await _breach_people(connection, alarm.assignee_id)
        text = t(BREACH, clock=clock, time=time)
    else:
        people = await _warning_people(connection, alarm.assignee_id)
        left = human_span(max(alarm.due_at - now, timedelta(0)), ctx.locale)
        text = t(WARNING, clock=clock, time=time, left=left)
    if people:
        text = f"{text} — {mentions(people, ctx.locale)}"
    await post_notice(connection, ctx, alarm.conversation_id, text)
    if alarm.stage == "breach":
        await to_managers(connection, ctx, await escalation(connection, ctx, alarm, ticket))
    await queue_refresh(connection, ctx, ticket)


async def _warning_people(connection: BaseDBAsyncClient, assignee_id: int | None) -> list[Operator]:
    """The assignee, or everyone on shift when nobody owns the ticket."""
    if assignee_id is not None:
        owner = await Operator.get_or_none(id=assignee_id, using_db=connection)
        if owner is not None:
            return [owner]
    return await Operator.filter(on_shift=True).using_db(connection).order_by("id")


async def _breach_people(connection: BaseDBAsyncClient, assignee_id: int | None) -> list[Operator]:
    """The assignee first, then the seniors (each once)."""
    seniors = await Operator.filter(role=OperatorRole.SENIOR).using_db(connection).order_by("id")
    owner = (
        await Operator.get_or_none(id=assignee_id, using_db=connection)
        if assignee_id is not None
        else None
    )
    head = [owner] if owner is not None else []
    return head + [s for s in seniors if owner is None or s.id != owner.id]


def mention(operator: Operator) -> str:
    """An HTML mention that notifies ``operator`` (the name escaped)."""
    return f'<a href="tg://user?id={operator.telegram_id}">{escape(operator.name)}</a>'


def mentions(people: list[Operator], locale: str | None) -> str:
    """Up to :data:`MENTIONS_SHOWN` mentions, then how many more there are."""
    shown = ", ".join(mention(p) for p in people[:MENTIONS_SHOWN])
    hidden = len(people) - MENTIONS_SHOWN
    return f"{shown} {Translator(locale)(MORE, n=hidden)}" if hidden > 0 else shown


def topic_link(group_chat_id: int, thread_id: int) -> str:
    """The ``t.me/c/…`` address of a topic (a supergroup's id without its ``-100``)."""
    internal = str(abs(group_chat_id))
    internal = internal[3:] if internal.startswith("100") else internal
    return f"https://t.me/c/{internal}/{thread_id}"


async def escalation(
    connection: BaseDBAsyncClient, ctx: DeskContext, alarm: SlaAlarm, ticket: Ticket
) -> str:
    """The managers' line about a breach: which ticket, whose, which clock, who owns it."""
    t = Translator(ctx.locale)
    conversation = await Conversation.get(id=ticket.conversation_id, using_db=connection)
    customer = await Customer.get(id=conversation.customer_id, using_db=connection)
    number = f"#{ticket.number}"
    if conversation.message_thread_id is not None:
        link = topic_link(ctx.group_chat_id, int(conversation.message_thread_id))
        number = f'<a href="{escape(link)}">{number}</a>'
    owner = (
        await Operator.get_or_none(id=alarm.assignee_id, using_db=connection)
        if alarm.assignee_id is not None
        else None
    )
    # the customer's own text: isolated, so a right-to-left name cannot flip the line
    name = safe_name(profile_of(customer).full_name) or t(NAMELESS, id=customer.external_id)
    return t(
        ESCALATION,
        ticket=number,
        customer=FSI + escape(name) + PDI,
        channel=CHANNEL_LABELS.get(customer.channel, str(customer.channel)),
        priority=t(PRIORITY_NAMES[TicketPriority(alarm.priority)]),
        clock=clock_name(alarm.clock, ctx.locale),
        time=due_time(alarm.due_at, ctx.clock.now(), ctx.timezone),
        assignee=escape(owner.name) if owner is not None else t(NOBODY),
    )
