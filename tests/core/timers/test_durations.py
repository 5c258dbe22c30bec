"""Durations as botdesk.toml writes them: what is read, what is refused and why."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.durations import MAX_DURATION, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("4h", timedelta(hours=4)),
        ("2d", timedelta(days=2)),
        ("1h30m", timedelta(minutes=90)),
        ("1d 4h", timedelta(hours=28)),
        (" 90m ", timedelta(minutes=90)),
        ("4H", timedelta(hours=4)),
        ("0h30m", timedelta(minutes=30)),
        ("365d", MAX_DURATION),
    ],
)
def test_durations_are_read(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("90", "'90', a number without a unit; add one, e.g. 90s or 90m"),
        ("-5", "a number without a unit"),
        ("-5m", "which is not a duration"),
        ("1.5h", "which is not a duration"),
        ("30m1h", "largest first"),
        ("1h1h", "which is not a duration"),
        ("4 hours", "which is not a duration"),
        ("", "which is not a duration"),
        ("0s", "no time at all"),
        ("0h0m", "no time at all"),
        ("366d", "longer than 365d"),
        ("999999999d", "longer than 365d"),
        ("1" * 40 + "s", "which is not a duration"),
        ("\u0663h", "which is not a duration"),  # an Arabic-Indic three is not a 3
    ],
)
def test_malformed_durations_are_refused_with_the_reason(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        parse_duration(text)


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=59, microseconds=999_999), "59s"),
        (timedelta(minutes=90), "1h30m"),
        (timedelta(days=1, seconds=1), "1d1s"),
        (timedelta(hours=40), "1d16h"),
    ],
)
def test_durations_are_written_largest_unit_first(duration: timedelta, text: str) -> None:
    assert format_duration(duration) == text


def test_a_negative_duration_cannot_be_written() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        format_duration(timedelta(seconds=-1))


@given(st.integers(min_value=1, max_value=int(MAX_DURATION.total_seconds())))
def test_what_is_written_reads_back_the_same(seconds: int) -> None:
    duration = timedelta(seconds=seconds)
    assert parse_duration(format_duration(duration)) == duration


@given(st.text(max_size=12))
def test_any_text_is_a_positive_bounded_duration_or_a_value_error(text: str) -> None:
    try:
        duration = parse_duration(text)
    except ValueError as exc:
        assert repr(text) in str(exc) or text.strip() == ""
    else:
        assert timedelta(0) < duration <= MAX_DURATION
