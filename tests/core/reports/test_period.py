"""Reading a report's period: the words, days and ranges, and clear refusals."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.reports.period import MAX_DAYS, Period, PeriodError, parse_period

MOSCOW = ZoneInfo("Europe/Moscow")
TODAY = date(2026, 11, 25)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("today", TODAY, TODAY),
        ("", TODAY, TODAY),
        ("  Yesterday ", date(2026, 11, 24), date(2026, 11, 24)),
        ("week", date(2026, 11, 19), TODAY),
        ("month", date(2026, 10, 27), TODAY),
        ("2026-11-01", date(2026, 11, 1), date(2026, 11, 1)),
        ("2026-11-01..2026-11-25", date(2026, 11, 1), TODAY),
        ("2026-11-01 .. 2026-11-03", date(2026, 11, 1), date(2026, 11, 3)),
    ],
)
def test_periods_are_read(text: str, first: date, last: date) -> None:
    period = parse_period(text, TODAY, MOSCOW)
    assert (period.first, period.last, period.zone) == (first, last, MOSCOW)


def test_a_period_runs_from_local_midnight_to_the_midnight_after_its_last_day() -> None:
    period = parse_period("week", TODAY, MOSCOW)
    assert period.start == datetime(2026, 11, 19, tzinfo=MOSCOW)
    assert period.end == datetime(2026, 11, 26, tzinfo=MOSCOW)
    assert period.start.utcoffset() == timedelta(hours=3)
    assert (period.days, period.label) == (7, "2026-11-19..2026-11-25")
    assert period.before() == Period(date(2026, 11, 12), date(2026, 11, 18), MOSCOW)
    assert parse_period("today", TODAY, MOSCOW).label == "2026-11-25"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("fortnight", "is not a period"),
        ("2026-13-01", "is not a day of the calendar"),
        ("2026-02-30", "is not a day of the calendar"),
        ("2026-11-03..2026-11-01", "ends before it starts"),
        ("2026-12-01", "starts after today"),
        ("2024-01-01..2026-01-01", f"at most {MAX_DAYS} days"),
        ("2026-11-01..", "is not a period"),
        ("x" * 5000, "is not a period"),
    ],
)
def test_bad_periods_are_refused_with_examples(text: str, says: str) -> None:
    with pytest.raises(PeriodError) as refused:
        parse_period(text, TODAY, MOSCOW)
    assert says in str(refused.value)
    assert "..2026-" in str(refused.value)  # an example range to copy
    assert len(str(refused.value)) < 300  # a long input is not echoed whole
    assert refused.value.text("ru") != ""


def test_refusals_are_translated() -> None:
    with pytest.raises(PeriodError) as refused:
        parse_period("fortnight", TODAY, MOSCOW)
    assert "период" in refused.value.text("ru")


@given(st.dates(min_value=date(2000, 1, 1), max_value=TODAY), st.integers(0, MAX_DAYS - 1))
def test_any_range_up_to_today_reads_back_as_itself(first: date, extra: int) -> None:
    last = min(first + timedelta(days=extra), TODAY)
    period = parse_period(f"{first}..{last}", TODAY, MOSCOW)
    assert (period.first, period.last) == (first, last)
    assert parse_period(period.label, TODAY, MOSCOW) == period
    assert period.end - period.start == timedelta(days=period.days)  # Moscow keeps no DST


@given(st.text(max_size=30))
def test_any_text_is_a_period_or_a_period_error(text: str) -> None:
    try:
        period = parse_period(text, TODAY, MOSCOW)
    except PeriodError as refused:
        assert refused.message and str(refused)
    else:
        assert period.first <= period.last <= TODAY
