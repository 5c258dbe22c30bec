"""The weekly hours syntax: what an admin writes in ``[calendar] hours``."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.hours import DAY_NAMES, is_always_open, parse_hours


def test_several_windows_a_day_and_a_saturday() -> None:
    hours = parse_hours("mon-fri 09:00-13:00,14:00-18:00; sat 10:00-14:00")
    assert hours[0] == hours[4] == ((540, 780), (840, 1080))
    assert hours[5] == ((600, 840),)
    assert hours[6] == ()


def test_a_window_crossing_midnight_runs_into_the_next_day() -> None:
    hours = parse_hours("sun-thu 22:00-06:00")
    # sun, mon, tue, wed, thu: the range wraps around the end of the week
    assert [bool(day) for day in hours] == [True, True, True, True, False, False, True]
    assert hours[6] == ((1320, 1800),)


def test_day_lists_midnight_end_and_merging() -> None:
    hours = parse_hours("mon,wed 08:00-12:00,11:00-24:00")
    assert hours[0] == hours[2] == ((480, 1440),)
    assert hours[1] == ()


def test_always_open() -> None:
    assert is_always_open(parse_hours("24/7"))
    assert is_always_open(parse_hours("mon-sun 00:00-24:00"))
    assert not is_always_open(parse_hours("mon-sat 00:00-24:00"))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "is empty"),
        ("mon-fri", "names days but no time windows"),
        ("mnd 09:00-18:00", "has the day 'mnd'"),
        ("mon-fri 9-18", "has the time '9'"),
        ("mon-fri 09:00-25:00", "has the time '25:00'"),
        ("mon-fri 09:00", "write it as HH:MM-HH:MM"),
        ("mon 10:00-10:00", "which is empty"),
        ("mon 24:00-06:00", "24:00 may only end a window"),
        ("mon 09:60-10:00", "has the time '09:60'"),
    ],
)
def test_malformed_hours_say_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_hours(text)


windows = st.tuples(st.integers(0, 23), st.integers(0, 59), st.integers(0, 24), st.integers(0, 59))


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.sets(st.sampled_from(DAY_NAMES), min_size=1), st.lists(windows, min_size=1)),
        min_size=1,
        max_size=4,
    )
)
def test_any_written_week_parses_to_sorted_separate_windows(
    groups: list[tuple[set[str], list[tuple[int, int, int, int]]]],
) -> None:
    parts = []
    for days, spans in groups:
        written = [
            f"{h1:02}:{m1:02}-{min(h2, 24):02}:{0 if h2 >= 24 else m2:02}"
            for h1, m1, h2, m2 in spans
        ]
        parts.append(f"{','.join(sorted(days))} {','.join(written)}")
    try:
        hours = parse_hours("; ".join(parts))
    except ValueError as error:
        assert "which is empty" in str(error)  # the only mistake the generator can make
        return
    for day in hours:
        assert all(0 <= start < end <= 2 * 24 * 60 for start, end in day)
        assert all(day[i][1] < day[i + 1][0] for i in range(len(day) - 1))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_parses_or_is_refused_with_a_reason(text: str) -> None:
    try:
        parse_hours(text)
    except ValueError as error:
        assert str(error)
