"""Flood budgets of the messengers, kept in memory by the outbox worker.

Telegram and VK count sends over a sliding window ("at most 20 messages in any minute"),
so a token bucket that refills continuously would now and then allow a burst the server
rejects. Each budget here is therefore a *sliding window log*: the times of the sends of
the last ``per_seconds``. A send of cost ``n`` at time ``t`` fits when the window
``(t - per_seconds, t]`` holds at most ``count - n`` earlier sends; that alone proves
that no half-open interval of length ``per_seconds`` ever holds more than ``count``
sends (the last send of any such interval checked the whole interval).

A send spends two budgets: the one of its chat (``budget_key``, rate by destination
kind) and the one of the whole channel (all Telegram kinds together, or VK). A ledger
counts the sends of its own process only. Processes of one desk sharing a PostgreSQL
database (and a Redis) also ask the shared budgets (:mod:`core.outbox.shared_budgets`):
the same window logs, kept in Redis and spent atomically by every process, so the limits
hold for all of them together; the local ledger is still spent, so one process alone
behaves as before. A 429's pause reaches every process the same way. While Redis is out,
each process falls back to its own ledger, and the messengers' 429s pause what overflows.

The desk stamps a send in its log when it claims it; the server counts it when the
request arrives, a variable moment later (the claim's round trip, the event loop's
latency, a flood wait the HTTP session sleeps out before sending it again). When an early
send of a window arrives later than a late one, two sends one window apart on the desk's
clock land inside one window on the server's, and the answer is a 429 that pauses the
whole chat. Two things keep the desk's count at least the server's:

* the ledger's windows are a little longer than the messengers' (``Budgets.margin``, 5 %
  by default): a send that lands within that *slack* of its stamp needs nothing more;
* once a send is answered, it cannot have arrived later than that: :meth:`BudgetLedger.restamp`
  moves it to its answer's time less the slack where that is later than its stamp, so a
  send delayed by more than the slack counts from (at the latest) when it really landed.
"""

from __future__ import annotations

from bisect import insort
from collections import deque
from dataclasses import dataclass

from core.enums import DestinationKind

__all__ = ["BudgetLedger", "Budgets", "Rate", "SlidingWindow", "Verdict"]


@dataclass(frozen=True, slots=True)
class Rate:
    """At most ``count`` sends in any ``per_seconds`` long interval."""

    count: int
    per_seconds: float

    def __post_init__(self) -> None:
        if self.count < 1 or self.per_seconds <= 0:
            raise ValueError(f"a rate needs count >= 1 and per_seconds > 0, not {self}")


@dataclass(frozen=True, slots=True)
class Budgets:
    """The rates the outbox keeps to; the defaults are the messengers' published limits.

    ``telegram_private``, ``telegram_group`` and ``vk`` are per chat (one ``budget_key``);
    ``telegram_channel`` is shared by every Telegram destination of the bot and
    ``vk_channel`` by every VK destination of the community.
    """

    telegram_private: Rate = Rate(1, 1.0)
    telegram_group: Rate = Rate(20, 60.0)
    vk: Rate = Rate(20, 1.0)
    telegram_channel: Rate = Rate(30, 1.0)
    vk_channel: Rate = Rate(20, 1.0)
    #: how much longer than the messenger's window the ledger's windows are (0.05: 5 %):
    #: a send may land that much later than its stamp before it is restamped
    margin: float = 0.05

    def __post_init__(self) -> None:
        if not 0 <= self.margin < 1:
            raise ValueError(f"the budget margin must be in [0, 1), not {self.margin}")

    def kept(self, rate: Rate) -> Rate:
        """``rate`` as the ledger keeps it: the same count over a window ``margin`` longer."""
        return Rate(rate.count, rate.per_seconds * (1 + self.margin))

    def slack(self, kept: Rate) -> float:
        """The seconds a window kept as ``kept`` is longer than the messenger's: how late
        after its stamp a send may land without a :meth:`BudgetLedger.restamp`."""
        return kept.per_seconds * self.margin / (1 + self.margin)

    def chat_rate(self, kind: DestinationKind) -> Rate:
        """The per-chat rate of a destination kind."""
        if kind is DestinationKind.TELEGRAM_PRIVATE:
            return self.telegram_private
        if kind is DestinationKind.TELEGRAM_GROUP:
            return self.telegram_group
        return self.vk

    def channel(self, kind: DestinationKind) -> tuple[str, Rate]:
        """The name and rate of the channel-wide budget a destination kind spends."""
        if kind is DestinationKind.VK:
            return "vk", self.vk_channel
        return "telegram", self.telegram_channel


