"""The acknowledgement and the off-hours reply, through the real ingest on a real database.

The desk works mon-fri 09:00-18:00 in Moscow; the clock is frozen at the moment each
customer writes. What the tests read is the text queued for the customer's chat.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.auto_reply_settings import AutoReplies, AutoReply
from core.business_calendar import BusinessCalendar
from core.clock import FrozenClock
from core.context import DeskContext
from core.entities import Content, CustomerProfile, InboundMessage
from core.enums import Channel, MessageDirection, MessageKind, TicketPriority, TicketStatus
from core.models import Message, OutboxItem, Ticket
from core.relay.acknowledgements import AUTO_REPLY
from core.relay.ingest import ingest
from core.sla_policies import DEFAULT_POLICIES, SlaPolicies, SlaPolicy

GROUP = -1001234567890
MOSCOW = ZoneInfo("Europe/Moscow")
HOURS = "mon-fri 09:00-18:00"
BOTH_ON = AutoReplies(AutoReply(enabled=True), AutoReply(enabled=True))
#: Friday 4 December 2026, 19:00 in Moscow: an hour after closing
FRIDAY_EVENING = datetime(2026, 12, 4, 19, 0, tzinfo=MOSCOW)
#: Tuesday 1 December 2026, 11:00 in Moscow: open
TUESDAY_MORNING = datetime(2026, 12, 1, 11, 0, tzinfo=MOSCOW)

ACK_EN = "We've received your message — your ticket number is #{number}. We'll answer by {due}."
OFF_EN = "Our team is offline now. We're back {opening}, and we will answer you then."


def desk(
    at: datetime,
    *,
    hours: str = HOURS,
    replies: AutoReplies = BOTH_ON,
    sla: SlaPolicies = DEFAULT_POLICIES,
    **calendar: Any,
) -> DeskContext:
    return DeskContext(
        group_chat_id=GROUP,
        clock=FrozenClock(at),
        calendar=BusinessCalendar.from_text(hours, timezone="Europe/Moscow", **calendar),
        auto_replies=replies,
        sla=sla,
    )


def inbound(
    ctx: DeskContext,
    message_id: int,
    text: str = "My order is late",
    *,
    user: int = 501,
    lang: str = "en",
) -> InboundMessage:
    profile = CustomerProfile(Channel.TELEGRAM, user, "Alice", "Smith", "alice", lang)
    return InboundMessage(
        profile=profile,
        chat_id=user,
        message_id=message_id,
        sent_at=ctx.clock.now(),
        content=Content(MessageKind.TEXT, text=text),
    )


async def replies(user: int = 501) -> list[tuple[str, str]]:
    """(kind, text) of every automatic reply queued for ``user``'s chat, oldest first."""
    items = await OutboxItem.filter(operation=AUTO_REPLY, destination=f"tg:private:{user}")
    return [(i.payload["reply"], i.payload["text"]) for i in sorted(items, key=lambda i: i.id)]


async def test_friday_evening_gets_the_off_hours_reply_then_the_acknowledgement(db: str) -> None:
    ctx = desk(FRIDAY_EVENING)
    await ingest(inbound(ctx, 1), ctx)
    ticket = await Ticket.get()
    # normal priority: 4 business hours from Friday 19:00 is Monday 13:00
    assert await replies() == [
        ("off_hours", OFF_EN.format(opening="on Monday, 7 December at 09:00 (Moscow time)")),
        (
            "acknowledgement",
            ACK_EN.format(number=ticket.number, due="Monday, 7 December at 13:00 (Moscow time)"),
        ),
    ]
    assert ticket.off_hours_replied_at == FRIDAY_EVENING.astimezone(UTC)


async def test_a_russian_customer_reads_both_in_russian(db: str) -> None:
    ctx = desk(FRIDAY_EVENING)
    await ingest(inbound(ctx, 1, "Где мой заказ?", lang="ru"), ctx)
    [(_, off_hours), (_, ack)] = await replies()
    assert off_hours == (
        "Сейчас наша команда не на связи. Снова будем на связи: понедельник, 7 декабря, 09:00 "
        "(часовой пояс: Москва) — тогда и ответим вам."
    )
    number = (await Ticket.get()).number
    assert ack == (
        f"Мы получили ваше сообщение — номер вашего обращения #{number}. Ожидаемое время "
        "ответа: понедельник, 7 декабря, 13:00 (часовой пояс: Москва)."
    )


