"""The ticket card's text: what operators read at the top of a ticket."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.entities import CustomerProfile, TicketCard
from core.enums import Channel
from operators_group.cards import render_card

OPENED = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def card(profile: CustomerProfile, **extra: object) -> TicketCard:
    return TicketCard(
        number=7,
        status="resolved",
        priority="normal",
        customer=profile,
        opened_at=OPENED,
        last_customer_message_at=None,
        earlier_tickets=2,
        **extra,  # type: ignore[arg-type]
    )


def test_a_vk_customer_is_linked_to_their_vk_profile() -> None:
    named = CustomerProfile(Channel.VK, 501, "Пётр", "Иванов", username="petr", language="ru")
    text = render_card(card(named), locale="en", timezone=ZoneInfo("UTC"))
    assert '<a href="https://vk.com/petr">vk.com/petr</a>' in text and "id <code>501</code>" in text
    assert "Channel: VK" in text and "@petr" not in text
    anonymous = CustomerProfile(Channel.VK, 502, "Анна")
    text = render_card(card(anonymous), locale="en", timezone=ZoneInfo("UTC"))
    assert '<a href="https://vk.com/id502">vk.com/id502</a>' in text


def test_rating_and_an_escaped_shortened_comment_show_on_the_card() -> None:
    profile = CustomerProfile(Channel.TELEGRAM, 42, "Alice", username="alice")
    long_comment = "<b>great</b> " + "x" * 400
    text = render_card(
        card(profile, csat_score=4, csat_comment=long_comment),
        locale="en",
        timezone=ZoneInfo("UTC"),
    )
    assert "Rating: ★★★★☆" in text and "@alice" in text
    comment = next(line for line in text.splitlines() if line.startswith("Comment: "))
    assert comment.startswith("Comment: &lt;b&gt;great&lt;/b&gt;") and comment.endswith("…")
    assert len(comment) < 340
