"""Reading "<when>" phrases in English and Russian at a fixed clock (pure logic, no DB).

The clock stands at Wednesday 2026-03-11 10:20 in Moscow; the desk is open on weekdays
09:00-18:00, so a day said without a time means 09:00. Where ``dateparser`` alone gets a
phrase wrong, a comment says what it returns (with PREFER_DATES_FROM=future, en+ru).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.business_calendar import BusinessCalendar
from core.when import EXAMPLES_EN, EXAMPLES_RU, MAX_PHRASE, examples, parse_when, split_when

ROOT = Path(__file__).resolve().parents[2]
MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 3, 11, 10, 20, tzinfo=MOSCOW)
CALENDAR = BusinessCalendar.from_text("mon-fri 09:00-18:00", timezone="Europe/Moscow")


def local(text: str) -> datetime:
    """ "2026-03-12 10:00" on Moscow's wall clock."""
    return datetime.fromisoformat(text).replace(tzinfo=MOSCOW)


def after(**span: float) -> datetime:
    return NOW + timedelta(**span)


TABLE = [
    # durations
    ("in 2h", after(hours=2)),
    ("in 30 min", after(minutes=30)),
    ("in 20 seconds", after(seconds=20)),
    ("in 1 hour", after(hours=1)),
    ("in an hour", after(hours=1)),
    ("in two hours", after(hours=2)),
    ("in 2 hours and 30 minutes", after(hours=2, minutes=30)),
    ("half an hour", after(minutes=30)),
    ("in a week", after(days=7)),
    ("2d", after(days=2)),
    ("1h30m", after(hours=1, minutes=30)),
    ("2h 30m", after(hours=2, minutes=30)),
    ("3д", after(days=3)),  # dateparser: None
    ("2ч30м", after(hours=2, minutes=30)),  # dateparser: None
    ("через 2 часа", after(hours=2)),
    ("через 15 минут", after(minutes=15)),
    ("через полчаса", after(minutes=30)),
    ("через полтора часа", after(minutes=90)),  # dateparser: None
    ("через час", after(hours=1)),
    ("через два часа", after(hours=2)),
    ("через 3 дня", after(days=3)),
    ("через неделю", after(days=7)),
    ("через 1 час 30 минут", after(hours=1, minutes=30)),
    ("10 минут", after(minutes=10)),
    # times without a day: the next such time
    ("10:30", local("2026-03-11 10:30")),
    ("08:00", local("2026-03-12 08:00")),
    ("at 17:30", local("2026-03-11 17:30")),
    ("9am", local("2026-03-12 09:00")),
    ("at 5 pm", local("2026-03-11 17:00")),
    ("12am", local("2026-03-12 00:00")),
    ("noon", local("2026-03-11 12:00")),
    ("в 10", local("2026-03-12 10:00")),  # dateparser: 2026-03-10 00:00, the 10th
    ("в 18", local("2026-03-11 18:00")),  # dateparser: 2026-03-18 00:00
    ("в 9 утра", local("2026-03-12 09:00")),
    ("в 7 вечера", local("2026-03-11 19:00")),
    ("в 10 часов", local("2026-03-12 10:00")),
    ("в полдень", local("2026-03-11 12:00")),
    # a day, with or without a time
    ("tomorrow 10:00", local("2026-03-12 10:00")),
    ("tomorrow", local("2026-03-12 09:00")),  # dateparser: 2026-03-12 10:20, now's minutes
    ("tomorrow morning", local("2026-03-12 09:00")),
    ("tomorrow evening", local("2026-03-12 18:00")),
    ("today 18:00", local("2026-03-11 18:00")),
    ("the day after tomorrow at 11am", local("2026-03-13 11:00")),
    ("9 pm tomorrow", local("2026-03-12 21:00")),
    ("завтра в 10", local("2026-03-12 10:00")),  # dateparser: 2026-03-12 10:20
    ("завтра 10", local("2026-03-12 10:00")),
    ("завтра утром", local("2026-03-12 09:00")),  # dateparser: None
    ("завтра в 2 дня", local("2026-03-12 14:00")),
    ("сегодня в 18", local("2026-03-11 18:00")),  # dateparser: 2026-03-11 10:20
    ("послезавтра", local("2026-03-13 09:00")),  # dateparser: 2026-03-13 10:20
    ("послезавтра вечером", local("2026-03-13 18:00")),
    # weekdays
    ("friday", local("2026-03-13 09:00")),  # dateparser: 2026-03-13 00:00
    ("on friday", local("2026-03-13 09:00")),
    ("by friday", local("2026-03-13 09:00")),
    ("wednesday", local("2026-03-18 09:00")),  # today's 09:00 has passed
    ("wednesday 18:00", local("2026-03-11 18:00")),
    ("next wednesday", local("2026-03-18 09:00")),
    ("next monday 9am", local("2026-03-16 09:00")),
    ("tuesday 3pm", local("2026-03-17 15:00")),
    ("10:30 friday", local("2026-03-13 10:30")),
    ("friday in the morning", local("2026-03-13 09:00")),
    ("в пятницу", local("2026-03-13 09:00")),  # dateparser: 2026-03-13 00:00
    ("в пн в 9:00", local("2026-03-16 09:00")),
    ("во вторник в 15:30", local("2026-03-17 15:30")),
    ("в следующий понедельник", local("2026-03-16 09:00")),
    ("в среду", local("2026-03-18 09:00")),
    ("в сб", local("2026-03-14 09:00")),  # closed on Saturdays: the week's opening time
    # dates
    ("15.03 14:00", local("2026-03-15 14:00")),  # dateparser: None
    ("31.12", local("2026-12-31 09:00")),  # dateparser: 2026-12-31 00:00
    ("15.03.2027 9:00", local("2027-03-15 09:00")),
    ("10.03", local("2027-03-10 09:00")),  # no year: the next 10 March
    ("29.02", local("2028-02-29 09:00")),
    ("2026-03-20 12:00", local("2026-03-20 12:00")),
    ("march 15 at 3pm", local("2026-03-15 15:00")),
    ("15th of march", local("2026-03-15 09:00")),
    ("15 марта", local("2026-03-15 09:00")),
    ("15 марта в 14:00", local("2026-03-15 14:00")),
    ("1 апреля в 10", local("2026-04-01 10:00")),  # dateparser: 2026-04-01 10:20
    ("1 апреля 2027 г", local("2027-04-01 09:00")),
    # left to dateparser: months and weeks said as words
    ("in 2 months", local("2026-05-11 10:20")),
    ("через 2 месяца", local("2026-05-11 10:20")),
    ("next week", local("2026-03-18 10:20")),
    ("in a fortnight", local("2026-03-25 10:20")),
    ("next month", local("2026-04-11 10:20")),
    ("на следующей неделе", local("2026-03-18 10:20")),
    ("через год", local("2027-03-11 10:20")),
    # punctuation, case and ё do not matter
    ("Завтра в 10!", local("2026-03-12 10:00")),
    ("IN 2H", after(hours=2)),
    ("в пн. в 9:00", local("2026-03-16 09:00")),
]


