"""Customers' quick-reply buttons on Telegram: core's choices, typed and bounded."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bots.telegram.choices import ChoiceAct, ChoiceCallback
from core.tickets.csat import ChoiceData


@given(st.integers(min_value=1, max_value=2**31 - 1), st.none() | st.integers(1, 5))
def test_a_choice_travels_and_comes_back_as_itself(ticket_id: int, score: int | None) -> None:
    choice = ChoiceData(ticket_id, score)
    packed = ChoiceCallback.of(choice.data).pack()
    assert len(packed.encode()) <= 64
    assert ChoiceCallback.unpack(packed).choice == choice


@pytest.mark.parametrize(
    "data",
    [
        "choice:rate:1:12345",
        "choice:rate:1:",
        "choice:rate:1:0",
        "choice:rate:99999999999999999999:5",
        "choice:skip:1:5",
        "choice:nuke:1:",
        "choice:rate:abc:1",
        "choice:",
    ],
)
def test_forged_choices_do_not_unpack(data: str) -> None:
    with pytest.raises((TypeError, ValueError)):
        ChoiceCallback.unpack(data)


def test_skip_has_no_score() -> None:
    assert ChoiceCallback.unpack("choice:skip:3:").act is ChoiceAct.SKIP
    with pytest.raises(ValueError, match="not a choice"):
        ChoiceCallback.of("rate:3:9")
