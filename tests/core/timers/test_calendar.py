"""The business calendar on the days a support team meets: lunch, nights, holidays, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.business_calendar import BusinessCalendar, calendar_from_settings
from core.config import isolated_settings

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600


def msk(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=MSK)  # type: ignore[misc]


def test_lunch_break_is_skipped() -> None:
    office = BusinessCalendar.from_text("mon-fri 09:00-13:00,14:00-18:00", timezone="Europe/Moscow")
    monday = msk(2026, 12, 7, 12, 30)
    assert office.add_business_seconds(monday, HOUR) == msk(2026, 12, 7, 14, 30)
    assert not office.is_open(msk(2026, 12, 7, 13, 30))
    assert office.next_opening(msk(2026, 12, 7, 13, 30)) == msk(2026, 12, 7, 14)
    assert office.business_seconds_between(monday, msk(2026, 12, 7, 15)) == 1.5 * HOUR
    # Friday evening to Monday morning: the weekend does not count
    friday = msk(2026, 12, 11, 17)
    assert office.add_business_seconds(friday, 2 * HOUR) == msk(2026, 12, 14, 10)
    assert office.business_seconds_between(friday, msk(2026, 12, 14, 10)) == 2 * HOUR
    assert office.add_business_seconds(friday, 2 * HOUR).tzinfo == UTC


def test_night_shift_crosses_midnight() -> None:
    nights = BusinessCalendar.from_text("sun-thu 22:00-06:00")
    assert nights.is_open(datetime(2026, 12, 10, 23, tzinfo=UTC))  # Thursday night
    assert nights.is_open(datetime(2026, 12, 11, 5, tzinfo=UTC))  # ... into Friday
    assert not nights.is_open(datetime(2026, 12, 11, 23, tzinfo=UTC))  # Friday night
    friday_dawn = datetime(2026, 12, 11, 5, tzinfo=UTC)
    sunday_night = datetime(2026, 12, 13, 22, tzinfo=UTC)
    assert nights.next_opening(datetime(2026, 12, 11, 7, tzinfo=UTC)) == sunday_night
    assert nights.add_business_seconds(friday_dawn, 2 * HOUR) == sunday_night + timedelta(hours=1)
    assert nights.business_seconds_between(friday_dawn, sunday_night + timedelta(hours=8)) == (
        9 * HOUR
    )


def test_a_night_shift_overlapping_the_morning_counts_once() -> None:
    desk = BusinessCalendar.from_text("mon 22:00-06:00; tue 05:00-09:00")
    monday_night = datetime(2026, 12, 7, 22, tzinfo=UTC)
    assert desk.business_seconds_between(monday_night, monday_night + timedelta(days=1)) == (
        11 * HOUR
    )
    assert desk.add_business_seconds(monday_night, 10 * HOUR) == datetime(
        2026, 12, 8, 8, tzinfo=UTC
    )


def test_a_night_shift_starting_on_a_day_off_does_not_run_into_the_next_morning() -> None:
    nights = BusinessCalendar.from_text(
        "sun-thu 22:00-06:00", extra_days_off=frozenset({date(2026, 12, 6)})
    )
    assert not nights.is_open(datetime(2026, 12, 6, 23, tzinfo=UTC))
    assert not nights.is_open(datetime(2026, 12, 7, 3, tzinfo=UTC))
    assert nights.next_opening(datetime(2026, 12, 6, 12, tzinfo=UTC)) == datetime(
        2026, 12, 7, 22, tzinfo=UTC
    )


def test_russian_new_year_holidays_are_closed() -> None:
    office = BusinessCalendar.from_text(
        "mon-fri 09:00-18:00", timezone="Europe/Moscow", holidays="RU"
    )
    # 31 December 2025 and 1-9 January 2026 are days off, 10-11 January a weekend
    assert office.add_business_seconds(msk(2025, 12, 30, 17), 2 * HOUR) == msk(2026, 1, 12, 10)
    assert office.next_opening(msk(2025, 12, 31, 10)) == msk(2026, 1, 12, 9)
    assert office.business_seconds_between(msk(2025, 12, 30, 18), msk(2026, 1, 12, 9)) == 0
    assert not office.is_open(msk(2026, 1, 5, 12))


def test_a_moved_working_saturday_opens_with_monday_hours() -> None:
    # Russia, 2025: Saturday 1 November was a workday, Monday 3 November a day off
    office = BusinessCalendar.from_text(
        "mon-fri 09:00-18:00",
        timezone="Europe/Moscow",
        holidays="RU",
        extra_workdays=frozenset({date(2025, 11, 1)}),
    )
    assert office.is_open(msk(2025, 11, 1, 12))
    assert office.add_business_seconds(msk(2025, 10, 31, 17), 2 * HOUR) == msk(2025, 11, 1, 10)
    # Monday 3 and Tuesday 4 November (the national holiday) are closed
    assert office.add_business_seconds(msk(2025, 11, 1, 17), 2 * HOUR) == msk(2025, 11, 5, 10)
    # an extra workday on a public holiday opens it, with the hours workday_hours names
    on_saturday_hours = BusinessCalendar.from_text(
        "mon-fri 09:00-18:00; sat 10:00-14:00",
        timezone="Europe/Moscow",
        holidays="RU",
        extra_workdays=frozenset({date(2026, 1, 5)}),
        workday_hours="sat",
    )
    assert on_saturday_hours.next_opening(msk(2026, 1, 5, 9)) == msk(2026, 1, 5, 10)
    assert not on_saturday_hours.is_open(msk(2026, 1, 5, 15))


def test_wall_clock_hours_hold_across_dst_in_berlin() -> None:
    daily = BusinessCalendar.from_text("mon-sun 09:00-18:00", timezone="Europe/Berlin")
    before = datetime(2026, 3, 28, tzinfo=BERLIN)
    after = datetime(2026, 3, 30, tzinfo=BERLIN)
    assert daily.business_seconds_between(before, after) == 18 * HOUR
    assert daily.next_opening(after) == datetime(2026, 3, 30, 7, tzinfo=UTC)  # 09:00 CEST
    # a night shift is an hour shorter when the clocks go forward inside it ...
    saturday_night = BusinessCalendar.from_text("sat 22:00-06:00", timezone="Europe/Berlin")
    start = datetime(2026, 3, 28, 22, tzinfo=BERLIN)
    assert saturday_night.add_business_seconds(start, 7 * HOUR) == datetime(
        2026, 3, 29, 6, tzinfo=BERLIN
    )
    # ... and an hour longer when they go back
    autumn = datetime(2026, 10, 24, 22, tzinfo=BERLIN)
    assert saturday_night.business_seconds_between(autumn, autumn + timedelta(days=1)) == 9 * HOUR


def test_a_window_opening_in_the_skipped_hour_opens_at_the_jump() -> None:
    early = BusinessCalendar.from_text("sun 02:30-04:00", timezone="Europe/Berlin")
    sunday = datetime(2026, 3, 29, tzinfo=UTC)
    assert early.next_opening(sunday) == datetime(2026, 3, 29, 1, tzinfo=UTC)  # 03:00 CEST
    assert early.business_seconds_between(sunday, sunday + timedelta(hours=6)) == HOUR


def test_open_around_the_clock_is_plain_time() -> None:
    always = BusinessCalendar()
    start = datetime(2026, 12, 3, 20, 50, tzinfo=MSK)
    assert always.always_open and always.is_open(start)
    assert always.add_business_seconds(start, 90) == start + timedelta(seconds=90)
    # a public holiday closes even a 24/7 desk
    with_holidays = BusinessCalendar(timezone="Europe/Moscow", holidays="RU")
    assert not with_holidays.always_open
    assert with_holidays.next_opening(msk(2026, 1, 1, 12)) == msk(2026, 1, 10)


def test_long_spans_stay_consistent() -> None:
    office = BusinessCalendar.from_text(
        "mon-fri 09:00-18:00", timezone="Europe/Moscow", holidays="RU"
    )
    start = msk(2026, 1, 1)
    five_years_of_work = 5 * 247 * 8 * HOUR
    end = office.add_business_seconds(start, five_years_of_work)
    assert 2030 <= end.year <= 2031
    assert office.business_seconds_between(start, end) == five_years_of_work


def test_mistakes_are_refused() -> None:
    office = BusinessCalendar.from_text("mon-fri 09:00-18:00")
    with pytest.raises(ValueError, match="timezone-aware"):
        office.is_open(datetime(2026, 12, 7, 12))
    with pytest.raises(ValueError, match="must not be negative"):
        office.add_business_seconds(datetime(2026, 12, 7, tzinfo=UTC), -1)
    with pytest.raises(ValueError, match="both an extra day off and an extra workday"):
        BusinessCalendar(
            extra_days_off=frozenset({date(2026, 1, 1)}),
            extra_workdays=frozenset({date(2026, 1, 1)}),
        )
    with pytest.raises(ValueError, match="does not know 'XX'"):
        BusinessCalendar(holidays="XX")
    with pytest.raises(ValueError, match="not a day name"):
        BusinessCalendar(workday_hours="someday")
    assert not BusinessCalendar(holidays="ru").is_open(datetime(2026, 1, 7, 12, tzinfo=UTC))


def test_built_from_the_settings() -> None:
    settings = isolated_settings(
        timezone="Europe/Moscow",
        calendar={
            "hours": "mon-fri 09:00-18:00",
            "holidays": "ru",
            "extra_workdays": ["2025-11-01"],
        },
    )
    office = calendar_from_settings(settings)
    assert office.timezone == "Europe/Moscow" and office.holidays == "RU"
    assert office.is_open(msk(2025, 11, 1, 12)) and not office.is_open(msk(2025, 11, 3, 12))
    assert calendar_from_settings(isolated_settings()).always_open


def test_a_calendar_that_never_opens_says_so_instead_of_searching_forever() -> None:
    every_monday_off = frozenset(date(2026, 12, 7) + timedelta(weeks=k) for k in range(200))
    closed = BusinessCalendar.from_text("mon 09:00-10:00", extra_days_off=every_monday_off)
    start = datetime(2026, 12, 7, tzinfo=UTC)
    with pytest.raises(ValueError, match="no open time within"):
        closed.next_opening(start)
    with pytest.raises(ValueError, match="no open time within"):
        closed.add_business_seconds(start, 60)
    # counting between two instants needs no search: nothing open is simply 0
    assert closed.business_seconds_between(start, start + timedelta(weeks=200)) == 0