@pytest.mark.parametrize(("phrase", "expected"), TABLE, ids=[phrase for phrase, _ in TABLE])
def test_phrases(phrase: str, expected: datetime) -> None:
    at = parse_when(phrase, NOW, CALENDAR)
    assert at == expected
    assert at is not None and at.tzinfo == UTC


UNREADABLE = [
    "blah", "", "   ", "в", "at", "через", "in", "завтра в", "32.13 10:00", "31.02",
    "yesterday", "вчера", "через -2 часа", "in -5 min", "today 08:00", "сегодня в 9",
    "11.03 08:00", "15.03.2025", "10", "25:00", "in 0 min", "call back", "позвонить",
    "in 20 seconds call back", "13pm", "in 99999 days", "через 10 лет",
    # dateparser alone reads these as some day: May 11, the 11th of May, Friday, the 30th
    "five", "may", "in may", "через пятницу", "тридцать", "10 tomorrow", "th",
]  # fmt: skip


@pytest.mark.parametrize("phrase", UNREADABLE)
def test_unreadable_or_past_phrases_are_none(phrase: str) -> None:
    assert parse_when(phrase, NOW, CALENDAR) is None


@pytest.mark.parametrize(
    ("text", "at", "rest"),
    [
        ("in 20 seconds call back", after(seconds=20), "call back"),
        ("завтра в 10 перезвонить клиенту", local("2026-03-12 10:00"), "перезвонить клиенту"),
        ("завтра в 10 в офисе", local("2026-03-12 10:00"), "в офисе"),
        ("в пн в 9:00 созвон", local("2026-03-16 09:00"), "созвон"),
        (
            "tomorrow 10:00 call back about the refund",
            local("2026-03-12 10:00"),
            "call back about the refund",
        ),
        ("friday in the morning check", local("2026-03-13 09:00"), "check"),
        ("через 2 месяца проверить", local("2026-05-11 10:20"), "проверить"),
        ("3д  напомнить\nпро договор", after(days=3), "напомнить\nпро договор"),
        ("in 2h", after(hours=2), ""),
        ("2h, call", after(hours=2), "call"),
    ],
)
def test_split_when(text: str, at: datetime, rest: str) -> None:
    found = split_when(text, NOW, CALENDAR)
    assert found is not None
    assert (found.at, found.rest) == (at, rest)


