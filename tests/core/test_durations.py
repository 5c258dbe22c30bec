"""Spans of time read the way people say them, in English and Russian."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.durations import human_span


@pytest.mark.parametrize(
    ("span", "en", "ru"),
    [
        (timedelta(0), "0 s", "0 с"),
        (timedelta(seconds=45), "45 s", "45 с"),
        (timedelta(minutes=12, seconds=59), "12 min 59 s", "12 мин 59 с"),
        (timedelta(hours=1, minutes=5), "1 h 5 min", "1 ч 5 мин"),
        (timedelta(hours=1, seconds=5), "1 h", "1 ч"),
        (timedelta(days=2, hours=3, minutes=7), "2 d 3 h", "2 д 3 ч"),
        (timedelta(minutes=-5), "5 min", "5 мин"),
    ],
)
def test_two_largest_adjacent_units(span: timedelta, en: str, ru: str) -> None:
    assert human_span(span, "en") == en
    assert human_span(span, "ru") == ru
