"""Rating presses and the reopen window, on a real database (no messenger involved)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.clock import FrozenClock
from core.context import DeskContext
from core.entities import ChoicePress, Content, CustomerProfile, InboundMessage
from core.enums import Channel, EventKind, MessageKind, TicketStatus
from core.models import Event, OutboxItem, Ticket
from core.outbox.queues import ACKNOWLEDGE, ASK_COMMENT, NEW_TICKET_CARD, NOTICE
from core.relay.ingest import ingest
from core.tickets.csat import ChoiceData, handle_choice, parse_choice
from tests.core.tickets.test_queries import GROUP, NOW, customer_writes, ticket_of

ALICE = CustomerProfile(Channel.TELEGRAM, 1, "Alice", "", "alice", "ru")
MALLORY = CustomerProfile(Channel.TELEGRAM, 2, "Mallory", "", "mallory", "en")


async def resolved_ticket(hours_ago: float = 1) -> Ticket:
    ticket = await ticket_of(await customer_writes(1, 1, "help"))
    ticket.status, ticket.resolved_at = TicketStatus.RESOLVED, NOW - timedelta(hours=hours_ago)
    await ticket.save()
    return ticket


def ctx() -> DeskContext:
    return DeskContext(group_chat_id=GROUP, clock=FrozenClock(NOW))


def press(profile: CustomerProfile, data: str) -> ChoicePress:
    return ChoicePress(profile=profile, chat_id=profile.external_id, message_id=5, data=data)


async def writes(message_id: int, text: str) -> None:
    inbound = InboundMessage(ALICE, 1, message_id, NOW, Content(MessageKind.TEXT, text=text))
    await ingest(inbound, ctx())


async def test_only_the_tickets_customer_can_rate_it(db: str) -> None:
    ticket = await resolved_ticket()
    assert await handle_choice(press(MALLORY, f"rate:{ticket.id}:1"), ctx()) == (
        "This button is not active any more."
    )
    assert await handle_choice(press(ALICE, "rate:nonsense"), ctx()) == (
        "Эта кнопка больше не действует."
    )
    assert (await Ticket.get(id=ticket.id)).csat_score is None
    answer = await handle_choice(press(ALICE, f"rate:{ticket.id}:4"), ctx())
    assert answer == "Спасибо за оценку!"
    rated = await Ticket.get(id=ticket.id)
    assert (rated.csat_score, rated.csat_comment_pending) == (4, True)
    assert await OutboxItem.filter(operation=ASK_COMMENT).count() == 1
    # A change of mind overwrites the score and asks for no second comment.
    await handle_choice(press(ALICE, f"rate:{ticket.id}:5"), ctx())
    assert (await Ticket.get(id=ticket.id)).csat_score == 5
    assert await OutboxItem.filter(operation=ASK_COMMENT).count() == 1
    assert await Event.filter(kind=EventKind.RATED).count() == 2


async def test_the_next_text_after_rating_is_the_comment_and_skip_ends_that(db: str) -> None:
    ticket = await resolved_ticket()
    await handle_choice(press(ALICE, f"rate:{ticket.id}:3"), ctx())
    await writes(2, "a bit slow")
    commented = await Ticket.get(id=ticket.id)
    assert (commented.csat_comment, commented.status) == ("a bit slow", TicketStatus.RESOLVED)
    assert await OutboxItem.filter(operation=ACKNOWLEDGE).count() == 1
    await writes(3, "and the courier was rude")  # no comment pending any more: reopens
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.OPEN


async def test_a_reopened_ticket_cannot_be_rated(db: str) -> None:
    ticket = await resolved_ticket()
    await writes(2, "it broke again")
    answer = await handle_choice(press(ALICE, f"rate:{ticket.id}:5"), ctx())
    assert answer is not None and "снова открыто" in answer
    assert (await Ticket.get(id=ticket.id)).csat_score is None


async def test_the_window_edge(db: str) -> None:
    ticket = await resolved_ticket(hours_ago=71.9)
    await writes(2, "спасибо")
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.RESOLVED
    await Ticket.filter(id=ticket.id).update(resolved_at=NOW - timedelta(hours=72))
    await writes(3, "спасибо")  # the window is over: a new ticket, even for a thank-you
    assert await Ticket.all().count() == 2
    assert await OutboxItem.filter(operation=NEW_TICKET_CARD).count() == 1
    assert await Event.filter(kind=EventKind.OPENED).count() == 2


@pytest.mark.parametrize("score", [1, 2])
async def test_the_comment_to_a_low_rating_also_reopens_the_ticket(db: str, score: int) -> None:
    ticket = await resolved_ticket()
    await handle_choice(press(ALICE, f"rate:{ticket.id}:{score}"), ctx())
    await writes(2, "nobody answered for a week")
    reopened = await Ticket.get(id=ticket.id)
    assert (reopened.status, reopened.csat_score, reopened.csat_comment) == (
        TicketStatus.OPEN,
        score,
        "nobody answered for a week",
    )
    assert not reopened.csat_comment_pending
    events = await Event.filter(ticket_id=ticket.id, kind=EventKind.REOPENED)
    assert [e.data for e in events] == [{"by": "customer", "rating": score}]
    assert await Event.filter(ticket_id=ticket.id, kind=EventKind.COMMENTED).count() == 1
    notices = [str(i.payload) for i in await OutboxItem.filter(operation=NOTICE)]
    alert = f"⚠️ Low rating ({score}★) on #{ticket.number}: the customer's comment reopened"
    assert sum(alert in n for n in notices) == 1
    # no 👍 on a complaint: the reopened ticket gets a real answer instead
    assert await OutboxItem.filter(operation=ACKNOWLEDGE).count() == 0
    await writes(3, "hello?")  # the next message simply joins the reopened ticket
    assert await Event.filter(ticket_id=ticket.id, kind=EventKind.REOPENED).count() == 1
    assert (await Ticket.get(id=ticket.id)).csat_comment == "nobody answered for a week"


async def test_forged_ratings_are_refused_and_store_nothing(db: str) -> None:
    ticket = await resolved_ticket()
    forged = [
        f"rate:{ticket.id}:12345",  # once a substring test: stored a score of 12345
        f"rate:{ticket.id}:0",
        f"rate:{ticket.id}:",  # truncated: once int("")
        f"rate:{ticket.id}:45",
        "rate:99999999999999999999:5",  # once an integer overflow in the database
        f"rate:{ticket.id}:5:5",
        f"skip:{ticket.id}:",
    ]
    for data in forged:
        answer = await handle_choice(press(ALICE, data), ctx())
        assert answer == "Эта кнопка больше не действует.", data
    unchanged = await Ticket.get(id=ticket.id)
    assert (unchanged.csat_score, unchanged.csat_comment_pending) == (None, False)
    assert await Event.filter(kind=EventKind.RATED).count() == 0


@given(st.integers(min_value=1, max_value=2**31 - 1), st.integers(min_value=1, max_value=5))
def test_every_rating_the_desk_sends_reads_back(ticket_id: int, score: int) -> None:
    for choice in (ChoiceData(ticket_id, score), ChoiceData(ticket_id)):
        assert parse_choice(choice.data) == choice


@given(st.text(max_size=70))
def test_any_other_text_is_no_choice_or_a_valid_one(data: str) -> None:
    choice = parse_choice(data)
    if choice is not None:
        assert 1 <= choice.ticket_id <= 2**31 - 1
        assert choice.score is None or 1 <= choice.score <= 5
        assert choice.data == data
