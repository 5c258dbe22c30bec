"""The card's SLA line: a countdown to the next due time, or how long it is overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from core.entities import CardSla, CustomerProfile
from core.enums import Channel, SlaClock
from operators_group.cards import render_card
from tests.operators_group.test_cards import card

READ = datetime(2026, 11, 23, 11, 18, tzinfo=UTC)  # 14:18 in Moscow, when the card was read
MOSCOW = ZoneInfo("Europe/Moscow")
ALICE = CustomerProfile(Channel.TELEGRAM, 42, "Alice")


def sla_lines(sla: CardSla | None, locale: str = "en") -> list[str]:
    """The card's lines that speak of SLA."""
    text = render_card(card(ALICE, sla=sla), locale=locale, timezone=MOSCOW)
    return [line for line in text.splitlines() if line.startswith(("⏱", "⚠"))]


def due(minutes: int, clock: SlaClock = SlaClock.FIRST_RESPONSE) -> CardSla:
    """A clock due ``minutes`` after the card was read (negative: overdue)."""
    at = READ + timedelta(minutes=minutes)
    return CardSla(clock=clock, due_at=at, breached=at <= READ, as_of=READ)


def test_a_running_clock_counts_down_in_the_desk_zone() -> None:
    assert sla_lines(due(12)) == ["⏱ first response by 14:30 · in 12 min"]
    assert sla_lines(due(12), "ru") == ["⏱ первый ответ до 14:30 · через 12 мин"]


def test_an_overdue_clock_says_by_how_much() -> None:
    assert sla_lines(due(-5)) == ["⚠ first response overdue 5 min"]
    assert sla_lines(due(-65, SlaClock.NEXT_RESPONSE), "ru") == [
        "⚠ следующий ответ просрочен на 1 ч 5 мин"
    ]


def test_a_due_time_on_another_day_carries_its_date() -> None:
    assert sla_lines(due(24 * 60 + 12, SlaClock.RESOLUTION)) == [
        "⏱ resolution by 2026-11-24 14:30 · in 1 d"
    ]


def test_no_clock_no_line() -> None:
    assert sla_lines(None) == []
