"""Benchmark 4: peak RSS of the app with many conversations in its SQLite database.

The database is filled through ``core.messaging.usecase.ingest`` (one first message per customer,
so every row is one the app itself would write), their outbox items are then marked done
and the topics left unopened. Then a desk runs against the sandbox for a short load: part
of it from stored customers (their topics get opened now), part from new ones. The desk's
peak RSS is read with ``getrusage`` in its own process. A desk on an empty database with
the same load runs first, for comparison.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter

from bench.common import Report, customer_inbound
from bench.stage import Stage
from core.context import DeskContext
from core.db import close_db, init_db
from core.enums import OutboxStatus
from core.models import Conversation, Message, OutboxItem
from core.relay.ingest import ingest
from sandbox.telegram import Limits, TelegramSandbox, User

RSS_TARGET_MB = 200.0
STORED_MESSAGE_IDS = 5_000_000  # far above what the sandbox gives, so no dedupe clash


async def _fill(database_url: str, group_id: int, people: list[User]) -> float:
    started = perf_counter()
    await init_db(database_url)
    try:
        ctx = DeskContext(group_chat_id=group_id)
        now = datetime.now(UTC)
        for n, person in enumerate(people):
            text = f"stored conversation {n}"
            await ingest(customer_inbound(person.id, STORED_MESSAGE_IDS + n, text, now), ctx)
        await OutboxItem.all().update(status=OutboxStatus.DONE)
        if await Conversation.all().count() != len(people):
            raise RuntimeError("the database was not filled")
    finally:
        await close_db()
    return perf_counter() - started


async def _run_load(stage: Stage, stored: list[User], new: int, messages: int, rate: float) -> int:
    """Run a desk for the load; return its peak RSS in KiB."""
    async with stage.desk(stage.settings()) as desk:
        active = stored + stage.customers(new)
        seqs = await stage.offer(active, rate, messages)
        if not await stage.shown(seqs, 120):
            raise RuntimeError("the load was not mirrored within 120 s")
    if desk.peak_rss_kib is None:
        raise RuntimeError(f"the desk did not report its memory:\n{desk.log_tail()}")
    return desk.peak_rss_kib


async def bench_memory(
    report: Report, conversations: int, active: int, messages: int, rate: float
) -> None:
    with tempfile.TemporaryDirectory(prefix="botdesk-bench-") as tmp:
        async with TelegramSandbox(limits=Limits.off()) as sb:
            empty = Stage(sb, Path(tmp) / "empty")
            empty.workdir.mkdir()
            baseline = await _run_load(empty, [], active + active // 3, messages, rate)

            stage = Stage(sb, Path(tmp) / "full")
            stage.workdir.mkdir()
            people = stage.customers(conversations)
            fill_seconds = await _fill(stage.database_url, stage.group.id, people)
            peak = await _run_load(stage, people[:active], active // 3, messages, rate)
            await init_db(stage.database_url, run_migrations=False)
            try:
                rows = await Message.all().count()
            finally:
                await close_db()
    peak_mb, baseline_mb = peak / 1024, baseline / 1024
    report.add(
        f"peak RSS, {conversations:,} conversations",
        peak_mb,
        "MB",
        target=f"<= {RSS_TARGET_MB:.0f}",
        passed=peak_mb <= RSS_TARGET_MB,
    )
    report.add("peak RSS, empty database", baseline_mb, "MB")
    report.add("ratio full / empty", peak_mb / baseline_mb, "ratio")
    report.details.update(
        conversations=conversations,
        active_stored_customers=active,
        new_customers=active // 3,
        load_messages=messages,
        messages_in_db=rows,
        fill_seconds=fill_seconds,
    )