async def test_new_year_holidays_push_the_opening_to_the_first_workday_of_january(
    db: str,
) -> None:
    ctx = desk(datetime(2026, 12, 31, 12, 0, tzinfo=MOSCOW), holidays="RU")
    await ingest(inbound(ctx, 1), ctx)
    [(kind, text), _] = await replies()
    assert kind == "off_hours"
    assert "on Monday, 11 January at 09:00 (Moscow time)" in text


async def test_an_extra_day_off_moves_the_opening_and_the_due_time(db: str) -> None:
    ctx = desk(FRIDAY_EVENING, extra_days_off=frozenset({date(2026, 12, 7)}))
    await ingest(inbound(ctx, 1), ctx)
    [(_, off_hours), (_, ack)] = await replies()
    assert "on Tuesday, 8 December at 09:00 (Moscow time)" in off_hours
    assert "by Tuesday, 8 December at 13:00 (Moscow time)." in ack


async def test_the_off_hours_reply_goes_once_per_ticket_and_again_for_a_new_one(db: str) -> None:
    ctx = desk(FRIDAY_EVENING)
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    await ingest(inbound(ctx, 1), ctx)
    clock.advance(minutes=5)
    await ingest(inbound(ctx, 2, "Anyone there?"), ctx)
    clock.advance(hours=20)  # Saturday: still closed, still the same ticket
    await ingest(inbound(ctx, 3, "Hello?"), ctx)
    assert [kind for kind, _ in await replies()] == ["off_hours", "acknowledgement"]
    # the ticket is closed; on Saturday night the customer starts a new one
    await Ticket.all().update(status=TicketStatus.CLOSED, closed_at=clock.now())
    clock.advance(hours=8)
    await ingest(inbound(ctx, 4, "A different question"), ctx)
    first, second = await Ticket.all().order_by("id")
    assert [kind for kind, _ in await replies()] == ["off_hours", "acknowledgement"] * 2
    _, _, _, (_, ack) = await replies()
    assert f"#{second.number}." in ack and f"#{first.number}" not in ack
    assert second.off_hours_replied_at == clock.now()


async def test_a_message_inside_opening_hours_gets_only_the_acknowledgement(db: str) -> None:
    ctx = desk(TUESDAY_MORNING)
    await ingest(inbound(ctx, 1), ctx)
    number = (await Ticket.get()).number
    assert await replies() == [
        ("acknowledgement", ACK_EN.format(number=number, due="15:00 today (Moscow time)"))
    ]
    assert (await Ticket.get()).off_hours_replied_at is None


async def test_a_due_time_tomorrow_says_tomorrow(db: str) -> None:
    ctx = desk(datetime(2026, 12, 1, 16, 0, tzinfo=MOSCOW))  # 2 h left today, 2 h tomorrow
    await ingest(inbound(ctx, 1), ctx)
    [(_, ack)] = await replies()
    assert ack.endswith("We'll answer by 11:00 tomorrow (Moscow time).")


async def test_a_desk_open_around_the_clock_never_sends_the_off_hours_reply(db: str) -> None:
    saturday_night = datetime(2026, 12, 5, 3, 0, tzinfo=MOSCOW)
    ctx = desk(saturday_night, hours="24/7")
    await ingest(inbound(ctx, 1), ctx)
    await ingest(inbound(ctx, 2, "still here"), ctx)
    assert [kind for kind, _ in await replies()] == ["acknowledgement"]
    # 4 h of round-the-clock business time: 07:00 the same day
    assert "by 07:00 today (Moscow time)." in (await replies())[0][1]


async def test_a_target_outside_business_hours_counts_all_the_time(db: str) -> None:
    round_the_clock = SlaPolicy(
        TicketPriority.NORMAL, first_response=timedelta(minutes=30), business_hours=False
    )
    sla = SlaPolicies({TicketPriority.NORMAL: round_the_clock}, warn_percent=20)
    ctx = desk(FRIDAY_EVENING, sla=sla)
    await ingest(inbound(ctx, 1), ctx)
    [_, (_, ack)] = await replies()
    assert ack.endswith("We'll answer by 19:30 today (Moscow time).")


