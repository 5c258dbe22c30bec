"""SLA alarms told to people: what ``announce`` queues, on real rows (no messenger)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from core.clock import FrozenClock
from core.context import DeskContext
from core.entities import SlaAlarm
from core.enums import OperatorRole, SlaClock, TicketPriority
from core.models import Operator, OutboxItem, Ticket
from core.notices.sla import announce
from core.outbox.queues import EDIT_CARD, NOTICE, RENAME_TOPIC, TO_MANAGERS
from tests.core.tickets.test_workflow import GROUP, new_ticket

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
MOSCOW = ZoneInfo("Europe/Moscow")  # 15:00 there at NOW


def context(locale: str = "en", managers_chat_id: int | None = None) -> DeskContext:
    return DeskContext(
        group_chat_id=GROUP,
        locale=locale,
        timezone=MOSCOW,
        clock=FrozenClock(NOW),
        managers_chat_id=managers_chat_id,
    )


async def operator(
    telegram_id: int, name: str, role: OperatorRole = OperatorRole.AGENT, *, on_shift: bool = False
) -> Operator:
    return await Operator.create(telegram_id=telegram_id, name=name, role=role, on_shift=on_shift)


def alarm(
    ticket: Ticket,
    stage: str,
    *,
    due_in: timedelta,
    assignee: Operator | None = None,
    clock: SlaClock = SlaClock.FIRST_RESPONSE,
    priority: TicketPriority = TicketPriority.NORMAL,
) -> SlaAlarm:
    return SlaAlarm(
        stage=stage,
        ticket_id=ticket.id,
        conversation_id=ticket.conversation_id,
        clock=clock,
        cycle=1,
        due_at=NOW + due_in,
        priority=priority,
        assignee_id=assignee.id if assignee else None,
    )


async def told(the_alarm: SlaAlarm, ctx: DeskContext | None = None) -> None:
    """``announce`` in a transaction of its own, as the scheduler runs it; ignore the past."""
    await OutboxItem.all().delete()  # what the customer's first message queued
    async with in_transaction() as connection:
        await announce(connection, ctx or context(), the_alarm)


async def queued(operation: str) -> list[OutboxItem]:
    return await OutboxItem.filter(operation=operation).order_by("id")


def link(person: Operator) -> str:
    return f'<a href="tg://user?id={person.telegram_id}">{person.name}</a>'


async def test_a_warning_mentions_the_assignee_in_the_topic_and_nobody_else(db: str) -> None:
    ticket = await new_ticket()
    ivan = await operator(2, "Ivan")
    petr = await operator(3, "Petr", on_shift=True)
    await operator(4, "Olga", OperatorRole.SENIOR)
    await told(alarm(ticket, "warning", due_in=timedelta(minutes=5), assignee=ivan))
    [notice] = await queued(NOTICE)
    assert notice.destination == f"tg:topic:{ticket.conversation_id}"
    html = notice.payload["html"]
    assert html == f"⏰ SLA warning: first response due at 15:05 (in 5 min) — {link(ivan)}"
    assert link(petr) not in html
    assert await queued(TO_MANAGERS) == []  # managers hear of breaches only
    refresh = await OutboxItem.filter(operation__in=[EDIT_CARD, RENAME_TOPIC])
    assert sorted(i.operation for i in refresh) == [EDIT_CARD, RENAME_TOPIC]


async def test_an_unowned_warning_mentions_the_operators_on_shift(db: str) -> None:
    ticket = await new_ticket()
    petr = await operator(3, "Petr", on_shift=True)
    anna = await operator(5, "Anna", on_shift=True)
    away = await operator(6, "Away")
    await told(alarm(ticket, "warning", due_in=timedelta(minutes=12), clock=SlaClock.RESOLUTION))
    [notice] = await queued(NOTICE)
    html = notice.payload["html"]
    assert "SLA" in html and "resolution" in html and "(in 12 min)" in html
    assert html.endswith(f"— {link(petr)}, {link(anna)}")
    assert link(away) not in html


async def test_a_breach_mentions_assignee_and_seniors_and_escalates_once(db: str) -> None:
    ticket = await new_ticket()
    ivan = await operator(2, "Ivan")
    olga = await operator(4, "Olga", OperatorRole.SENIOR)
    boss = await operator(7, "Boss", OperatorRole.MANAGER)
    the_alarm = alarm(
        ticket,
        "breach",
        due_in=-timedelta(minutes=1),
        assignee=ivan,
        clock=SlaClock.NEXT_RESPONSE,
        priority=TicketPriority.URGENT,
    )
    await told(the_alarm)
    [notice] = await queued(NOTICE)
    html = notice.payload["html"]
    assert html == f"🚨 SLA breached: next response was due at 14:59 — {link(ivan)}, {link(olga)}"
    assert link(boss) not in html  # managers read the escalation instead
    [line] = await queued(TO_MANAGERS)
    assert line.destination == f"tg:managers:{GROUP}" and line.budget_key == f"tg:{GROUP}"
    thread = 40 + 700  # the topic new_ticket gave the conversation
    number = f'<a href="https://t.me/c/1234567890/{thread}">#{ticket.number}</a>'
    assert line.payload["html"] == (
        f"🚨 SLA breached on {number} (\u2068Alice Smith\u2069 · Telegram, urgent): "
        "next response was due at 14:59 · assignee: Ivan"
    )
    assert len(await OutboxItem.filter(operation__in=[EDIT_CARD, RENAME_TOPIC])) == 2


async def test_a_breach_of_an_unowned_ticket_says_nobody_owns_it(db: str) -> None:
    ticket = await new_ticket()
    olga = await operator(4, "Olga", OperatorRole.SENIOR)
    await told(alarm(ticket, "breach", due_in=-timedelta(seconds=1)))
    [notice] = await queued(NOTICE)
    assert notice.payload["html"].endswith(f"— {link(olga)}")
    [line] = await queued(TO_MANAGERS)
    assert line.payload["html"].endswith("· assignee: nobody")


async def test_managers_chat_id_sends_the_escalation_to_that_chat(db: str) -> None:
    ticket = await new_ticket()
    await told(alarm(ticket, "breach", due_in=timedelta(0)), context(managers_chat_id=-100555))
    [line] = await queued(TO_MANAGERS)
    assert line.destination == "tg:managers:-100555" and line.budget_key == "tg:-100555"


async def test_russian_operators_read_it_in_russian(db: str) -> None:
    ticket = await new_ticket()
    ivan = await operator(2, "Иван")
    await told(
        alarm(ticket, "warning", due_in=timedelta(hours=1, minutes=5), assignee=ivan),
        context("ru"),
    )
    [notice] = await queued(NOTICE)
    assert notice.payload["html"] == (
        f"⏰ Предупреждение SLA: первый ответ — срок в 16:05 (через 1 ч 5 мин) — {link(ivan)}"
    )
    await told(alarm(ticket, "breach", due_in=-timedelta(days=1), assignee=ivan), context("ru"))
    [notice] = await queued(NOTICE)
    assert notice.payload["html"].startswith(
        "🚨 SLA нарушен: первый ответ — срок был в 2026-11-22 15:00 — "
    )
    [line] = await queued(TO_MANAGERS)
    assert "SLA нарушен" in line.payload["html"] and "исполнитель: Иван" in line.payload["html"]


async def test_names_are_escaped_and_the_mentions_capped(db: str) -> None:
    ticket = await new_ticket()
    owner = await operator(2, "<b>Bob & Co</b>")
    for n in range(7):
        await operator(100 + n, f"Senior {n}", OperatorRole.SENIOR)
    await told(alarm(ticket, "breach", due_in=-timedelta(minutes=3), assignee=owner))
    [notice] = await queued(NOTICE)
    html = notice.payload["html"]
    assert '<a href="tg://user?id=2">&lt;b&gt;Bob &amp; Co&lt;/b&gt;</a>' in html
    assert html.count("tg://user?id=") == 5 and html.endswith(" and 3 more")
    [line] = await queued(TO_MANAGERS)
    assert "assignee: &lt;b&gt;Bob &amp; Co&lt;/b&gt;" in line.payload["html"]


async def test_nothing_is_queued_when_the_firing_transaction_rolls_back(db: str) -> None:
    """Exactly once rests on the caller's transaction: a rolled back fire left nothing."""
    ticket = await new_ticket()
    await OutboxItem.all().delete()
    try:
        async with in_transaction() as connection:
            await announce(connection, context(), alarm(ticket, "breach", due_in=timedelta(0)))
            raise RuntimeError("the scheduler crashed before marking the deadline fired")
    except RuntimeError:
        pass
    assert await OutboxItem.all().count() == 0
