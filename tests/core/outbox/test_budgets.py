"""Flood budgets: sliding windows never let more than ``count`` sends into any window."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.enums import DestinationKind
from core.outbox.budgets import BudgetLedger, Budgets, Rate, SlidingWindow


def assert_within(sends: list[tuple[float, int]], rate: Rate) -> None:
    """Every half-open interval of length ``per_seconds`` holds at most ``count`` sends.

    Checking the interval that ends at each send is enough: any interval's sends all lie
    within ``per_seconds`` before its last send.
    """
    for at, _ in sends:
        spent = sum(cost for t, cost in sends if at - rate.per_seconds < t <= at)
        assert spent <= rate.count, (at, spent, sends)


def test_rate_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        Rate(0, 1.0)
    with pytest.raises(ValueError):
        Rate(1, 0)


def test_defaults_follow_the_messengers_rules() -> None:
    budgets = Budgets()
    assert budgets.chat_rate(DestinationKind.TELEGRAM_PRIVATE) == Rate(1, 1.0)
    assert budgets.chat_rate(DestinationKind.TELEGRAM_GROUP) == Rate(20, 60.0)
    assert budgets.chat_rate(DestinationKind.VK) == Rate(20, 1.0)
    assert budgets.channel(DestinationKind.TELEGRAM_PRIVATE) == ("telegram", Rate(30, 1.0))
    assert budgets.channel(DestinationKind.TELEGRAM_GROUP) == ("telegram", Rate(30, 1.0))
    assert budgets.channel(DestinationKind.VK) == ("vk", Rate(20, 1.0))


def test_window_waits_for_the_oldest_send_to_leave() -> None:
    window = SlidingWindow(Rate(3, 10.0))
    for at in (0.0, 2.0, 4.0):
        assert window.ready_at(1, at) == at
        window.spend(1, at)
    assert window.ready_at(1, 5.0) == 10.0  # the send at 0 leaves at 10
    assert window.ready_at(2, 5.0) == 12.0  # two must leave: 0 and 2
    assert window.ready_at(1, 10.0) == 10.0  # exactly one window later is allowed


def test_a_batch_bigger_than_the_budget_waits_for_an_empty_window() -> None:
    window = SlidingWindow(Rate(2, 1.0))
    window.spend(1, 0.0)
    assert window.ready_at(10, 0.5) == 1.0
    window.spend(10, 1.0)
    assert window.ready_at(1, 1.5) == 2.0


def test_ledger_pause_holds_the_chat_only() -> None:
    ledger = BudgetLedger(Budgets())
    ledger.pause("tg:1", 50.0)
    paused = ledger.check(DestinationKind.TELEGRAM_PRIVATE, "tg:1", 1, 10.0)
    assert paused.ready_at == 50.0
    assert paused.blocking == ("pause:tg:1",)
    other = ledger.check(DestinationKind.TELEGRAM_PRIVATE, "tg:2", 1, 10.0)
    assert other.blocking == ()
    assert ledger.check(DestinationKind.TELEGRAM_PRIVATE, "tg:1", 1, 50.0).blocking == ()


def test_ledger_shares_the_channel_budget_between_chats() -> None:
    ledger = BudgetLedger(Budgets(telegram_channel=Rate(2, 1.0)))
    for chat in ("tg:1", "tg:2"):
        ledger.spend(DestinationKind.TELEGRAM_PRIVATE, chat, 1, 0.0)
    verdict = ledger.check(DestinationKind.TELEGRAM_GROUP, "tg:3", 1, 0.5)
    assert verdict.ready_at == pytest.approx(1.05)  # the window plus the 5 % margin
    assert verdict.blocking == ("channel:telegram",)
    assert ledger.check(DestinationKind.VK, "vk:3", 1, 0.5).blocking == ()


def test_calls_outside_the_outbox_book_the_channel_budget_in_turn() -> None:
    ledger = BudgetLedger(Budgets(vk_channel=Rate(2, 1.0), margin=0.0))
    waits = [ledger.reserve(DestinationKind.VK, 0.0) for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.0, 1.0, 1.0, 2.0])
    # the outbox sees what the intake booked: its next VK send waits for the window
    verdict = ledger.check(DestinationKind.VK, "vk:7", 1, 0.5)
    assert verdict.ready_at == pytest.approx(2.0) and verdict.blocking == ("channel:vk",)
    assert ledger.reserve(DestinationKind.TELEGRAM_PRIVATE, 0.5) == 0.0  # another channel


GROUP = DestinationKind.TELEGRAM_GROUP


def test_ledger_windows_are_a_margin_longer_than_the_messengers() -> None:
    # the desk stamps a send when it claims it, the server when the request arrives
    budgets = Budgets(telegram_group=Rate(2, 60.0), telegram_channel=Rate(1000, 1.0))
    ledger = BudgetLedger(budgets)
    ledger.spend(GROUP, "tg:-100", 1, 0.0)
    ledger.spend(GROUP, "tg:-100", 1, 1.0)
    third = ledger.check(GROUP, "tg:-100", 1, 60.0)
    assert third.ready_at == pytest.approx(63.0)  # 60 s and 5 %
    assert third.blocking == ("chat:telegram_group:tg:-100",)
    # the first send reached the server 2.5 s after its claim and the third one at once:
    # on the server's clock they are still more than a minute apart
    assert third.ready_at - (0.0 + 2.5) > 60.0
    assert budgets.chat_rate(GROUP) == Rate(2, 60.0)  # the published rate is unchanged


def test_a_zero_margin_keeps_the_exact_window_and_nonsense_is_refused() -> None:
    ledger = BudgetLedger(Budgets(telegram_group=Rate(1, 60.0), margin=0.0))
    ledger.spend(GROUP, "tg:-100", 1, 0.0)
    assert ledger.check(GROUP, "tg:-100", 1, 1.0).ready_at == 60.0
    with pytest.raises(ValueError):
        Budgets(margin=-0.1)
    with pytest.raises(ValueError):
        Budgets(margin=1.0)


# Integer times and periods keep the arithmetic exact, so the property is about the
# algorithm and not about float rounding.
attempts = st.lists(
    st.tuples(st.integers(0, 30), st.integers(1, 6)),  # (gap since last attempt, cost)
    min_size=1,
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(attempts, st.integers(1, 8), st.integers(1, 40))
def test_window_never_exceeds_its_rate(tries: list[tuple[int, int]], count: int, per: int) -> None:
    rate = Rate(count, float(per))
    window = SlidingWindow(rate)
    sends: list[tuple[float, int]] = []
    now = 0.0
    for gap, cost in tries:
        now += gap
        at = window.ready_at(cost, now)
        assert at >= now
        assert window.ready_at(cost, at) == at  # it really fits then
        window.spend(cost, at)
        sends.append((at, min(cost, count)))
        now = at
    assert_within(sends, rate)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 20), st.integers(1, 3)),
        min_size=1,
        max_size=60,
    )
)
def test_ledger_keeps_every_chat_and_the_channel_within_rate(
    tries: list[tuple[int, int, int]],
) -> None:
    chat_rate, channel_rate = Rate(2, 10.0), Rate(5, 10.0)
    ledger = BudgetLedger(Budgets(telegram_private=chat_rate, telegram_channel=channel_rate))
    per_chat: dict[int, list[tuple[float, int]]] = {}
    everything: list[tuple[float, int]] = []
    now = 0.0
    for chat, gap, cost in tries:
        now += gap
        key = f"tg:{chat}"
        verdict = ledger.check(DestinationKind.TELEGRAM_PRIVATE, key, cost, now)
        assert (
            ledger.check(DestinationKind.TELEGRAM_PRIVATE, key, cost, verdict.ready_at).blocking
            == ()
        )
        ledger.spend(DestinationKind.TELEGRAM_PRIVATE, key, cost, verdict.ready_at)
        per_chat.setdefault(chat, []).append((verdict.ready_at, min(cost, chat_rate.count)))
        everything.append((verdict.ready_at, cost))
        now = verdict.ready_at
    for sends in per_chat.values():
        assert_within(sends, chat_rate)
    assert_within(everything, channel_rate)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 4)), min_size=1, max_size=80))
def test_booked_calls_and_outbox_sends_together_stay_within_the_channel_rate(
    tries: list[tuple[bool, int]],
) -> None:
    rate = Rate(3, 10.0)
    vk = DestinationKind.VK
    ledger = BudgetLedger(Budgets(vk=Rate(100, 1.0), vk_channel=rate, margin=0.0))
    calls: list[tuple[float, int]] = []
    now = 0.0
    for booked, gap in tries:
        now += gap
        if booked:  # an intake call: it sleeps until its turn, the rest goes on
            calls.append((now + ledger.reserve(vk, now), 1))
            continue
        verdict = ledger.check(vk, "vk:1", 1, now)  # the outbox waits for its turn
        ledger.spend(vk, "vk:1", 1, verdict.ready_at)
        calls.append((verdict.ready_at, 1))
        now = verdict.ready_at
    assert_within(calls, rate)