async def test_without_a_first_response_target_the_acknowledgement_promises_no_time(
    db: str,
) -> None:
    no_targets = SlaPolicies({}, warn_percent=20)
    ctx = desk(TUESDAY_MORNING, sla=no_targets)
    await ingest(inbound(ctx, 1), ctx)
    number = (await Ticket.get()).number
    assert await replies() == [
        (
            "acknowledgement",
            f"We've received your message — your ticket number is #{number}. We'll answer "
            "as soon as we can.",
        )
    ]


async def test_reopens_thanks_and_later_messages_are_not_acknowledged(db: str) -> None:
    ctx = desk(TUESDAY_MORNING)
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    await ingest(inbound(ctx, 1), ctx)
    await ingest(inbound(ctx, 2, "one more detail"), ctx)
    await Ticket.all().update(status=TicketStatus.RESOLVED, resolved_at=clock.now())
    clock.advance(minutes=10)
    await ingest(inbound(ctx, 3, "thank you!"), ctx)  # a thank-you: nothing reopens
    await ingest(inbound(ctx, 4, "Actually, it broke again"), ctx)  # reopens the ticket
    assert (await Ticket.get()).status == TicketStatus.OPEN
    assert [kind for kind, _ in await replies()] == ["acknowledgement"]


async def test_each_reply_can_be_turned_off(db: str) -> None:
    only_off_hours = AutoReplies(off_hours=AutoReply(enabled=True))
    ctx = desk(FRIDAY_EVENING, replies=only_off_hours)
    await ingest(inbound(ctx, 1), ctx)
    assert [kind for kind, _ in await replies()] == ["off_hours"]
    only_ack = AutoReplies(acknowledgement=AutoReply(enabled=True))
    ctx = desk(FRIDAY_EVENING, replies=only_ack)
    await ingest(inbound(ctx, 1, user=502), ctx)
    assert [kind for kind, _ in await replies(502)] == ["acknowledgement"]
    assert (await Ticket.get(conversation__chat_id=502)).off_hours_replied_at is None
    ctx = desk(FRIDAY_EVENING, replies=AutoReplies())
    await ingest(inbound(ctx, 1, user=503), ctx)
    assert await replies(503) == []


async def test_configured_texts_replace_the_built_in_ones_for_their_language(db: str) -> None:
    custom = AutoReplies(
        acknowledgement=AutoReply(True, (("en", "Got it <3 Ticket {ticket}, answer by {due}."),)),
        off_hours=AutoReply(True, (("en", "Closed. Open {opening}. {{braces}}"),)),
    )
    ctx = desk(FRIDAY_EVENING, replies=custom)
    await ingest(inbound(ctx, 1), ctx)
    number = (await Ticket.get()).number
    assert await replies() == [
        ("off_hours", "Closed. Open on Monday, 7 December at 09:00 (Moscow time). {braces}"),
        (
            "acknowledgement",
            f"Got it &lt;3 Ticket #{number}, answer by Monday, 7 December at 13:00 (Moscow time).",
        ),
    ]
    # a Russian customer still reads the built-in Russian text
    await ingest(inbound(ctx, 1, "Здравствуйте", user=502, lang="ru"), ctx)
    assert (await replies(502))[1][1].startswith("Мы получили ваше сообщение")


async def test_a_configured_text_that_names_the_due_time_needs_a_target(db: str) -> None:
    custom = AutoReplies(
        acknowledgement=AutoReply(True, (("en", "Ticket {ticket}, answer by {due}."),))
    )
    ctx = desk(TUESDAY_MORNING, replies=custom, sla=SlaPolicies({}, warn_percent=20))
    await ingest(inbound(ctx, 1), ctx)
    [(_, ack)] = await replies()
    assert ack.endswith("We'll answer as soon as we can.")


async def test_the_replies_are_the_desks_own_words_not_messages_of_the_conversation(
    db: str,
) -> None:
    ctx = desk(FRIDAY_EVENING)
    await ingest(inbound(ctx, 1), ctx)
    assert len(await replies()) == 2
    assert await Message.filter(direction=MessageDirection.OUTBOUND).count() == 0
    ticket = await Ticket.get()
    assert ticket.first_response_at is None