@pytest.mark.parametrize("text", ["call back tomorrow", "позвонить завтра", "", "today 08:00 x"])
def test_split_when_needs_a_time_first(text: str) -> None:
    assert split_when(text, NOW, CALENDAR) is None


def test_a_desk_open_around_the_clock_starts_days_at_nine() -> None:
    always = BusinessCalendar.from_text("24/7", timezone="Asia/Tokyo")
    now = datetime(2026, 3, 11, 10, 20, tzinfo=UTC)  # 19:20 in Tokyo
    expected = datetime(2026, 3, 12, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert parse_when("tomorrow", now, always) == expected
    assert parse_when("в 9", now, always) == expected


def test_a_day_without_a_time_opens_with_that_weekday() -> None:
    calendar = BusinessCalendar.from_text(
        "mon-thu 09:00-18:00; fri 10:30-16:00", timezone="Europe/Moscow"
    )
    assert parse_when("friday", NOW, calendar) == local("2026-03-13 10:30")
    assert parse_when("sunday", NOW, calendar) == local("2026-03-15 09:00")


def test_a_wall_time_in_the_calendars_own_zone_across_a_dst_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    calendar = BusinessCalendar.from_text("mon-fri 09:00-18:00", timezone="Europe/Berlin")
    now = datetime(2026, 3, 28, 12, 0, tzinfo=berlin)  # Saturday; clocks go forward Sunday
    assert parse_when("tomorrow 10:00", now, calendar) == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    assert parse_when("in 24h", now, calendar) == datetime(2026, 3, 29, 11, 0, tzinfo=UTC)
    # 02:30 does not exist that night; it is read as the moment after the jump, not refused
    skipped = parse_when("tomorrow 02:30", now, calendar)
    assert skipped is not None and skipped.astimezone(berlin).hour == 3


def test_dateparser_is_loaded_only_for_the_forms_left_to_it() -> None:
    # dateparser takes a noticeable while to load; the common forms must not pay for it
    script = (
        "import sys; from datetime import datetime, UTC; "
        "from core.business_calendar import BusinessCalendar; "
        "from core.when import parse_when, split_when; "
        "now, cal = datetime(2026, 3, 11, tzinfo=UTC), BusinessCalendar(); "
        "parse_when('завтра в 10', now, cal); split_when('in 2h call back', now, cal); "
        "assert 'dateparser' not in sys.modules; "
        "parse_when('in 2 months', now, cal); assert 'dateparser' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT)


def test_examples_are_readable() -> None:
    assert examples("ru") == EXAMPLES_RU
    assert examples("en-US") == examples(None) == EXAMPLES_EN
    for phrase in EXAMPLES_EN + EXAMPLES_RU:
        assert parse_when(phrase, NOW, CALENDAR) is not None, phrase


def test_long_input_is_not_parsed() -> None:
    assert parse_when("in 2h" + " " * MAX_PHRASE, NOW, CALENDAR) is None
    found = split_when("in 2h " + "x" * 10_000, NOW, CALENDAR)
    assert found is not None and found.at == after(hours=2)


@given(st.integers(1, 10_000))
def test_minutes_ahead(n: int) -> None:
    assert parse_when(f"in {n} min", NOW, CALENDAR) == after(minutes=n)
    assert parse_when(f"через {n} минут", NOW, CALENDAR) == after(minutes=n)
    assert parse_when(f"{n}m", NOW, CALENDAR) == after(minutes=n)


TASK_WORDS = ["call", "back", "client", "позвонить", "клиенту", "про", "возврат", "refund"]


@given(
    st.sampled_from([phrase for phrase, _ in TABLE]),
    st.lists(st.sampled_from(TASK_WORDS), min_size=1, max_size=5),
)
def test_split_when_keeps_the_task_words(phrase: str, words: list[str]) -> None:
    found = split_when(f"{phrase} {' '.join(words)}", NOW, CALENDAR)
    assert found is not None
    assert found.rest == " ".join(words)
    assert found.at == parse_when(phrase, NOW, CALENDAR)


@given(st.text(max_size=300))
def test_any_text_is_read_or_refused_without_raising(text: str) -> None:
    at = parse_when(text, NOW, CALENDAR)
    assert at is None or at > NOW
    found = split_when(text, NOW, CALENDAR)
    assert found is None or found.at > NOW
