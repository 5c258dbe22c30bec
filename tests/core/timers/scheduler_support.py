"""What the scheduler tests share: a recording handler, storing deadlines, waiting."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.clock import Clock, SystemClock
from core.enums import EventKind
from core.models import Deadline, Event
from core.timers.deadlines import schedule
from core.timers.scheduler import Handler, Retry, Scheduler
from tests.core.outbox.test_outbox_support import until

__all__ = ["Recorder", "effects", "fired_keys", "put", "running", "soon", "until"]

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def soon(seconds: float, clock: Clock | None = None) -> datetime:
    """``seconds`` from now (negative: in the past) by ``clock`` or the wall clock."""
    return (clock or SystemClock()).now() + timedelta(seconds=seconds)


async def put(key: str, due_at: datetime, kind: str = "note", **payload: Any) -> None:
    """Store deadline ``key`` in its own committed transaction."""
    async with in_transaction() as connection:
        await schedule(connection, key, kind, due_at, payload or None)


class Recorder:
    """A handler that writes one event row per deadline through the claim's connection.

    ``calls`` counts every call (a rolled-back one too); the committed rows, read with
    :func:`effects`, say what really fired. ``fail`` makes chosen keys raise (an
    exception, or a callable of the call number returning one or None); ``delay``
    awaits inside the transaction, like a handler doing real work.
    """

    def __init__(
        self,
        *,
        fail: Mapping[str, Callable[[int], BaseException | None]] | None = None,
        delay: float = 0.0,
        block: Callable[[Deadline], Awaitable[None]] | None = None,
    ) -> None:
        self.calls: Counter[str] = Counter()
        self.fail = dict(fail or {})
        self.delay = delay
        self.block = block

    async def __call__(self, connection: BaseDBAsyncClient, row: Deadline, now: datetime) -> None:
        self.calls[row.key] += 1
        await Event.create(
            using_db=connection, kind=EventKind.SLA_WARNED, data={"key": row.key}, created_at=now
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.block is not None:
            await self.block(row)
        failing = self.fail.get(row.key)
        if failing is not None:
            error = failing(self.calls[row.key])
            if error is not None:
                raise error


async def effects() -> Counter[str]:
    """How many committed event rows each deadline key has."""
    rows = await Event.all().values_list("data", flat=True)
    return Counter(str(data["key"]) for data in rows)  # type: ignore[index]


async def fired_keys() -> set[str]:
    """The keys whose deadline is marked fired."""
    return set(await Deadline.filter(fired_at__isnull=False).values_list("key", flat=True))


@asynccontextmanager
async def running(
    handlers: Mapping[str, Handler],
    *,
    clock: Clock | None = None,
    max_sleep: float = 30.0,
    batch: int = 50,
    retry: Retry | None = None,
    on_fired: Callable[[], None] | None = None,
) -> AsyncIterator[Scheduler]:
    """A started scheduler, stopped on the way out."""
    extra = {"on_fired": on_fired} if on_fired is not None else {}
    scheduler = Scheduler(
        handlers,
        clock=clock or SystemClock(),
        max_sleep=max_sleep,
        batch=batch,
        retry=retry,
        **extra,
    )
    await scheduler.start()
    try:
        yield scheduler
    finally:
        await scheduler.stop()