class SlidingWindow:
    """The send log of one budget: when may the next send of a given cost go out?

    Times are plain seconds (any monotonic-enough scale); they must not go backwards by
    more than rounding, and a time earlier than the last send is treated as that send's.
    """

    __slots__ = ("_sends", "rate")

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self._sends: deque[float] = deque()

    def _forget(self, now: float) -> None:
        horizon = now - self.rate.per_seconds
        while self._sends and self._sends[0] <= horizon:
            self._sends.popleft()

    def ready_at(self, cost: int, now: float) -> float:
        """The earliest time at or after ``now`` at which a send of ``cost`` fits.

        A cost above the whole budget is treated as the whole budget: such a send waits
        for an empty window rather than forever.
        """
        self._forget(now)
        cost = min(max(cost, 1), self.rate.count)
        excess = len(self._sends) + cost - self.rate.count
        if excess <= 0:
            return now
        # the send fits once the `excess` oldest sends have left the window
        return max(now, self._sends[excess - 1] + self.rate.per_seconds)

    def spend(self, cost: int, now: float, *, at: float | None = None) -> float:
        """Record a send of ``cost`` made at ``now``, or booked for ``at`` (a later time
        that :meth:`ready_at` gave); return the time recorded (for :meth:`restamp`)."""
        self._forget(now)  # never relative to a booked time: that would forget too much
        stamp = now if at is None else at
        if self._sends and stamp < self._sends[-1]:
            stamp = self._sends[-1]  # keep the log in order
        self._sends.extend([stamp] * self._capped(cost))
        return stamp

    def restamp(self, cost: int, stamp: float, at: float) -> None:
        """Move a send of ``cost`` recorded at ``stamp`` to ``at``, if that is later.

        A send that already left the window (it took longer than the window) is
        recorded again at ``at``: it counts from when it landed.
        """
        if at <= stamp:
            return
        cost = self._capped(cost)
        for _ in range(cost):
            try:
                self._sends.remove(stamp)  # one send's entries are alike: any will do
            except ValueError:
                break  # it left the window already
        for _ in range(cost):
            insort(self._sends, at)  # other sends may be stamped after ``at``

    def _capped(self, cost: int) -> int:
        return min(max(cost, 1), self.rate.count)

    def is_idle(self, now: float) -> bool:
        """True when the window holds no send any more (it may be dropped)."""
        self._forget(now)
        return not self._sends


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a send may go: ``ready_at`` (seconds) and the budgets holding it back."""

    ready_at: float
    blocking: tuple[str, ...]


class BudgetLedger:
    """Every budget of one worker: per chat, per channel, and the pauses of chats.

    A pause (Telegram's ``retry_after``) stops one ``budget_key`` until a given time,
    whatever its window says.
    """

    # drop idle chat windows now and then, so a long-running process with many
    # customers does not keep one window per chat it ever wrote to
    _SWEEP_EVERY = 1024

    def __init__(self, budgets: Budgets) -> None:
        self.budgets = budgets
        self._windows: dict[str, SlidingWindow] = {}
        self._paused: dict[str, float] = {}
        self._spends = 0
        # per destination kind: the chat's and the channel's rate with the margin applied
        self._kept: dict[DestinationKind, tuple[Rate, Rate]] = {}

    def window_names(self, kind: DestinationKind, budget_key: str) -> tuple[str, str]:
        """The names of the budgets a send spends: its chat's and its channel's.

        They are the names :meth:`check` reports in ``Verdict.blocking``.
        """
        channel, _ = self.budgets.channel(kind)
        return f"chat:{kind.value}:{budget_key}", f"channel:{channel}"

    def windows(self, kind: DestinationKind, budget_key: str) -> list[tuple[str, Rate]]:
        """The budgets a send spends, by name, with their rates as kept (margin applied)."""
        chat, channel = self.window_names(kind, budget_key)
        rates = self._kept.get(kind)
        if rates is None:
            budgets = self.budgets
            rates = self._kept[kind] = (
                budgets.kept(budgets.chat_rate(kind)),
                budgets.kept(budgets.channel(kind)[1]),
            )
        return [(chat, rates[0]), (channel, rates[1])]

    def _window(self, name: str, rate: Rate) -> SlidingWindow:
        window = self._windows.get(name)
        if window is None:
            window = self._windows[name] = SlidingWindow(rate)
        return window

    def check(self, kind: DestinationKind, budget_key: str, cost: int, now: float) -> Verdict:
        """When a send of ``cost`` to ``budget_key`` fits every budget it spends."""
        ready, blocking = now, []
        paused_until = self._paused.get(budget_key)
        if paused_until is not None:
            if paused_until > now:
                ready = paused_until
                blocking.append(f"pause:{budget_key}")
            else:
                del self._paused[budget_key]
        for name, rate in self.windows(kind, budget_key):
            at = self._window(name, rate).ready_at(cost, now)
            if at > now:
                blocking.append(name)
                ready = max(ready, at)
        return Verdict(ready, tuple(blocking))

    def spend(
        self, kind: DestinationKind, budget_key: str, cost: int, now: float
    ) -> tuple[float, ...]:
        """Record a send of ``cost`` to ``budget_key`` made at ``now``; return the time
        recorded in each of its windows (for :meth:`restamp`)."""
        stamps = tuple(
            self._window(name, rate).spend(cost, now)
            for name, rate in self.windows(kind, budget_key)
        )
        self._spends += 1
        if self._spends % self._SWEEP_EVERY == 0:
            for name in [name for name, w in self._windows.items() if w.is_idle(now)]:
                del self._windows[name]
        return stamps

    def restamp(
        self,
        kind: DestinationKind,
        budget_key: str,
        cost: int,
        stamps: tuple[float, ...],
        landed: float,
    ) -> None:
        """A send :meth:`spend` recorded at ``stamps`` was answered at ``landed``: count
        it from ``landed`` less each window's slack, where that is later than its stamp."""
        windows = self.windows(kind, budget_key)
        for (name, rate), stamp in zip(windows, stamps, strict=True):
            self._window(name, rate).restamp(cost, stamp, landed - self.budgets.slack(rate))

    def reserve(self, kind: DestinationKind, now: float, cost: int = 1) -> float:
        """Take ``cost`` of the channel-wide budget of ``kind`` for a call made outside the
        outbox (an intake lookup, a button answer); return the seconds to wait before it.

        The share is booked at the moment it fits, so outbox sends checked afterwards
        see it, and concurrent callers queue up one behind the other.
        """
        _chat, (name, rate) = self.windows(kind, "")
        window = self._window(name, rate)
        at = window.ready_at(cost, now)
        window.spend(cost, now, at=at)
        return at - now

    def pause(self, budget_key: str, until: float) -> None:
        """Send nothing to ``budget_key`` before ``until`` (a later pause wins)."""
        self._paused[budget_key] = max(until, self._paused.get(budget_key, until))
