"""Benchmark 1: inbound messages per second through ``core.messaging.usecase.ingest``.

Each call is the whole use case the poller runs per customer message: dedupe, upsert the
customer, find or create the conversation and ticket, store the message, enqueue the
outbox items (open topic on a first message, mirror always), commit. No worker runs, so
the figure is the storage side alone.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter

from bench.common import Report, customer_inbound, percentile, postgres_database
from core.context import DeskContext
from core.db import close_db, init_db
from core.messaging.usecase import Outcome
from core.models import Message, OutboxItem
from core.relay.ingest import ingest, ingest_batch

GROUP = -1_001_000_000_001
FIRST_USER = 300_000_001
WARMUP = 50
TARGET_SQLITE = 1000.0
BATCH = 100  # updates per getUpdates call at most


async def _timed_ingest(
    database_url: str, messages: int, customers: int, concurrency: int, batch: int = 1
) -> tuple[float, list[float]]:
    """Ingest ``messages`` spread round-robin over ``customers``; (seconds, per-call times).

    ``batch`` > 1 stores them as the poller does with a ``getUpdates`` batch
    (``ingest_batch``, one transaction per batch); times are then per message.
    """
    await init_db(database_url)
    try:
        ctx = DeskContext(group_chat_id=GROUP)
        now = datetime.now(UTC)
        for i in range(WARMUP):  # caches and connections, not counted
            await ingest(customer_inbound(FIRST_USER - 1 - i, 1, "warm up", now), ctx)
        base = await Message.all().count()
        times: list[float] = []

        async def lane(lane_no: int) -> None:
            # one lane per subset of customers: a customer's messages stay in order
            for i in range(lane_no, messages, concurrency):
                user = FIRST_USER + i % customers
                inbound = customer_inbound(user, i // customers + 1, f"question {i}", now)
                started = perf_counter()
                outcome = await ingest(inbound, ctx)
                times.append(perf_counter() - started)
                if outcome is not Outcome.STORED:
                    raise RuntimeError(f"message {i} was {outcome}, not stored")

        async def batches() -> None:
            for first in range(0, messages, batch):
                inbounds = [
                    customer_inbound(
                        FIRST_USER + i % customers, i // customers + 1, f"question {i}", now
                    )
                    for i in range(first, min(first + batch, messages))
                ]
                started = perf_counter()
                outcomes = await ingest_batch(inbounds, ctx)
                per_message = (perf_counter() - started) / len(inbounds)
                times.extend([per_message] * len(inbounds))
                if set(outcomes) != {Outcome.STORED}:
                    raise RuntimeError(f"batch at {first} was {set(outcomes)}, not stored")

        started = perf_counter()
        if batch > 1:
            await batches()
        elif concurrency == 1:
            await lane(0)
        else:
            await asyncio.gather(*(lane(n) for n in range(concurrency)))
        elapsed = perf_counter() - started
        stored = await Message.all().count() - base
        queued = await OutboxItem.all().count() - 2 * WARMUP
        expected = messages + min(messages, customers)  # a mirror each, a topic per customer
        if stored != messages or queued != expected:
            raise RuntimeError(f"stored {stored}/{messages}, outbox {queued}/{expected}")
        return elapsed, times
    finally:
        await close_db()


def _rows(
    report: Report, label: str, elapsed: float, times: list[float], target: float | None
) -> float:
    rate = len(times) / elapsed
    if target is None:
        report.add(f"{label} throughput", rate, "msg/s")
    else:
        report.add(
            f"{label} throughput", rate, "msg/s", target=f">= {target:,.0f}", passed=rate >= target
        )
    report.add(f"{label} per-message p50", percentile(times, 50) * 1000, "ms")
    report.add(f"{label} per-message p99", percentile(times, 99) * 1000, "ms")
    return rate


async def bench_ingest_sqlite(report: Report, messages: int, customers: int) -> dict[int, float]:
    """SQLite file (WAL): one lane (as the poller feeds it) and eight concurrent lanes."""
    rates: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="botdesk-bench-") as tmp:
        for concurrency in (1, 8):
            url = f"sqlite://{Path(tmp) / f'ingest-{concurrency}.sqlite3'}"
            elapsed, times = await _timed_ingest(url, messages, customers, concurrency)
            rates[concurrency] = _rows(report, f"SQLite x{concurrency}", elapsed, times, None)
        # What the poller does: each getUpdates batch (up to 100) in one transaction.
        url = f"sqlite://{Path(tmp) / 'ingest-batched.sqlite3'}"
        elapsed, times = await _timed_ingest(url, messages, customers, 1, batch=BATCH)
        rates[BATCH] = _rows(report, f"SQLite batches of {BATCH}", elapsed, times, TARGET_SQLITE)
    report.details.update(messages=messages, customers=customers)
    return rates


async def bench_ingest_postgres(
    report: Report, messages: int, customers: int, sqlite_rate: float | None
) -> None:
    """PostgreSQL (asyncpg), same load; the ratio to SQLite when both ran."""
    rates: dict[int, float] = {}
    try:
        for concurrency in (1, 8):
            async with postgres_database() as url:
                elapsed, times = await _timed_ingest(url, messages, customers, concurrency)
            rates[concurrency] = _rows(report, f"PostgreSQL x{concurrency}", elapsed, times, None)
    except OSError as exc:
        report.add("PostgreSQL", None, note=f"skipped: {exc}")
        return
    if sqlite_rate:
        report.add("PostgreSQL x1 / SQLite x1", rates[1] / sqlite_rate, "ratio")
    report.details.update(messages=messages, customers=customers)
