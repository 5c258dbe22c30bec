"""How the outbox worker is tuned, what it counts, and how an error is stored."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta

from core.metrics import SENDS

__all__ = ["OutboxCounters", "OutboxSettings", "describe"]


@dataclass(frozen=True, slots=True)
class OutboxSettings:
    """How the worker behaves; the budgets are configured separately (``Budgets``).

    * ``concurrency`` — sends in flight at once (over all destinations);
    * ``max_attempts`` — transient failures before an item takes the failure path;
    * ``backoff_base``/``backoff_max`` — seconds of the first and the longest backoff
      (doubling per attempt, with jitter);
    * ``poll_interval`` — the longest the worker sleeps with nothing due: a safety net
      for items written by another process, which cannot call ``wake()``;
    * ``record_attempts`` — tries at committing the done mark (with the operation's
      completion) before giving the items up;
    * ``recover_on_start`` — return items left in flight to their queues in ``start()``:
      every one (``recover()``) with one process per database, or, when ``instance`` is
      set, those of processes that are no longer alive (``recover_dead()``);
    * ``instance`` — this process's name, written on each claim (several processes);
    * ``hold_recheck``/``hold_recheck_max`` — seconds after which a held queue without a
      recheck of its own is probed again: half the time it has been held, within these.
    """

    concurrency: int = 16
    max_attempts: int = 20
    backoff_base: float = 0.5
    backoff_max: float = 300.0
    poll_interval: float = 5.0
    record_attempts: int = 3
    recover_on_start: bool = True
    instance: str | None = None
    hold_recheck: float = 30.0
    hold_recheck_max: float = 600.0

    def probe_after(self, held_for: timedelta) -> timedelta:
        """When a queue held for ``held_for`` is tried again: half that, within the bounds."""
        half = held_for.total_seconds() / 2
        return timedelta(seconds=min(self.hold_recheck_max, max(self.hold_recheck, half)))


@dataclass(slots=True)
class OutboxCounters:
    """What the worker has done since it was built (for benchmarks, tests and metrics)."""

    sent: int = 0  # items delivered (an unchanged edit counts)
    runs: int = 0  # calls of Operation.run
    batches: int = 0  # runs that carried more than one item
    merged: int = 0  # items that travelled behind the first item of a batch
    retried: int = 0  # items put back after a transient error
    rate_limited: int = 0  # RetryLater answers (the chat was paused)
    failed: int = 0  # items ended as failed
    held: int = 0  # items held until their destination is released

    def snapshot(self) -> dict[str, int]:
        """The counters as a plain dict."""
        return asdict(self)

    def __setattr__(self, name: str, value: int) -> None:
        # Each outcome counted here is counted in the process metrics too: one hook in this
        # place, rather than a second line beside every path that records an outcome.
        if name in _OUTCOMES:
            grown = value - getattr(self, name, value)
            if grown > 0:
                SENDS.labels(name).inc(grown)
        object.__setattr__(self, name, value)


#: the counters that are outcomes of a send (``botdesk_sends{outcome=…}``)
_OUTCOMES = frozenset({"sent", "rate_limited", "retried", "held", "failed"})


def describe(error: BaseException) -> str:
    """The text stored in ``last_error``."""
    return f"{type(error).__name__}: {error}"
