"""Automation rules on a customer's message: match ``ctx.rules`` and apply what matches.

Called by ingest, in its transaction, for every customer message that joins, opens or
reopens an active ticket. Rules are tried in the order botdesk.toml lists them; each acts
at most once per ticket (its name is kept in ``Ticket.rules_fired``), so a customer who
writes "срочно" five times raises the priority once, and an operator who lowers it again
is not overruled. A later rule sees the tags an earlier one added.

The common message matches no rule on its text, channel, language or hour, and costs no
query at all; the ticket is read only when a rule is left to try.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import InboundMessage
from core.enums import TicketStatus
from core.models import Ticket
from core.relay.rule_actions import run_actions
from core.rule_types import Facts, Rule, matches, matches_message, needs_ticket
from core.tickets.card_refresh import queue_refresh
from core.tickets.reopening import Route

log = logging.getLogger(__name__)

#: the routes of a message on an active ticket (a thank-you or a rating comment is not)
RULE_ROUTES = frozenset({Route.NEW, Route.REOPENED, Route.ACTIVE})
_ACTIVE = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING)


async def apply_rules(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    inbound: InboundMessage,
    ticket_id: int | None,
    route: Route | None,
) -> None:
    """Apply every rule of ``ctx.rules`` that matches ``inbound`` and has not acted yet.

    ``ticket_id`` and ``route`` say where ingest put the message; nothing happens unless it
    is on an active ticket. Changes are recorded as events by ``rule:<name>``; the card is
    refreshed once if anything changed.
    """
    if not ctx.rules or ticket_id is None or route not in RULE_ROUTES:
        return
    facts = Facts(
        text=inbound.content.text or "",
        channel=inbound.profile.channel,
        language=inbound.profile.language,
        open_hours=ctx.calendar.is_open(ctx.clock.now()),
    )
    candidates = [rule for rule in ctx.rules if matches_message(rule, facts)]
    if not candidates:
        return
    ticket = await Ticket.filter(id=ticket_id).using_db(connection).first()
    if ticket is None or ticket.status not in _ACTIVE:
        return
    fired = list(ticket.rules_fired or [])
    candidates = [rule for rule in candidates if rule.name not in fired]
    if any(needs_ticket(rule) for rule in candidates):
        earlier = Ticket.filter(conversation_id=ticket.conversation_id, id__lt=ticket.id)
        facts = replace(facts, returning=await earlier.using_db(connection).exists())
    changed = False
    for rule in candidates:
        if not matches(rule, replace(facts, tags=tuple(ticket.tags))):
            continue
        changed = await _apply(connection, ctx, ticket, rule) or changed
        fired.append(rule.name)
    if len(fired) != len(ticket.rules_fired or []):
        ticket.rules_fired = fired
        await Ticket.filter(id=ticket.id).using_db(connection).update(rules_fired=fired)
    if changed:
        await queue_refresh(connection, ctx, ticket)


async def _apply(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket, rule: Rule
) -> bool:
    """Run one matching rule's actions; True when the ticket (its card) changed."""
    log.info("rule %r matched ticket #%s", rule.name, ticket.id)
    return await run_actions(connection, ctx, ticket, rule)
