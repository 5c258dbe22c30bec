"""Restamps: a send answered later than its window's slack counts from where it landed.

The server counts a send when its request arrives, some time after the desk's stamp and
no later than the answer. These tests play the server: the arrival times of the sends
must keep the messenger's own rate, however late each one arrives after its stamp.
"""

from __future__ import annotations

import heapq

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.enums import DestinationKind
from core.outbox.budgets import BudgetLedger, Budgets, Rate, SlidingWindow
from tests.core.outbox.test_budgets import assert_within

GROUP = DestinationKind.TELEGRAM_GROUP
KEY = "tg:-100"


def group_ledger(rate: Rate, margin: float = 0.25) -> BudgetLedger:
    """A ledger whose group window is ``rate`` (the channel's never binds)."""
    return BudgetLedger(
        Budgets(telegram_group=rate, telegram_channel=Rate(10_000, 1.0), margin=margin)
    )


def test_the_slack_is_what_the_margin_adds_to_the_window() -> None:
    budgets = Budgets(margin=0.05)
    assert budgets.slack(budgets.kept(Rate(20, 60.0))) == pytest.approx(3.0)
    assert Budgets(margin=0.0).slack(Rate(20, 60.0)) == 0.0


def test_a_restamped_send_leaves_the_window_later() -> None:
    window = SlidingWindow(Rate(1, 10.0))
    stamp = window.spend(1, 0.0)
    window.restamp(1, stamp, 3.0)
    assert window.ready_at(1, 5.0) == 13.0
    window.restamp(1, 3.0, 2.0)  # never earlier
    assert window.ready_at(1, 5.0) == 13.0


def test_a_restamp_keeps_the_log_in_order() -> None:
    window = SlidingWindow(Rate(3, 10.0))
    first = window.spend(1, 0.0)
    window.spend(1, 0.0, at=4.0)  # booked ahead (an intake call)
    window.restamp(1, first, 2.0)
    window.spend(1, 4.0)  # recorded at 4, after the booked call
    assert window.ready_at(1, 5.0) == 12.0  # the restamped send leaves first, at 2 + 10
    assert window.ready_at(2, 5.0) == 14.0


def test_a_send_that_left_the_window_in_flight_counts_again() -> None:
    window = SlidingWindow(Rate(1, 1.0))
    stamp = window.spend(1, 0.0)
    assert window.is_idle(2.0)  # two windows in flight: forgotten
    window.restamp(1, stamp, 2.5)
    assert window.ready_at(1, 3.0) == 3.5


def test_a_send_answered_within_the_slack_changes_nothing() -> None:
    ledger = group_ledger(Rate(1, 8.0))  # kept over 10 s, 2 s of slack
    stamps = ledger.spend(GROUP, KEY, 1, 0.0)
    ledger.restamp(GROUP, KEY, 1, stamps, 2.0)
    assert ledger.check(GROUP, KEY, 1, 5.0).ready_at == 10.0  # as without the restamp


def test_a_late_send_is_counted_from_its_answer_less_the_slack() -> None:
    # A landed 5 s after its stamp; B right after. Counted from its stamp, A would let C
    # go at 10, and the server would see A, B and C within 8 s.
    ledger = group_ledger(Rate(2, 8.0))
    a = ledger.spend(GROUP, KEY, 1, 0.0)
    ledger.restamp(GROUP, KEY, 1, a, 5.0)
    b = ledger.spend(GROUP, KEY, 1, 5.0)
    ledger.restamp(GROUP, KEY, 1, b, 5.0)
    third = ledger.check(GROUP, KEY, 1, 6.0)
    assert third.ready_at == 13.0  # 5 - 2 of slack + 10
    assert_within([(5.0, 1), (5.0, 1), (third.ready_at, 1)], Rate(2, 8.0))


def test_restamping_a_send_of_a_window_that_was_dropped_still_counts_it() -> None:
    ledger = group_ledger(Rate(1, 4.0))
    ledger._SWEEP_EVERY = 1  # drop idle windows at every spend
    stamps = ledger.spend(GROUP, KEY, 1, 0.0)
    ledger.spend(GROUP, "tg:-200", 1, 9.0)  # sweeps the first chat's window away
    ledger.restamp(GROUP, KEY, 1, stamps, 9.5)
    assert ledger.check(GROUP, KEY, 1, 10.0).blocking == ("chat:telegram_group:tg:-100",)


# Times are quarters of a second and the margin a quarter, so every stamp, window and
# slack is exact in binary and the property is about the algorithm, not rounding.
quarters = st.integers(0, 40).map(lambda n: n / 4)
sends = st.lists(
    st.tuples(quarters, st.integers(1, 4), quarters, quarters),  # gap, cost, late, reply
    min_size=1,
    max_size=50,
)


@settings(max_examples=300, deadline=None)
@given(sends, st.integers(1, 6), st.integers(1, 12))
def test_one_send_at_a_time_keeps_the_rate_however_late_each_lands(
    tries: list[tuple[float, int, float, float]], count: int, per: int
) -> None:
    # the operator group: the next send starts once the last one is answered
    rate = Rate(count, float(per))
    ledger = group_ledger(rate)
    arrivals: list[tuple[float, int]] = []
    now = 0.0
    for gap, cost, late, reply in tries:
        stamp = ledger.check(GROUP, KEY, cost, now + gap).ready_at
        stamps = ledger.spend(GROUP, KEY, cost, stamp)
        arrivals.append((stamp + late, min(cost, count)))
        now = stamp + late + reply  # answered
        ledger.restamp(GROUP, KEY, cost, stamps, now)
    assert_within(arrivals, rate)


@settings(max_examples=300, deadline=None)
@given(sends, st.integers(1, 6), st.integers(1, 12))
def test_sends_in_flight_together_keep_the_rate_however_late_each_lands(
    tries: list[tuple[float, int, float, float]], count: int, per: int
) -> None:
    # many chats at once: a send goes when the budget allows, others may be in flight;
    # a send is in flight for less than the window (the one thing the ledger assumes)
    rate = Rate(count, float(per))
    ledger = group_ledger(rate)
    arrivals: list[tuple[float, int]] = []
    answers: list[tuple[float, int, tuple[float, ...], int]] = []  # (time, n, stamps, cost)
    now = 0.0
    for n, (gap, cost, late, reply) in enumerate(tries):
        now += gap
        while True:
            while answers and answers[0][0] <= now:
                at, _, stamps, spent = heapq.heappop(answers)
                ledger.restamp(GROUP, KEY, spent, stamps, at)
            ready = ledger.check(GROUP, KEY, cost, now).ready_at
            if ready <= now:
                break
            now = min(ready, answers[0][0]) if answers else ready
        stamps = ledger.spend(GROUP, KEY, cost, now)
        in_flight = min(late + reply, per - 0.25)
        arrivals.append((now + min(late, in_flight), min(cost, count)))
        heapq.heappush(answers, (now + in_flight, n, stamps, cost))
    assert_within(arrivals, rate)
