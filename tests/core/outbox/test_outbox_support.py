"""Helpers shared by the outbox tests: a recording operation, a running worker, waiting.

The operations are in-memory recorders (they stand in for the messenger adapters and
may raise the domain errors); the database is always the real one from the ``db``
fixture.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from core.clock import SystemClock
from core.enums import DestinationKind, OutboxStatus
from core.errors import DeliveryError
from core.models import OutboxItem
from core.outbox import Completion, FailureDecision, Job, Operation, OutboxSettings, OutboxWorker
from core.outbox import enqueue as outbox_enqueue
from core.outbox.budgets import Budgets, Rate

CLOCK = SystemClock()
ROOMY = Budgets(
    telegram_private=Rate(1000, 1.0),
    telegram_group=Rate(1000, 1.0),
    vk=Rate(1000, 1.0),
    telegram_channel=Rate(1000, 1.0),
    vk_channel=Rate(1000, 1.0),
)
FAST = OutboxSettings(
    backoff_base=0.02, backoff_max=0.1, poll_interval=30.0, record_attempts=2, concurrency=16
)


@dataclass
class Run:
    """One call of :meth:`Recorder.run`."""

    destination: str
    names: tuple[str, ...]
    started: float
    finished: float = 0.0


@dataclass
class Recorder(Operation):
    """Records its runs; pops scripted errors (by the first job's name) before succeeding.

    ``delay`` is how long a send takes; ``completion`` builds what ``run`` returns.
    """

    delay: float | Callable[[Sequence[Job]], float] = 0.0
    errors: dict[str, list[BaseException]] = field(default_factory=dict)
    completion: Callable[[Sequence[Job]], Completion | None] | None = None
    decision: FailureDecision = field(default_factory=FailureDecision.fail)
    runs: list[Run] = field(default_factory=list)
    failures: list[tuple[tuple[str, ...], DeliveryError]] = field(default_factory=list)
    active: set[str] = field(default_factory=set)
    overlaps: int = 0  # runs that started while another run of the same destination was on
    peak: int = 0  # most runs at once

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        destination = jobs[0].destination
        assert all(job.destination == destination for job in jobs)
        if destination in self.active:
            self.overlaps += 1
        self.active.add(destination)
        self.peak = max(self.peak, len(self.active))
        record = Run(destination, tuple(job.payload["n"] for job in jobs), time.monotonic())
        self.runs.append(record)
        try:
            delay = self.delay(jobs) if callable(self.delay) else self.delay
            if delay:
                await asyncio.sleep(delay)
            scripted = self.errors.get(record.names[0])
            if scripted:
                raise scripted.pop(0)
            return self.completion(jobs) if self.completion else None
        finally:
            record.finished = time.monotonic()
            self.active.discard(destination)

    async def on_failure(self, jobs: Sequence[Job], error: DeliveryError) -> FailureDecision:
        self.failures.append((tuple(job.payload["n"] for job in jobs), error))
        return self.decision

    def sent(self) -> list[str]:
        """Names in the order their runs started (every run, failed or not)."""
        return [name for run in self.runs for name in run.names]


@dataclass
class Batcher(Recorder):
    """A recorder that batches by ``payload["key"]`` and spends one message per batch."""

    max_batch: int = 10
    settle: timedelta = timedelta(0)
    merged_cost: bool = True

    def batch_key(self, job: Job) -> str | None:
        key = job.payload.get("key")
        return str(key) if key is not None else None

    def cost(self, jobs: Sequence[Job]) -> int:
        return 1 if self.merged_cost else len(jobs)


async def put(
    destination: str,
    name: str,
    *,
    kind: DestinationKind = DestinationKind.TELEGRAM_GROUP,
    budget_key: str | None = None,
    operation: str = "send",
    **extra: Any,
) -> OutboxItem:
    """Enqueue one item named ``name`` (outside any other transaction)."""
    payload = {"n": name}
    if "key" in extra:
        payload["key"] = extra.pop("key")
    return await outbox_enqueue(
        destination=destination,
        kind=kind,
        budget_key=budget_key if budget_key is not None else destination,
        operation=operation,
        payload=payload,
        now=CLOCK.now(),
        **extra,
    )


@asynccontextmanager
async def running(
    operations: Mapping[str, Operation],
    *,
    budgets: Budgets = ROOMY,
    settings: OutboxSettings = FAST,
) -> AsyncIterator[OutboxWorker]:
    """A started worker, stopped afterwards."""
    worker = OutboxWorker(operations, clock=CLOCK, budgets=budgets, settings=settings)
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop(grace=5.0)


async def until(
    condition: Callable[[], bool] | Callable[[], Awaitable[bool]], within: float = 5.0
) -> None:
    """Wait (polling the test's own condition) until it holds, or fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        outcome = condition()
        if not isinstance(outcome, bool):
            outcome = await outcome
        if outcome:
            return
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


async def statuses() -> dict[str, OutboxStatus]:
    """Every item's status by its name."""
    return {item.payload["n"]: item.status for item in await OutboxItem.all()}


def all_done(*names: str) -> Callable[[], Awaitable[bool]]:
    """A condition: the named items are all done."""

    async def check() -> bool:
        current = await statuses()
        return all(current.get(name) is OutboxStatus.DONE for name in names)

    return check
