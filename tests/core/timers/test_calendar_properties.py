"""Properties of business-time arithmetic that hold for any instant and any duration."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from core.business_calendar import BusinessCalendar

CALENDARS = [
    BusinessCalendar.from_text(
        "mon-fri 09:00-13:00,14:00-18:00; sat 10:00-14:00",
        timezone="Europe/Moscow",
        holidays="RU",
        extra_workdays=frozenset({date(2025, 11, 1)}),
        extra_days_off=frozenset({date(2026, 6, 15)}),
    ),
    BusinessCalendar.from_text("sun-thu 22:00-06:00", timezone="Europe/Berlin"),
    # the night shift overlaps the early window of the next morning
    BusinessCalendar.from_text(
        "sun-thu 22:00-06:00; mon-fri 05:00-09:00", timezone="Europe/Berlin", holidays="DE-BY"
    ),
    BusinessCalendar.from_text(
        "mon-fri 08:00-12:00,13:00-17:30; sun 02:30-03:30", timezone="America/New_York"
    ),
    BusinessCalendar.from_text("mon-sun 00:00-24:00", timezone="Europe/Berlin", holidays="DE"),
]
ALWAYS = BusinessCalendar(timezone="Europe/Berlin")

calendars = st.sampled_from(CALENDARS)
# whole seconds from 2025 to 2027: DST changes, New Year holidays and moved days included
instants = st.integers(
    int(datetime(2025, 1, 1, tzinfo=UTC).timestamp()),
    int(datetime(2027, 12, 31, tzinfo=UTC).timestamp()),
).map(lambda seconds: datetime.fromtimestamp(seconds, UTC))
durations = st.integers(1, 45 * 24 * 3600)
FAST = settings(max_examples=60, deadline=None)


@FAST
@given(calendars, instants, durations, durations)
def test_more_seconds_never_end_earlier(
    calendar: BusinessCalendar, start: datetime, a: int, b: int
) -> None:
    low, high = sorted((a, b))
    assert calendar.add_business_seconds(start, low) <= calendar.add_business_seconds(start, high)


@FAST
@given(calendars, instants, durations, durations)
def test_adding_is_additive(calendar: BusinessCalendar, start: datetime, a: int, b: int) -> None:
    stepwise = calendar.add_business_seconds(calendar.add_business_seconds(start, a), b)
    assert stepwise == calendar.add_business_seconds(start, a + b)


@FAST
@given(calendars, instants, durations)
def test_counting_undoes_adding(calendar: BusinessCalendar, start: datetime, seconds: int) -> None:
    end = calendar.add_business_seconds(start, seconds)
    assert calendar.business_seconds_between(start, end) == seconds
    # the result lies inside an open window or at its very end
    assert calendar.is_open(end - timedelta(microseconds=1))


@FAST
@given(calendars, st.lists(instants, min_size=3, max_size=3))
def test_counting_is_additive_over_a_split_point(
    calendar: BusinessCalendar, points: list[datetime]
) -> None:
    a, b, c = sorted(points)
    whole = calendar.business_seconds_between(a, c)
    assert whole == calendar.business_seconds_between(a, b) + calendar.business_seconds_between(
        b, c
    )
    assert calendar.business_seconds_between(c, a) == 0
    assert 0 <= whole <= (c - a).total_seconds()


@FAST
@given(calendars, instants)
def test_next_opening_is_open_and_nothing_is_open_before_it(
    calendar: BusinessCalendar, at: datetime
) -> None:
    opening = calendar.next_opening(at)
    assert opening >= at and calendar.is_open(opening)
    assert calendar.business_seconds_between(at, opening) == 0
    assert (opening == at) == calendar.is_open(at)


@FAST
@given(instants, st.integers(0, 400 * 24 * 3600))
def test_around_the_clock_is_plain_arithmetic(start: datetime, seconds: int) -> None:
    end = ALWAYS.add_business_seconds(start, seconds)
    assert end == start + timedelta(seconds=seconds)
    assert ALWAYS.business_seconds_between(start, end) == seconds
    assert ALWAYS.is_open(start) and ALWAYS.next_opening(start) == start
