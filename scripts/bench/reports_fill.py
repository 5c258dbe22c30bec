"""A desk's history for the reports benchmark, written in bulk.

``tickets`` tickets spread over the 90 days before ``end`` (more by day than by night,
more on weekdays), each in a conversation of one of ``tickets // 2`` customers (80 %
Telegram, 20 % VK), assigned to one of 12 operators, with 0–3 of 8 tags and a priority;
``messages`` messages and ``events`` events shared among them evenly (customer messages,
replies with their measured response times, assignments, status changes, ratings), and
two SLA clocks per ticket. Tickets older than two days are almost all resolved; 40 % of
those are rated, the low ratings mostly with a comment.

Rows go in with ``executemany`` on SQLite and ``COPY`` on PostgreSQL, in batches, with
explicit ids; ``ANALYZE`` follows, as autovacuum would do on a real desk.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

DAYS = 90
OPERATORS = 12
TAGS = ("billing", "delivery", "refund", "bug", "login", "vip", "feedback", "other")
PRIORITIES = (("low", 10), ("normal", 70), ("high", 15), ("urgent", 5))
COMMENTS = ("Too slow", "Nobody helped me", "Слишком долго", None, "Rude answer")
BATCH = 10_000
Row = tuple[Any, ...]

COLUMNS = {
    "operators": ("id", "telegram_id", "name", "role", "on_shift", "languages", "created_at",
                  "presence"),
    "customers": ("id", "channel", "external_id", "first_name", "last_name", "language",
                  "is_blocked", "is_banned", "created_at", "updated_at"),
    "conversations": ("id", "channel", "chat_id", "message_thread_id", "topic_title",
                      "created_at", "customer_id"),
    "tickets": ("id", "status", "priority", "tags", "opened_at", "first_response_at",
                "resolved_at", "closed_at", "csat_score", "csat_comment", "updated_at",
                "assignee_id", "conversation_id", "csat_comment_pending", "rules_fired",
                "first_response_seconds", "first_response_business_seconds", "paused_seconds",
                "paused_business_seconds", "resolution_seconds", "resolution_business_seconds",
                "awaiting_reply_since"),
    "messages": ("id", "direction", "kind", "text", "attachments", "channel", "customer_chat_id",
                 "customer_message_id", "created_at", "delivery_state", "author_id",
                 "conversation_id", "ticket_id", "response_kind", "response_seconds",
                 "response_business_seconds"),
    "events": ("id", "kind", "data", "created_at", "actor_id", "conversation_id", "ticket_id"),
    "sla_clocks": ("id", "clock", "cycle", "target_seconds", "business_hours", "warn_seconds",
                   "started_at", "due_at", "spent_seconds", "stopped_at", "outcome",
                   "breached_at", "ticket_id"),
}  # fmt: skip


def _moment(rng: random.Random, end: datetime) -> datetime:
    """A ticket's opening: a day of the last 90 (weekdays twice as busy), a busy hour."""
    while True:
        day = end - timedelta(days=rng.randrange(DAYS) + 1)
        if day.weekday() < 5 or rng.random() < 0.5:
            break
    hour = min(23, max(0, int(rng.gauss(13, 4))))
    start = day.replace(hour=hour, minute=0, second=0, microsecond=0)
    return start + timedelta(seconds=rng.randrange(3600))


def generate(tickets: int, messages: int, events: int, end: datetime) -> dict[str, Iterator[Row]]:
    """Every table's rows, as generators (``end``: the newest moment, aware)."""
    rng = random.Random(14)
    customers = max(1, tickets // 2)
    per_message, per_event = max(2, messages // tickets), max(2, events // tickets)

    def operators() -> Iterator[Row]:
        for i in range(1, OPERATORS + 1):
            yield (i, 5000 + i, f"Operator {i}", "agent", True, "[]", end, "online")

    def people() -> Iterator[Row]:
        for i in range(1, customers + 1):
            channel = "vk" if i % 5 == 0 else "telegram"
            yield (i, channel, 10**6 + i, f"Customer {i}", "", "en", False, False, end, end)

    def conversations() -> Iterator[Row]:
        for i in range(1, customers + 1):
            channel = "vk" if i % 5 == 0 else "telegram"
            yield (i, channel, 10**6 + i, 20_000 + i, f"Customer {i}", end, i)

    state: dict[int, tuple[datetime, int, int | None, int | None, int]] = {}

    def ticket_rows() -> Iterator[Row]:
        for i in range(1, tickets + 1):
            opened = _moment(rng, end)
            first = int(rng.lognormvariate(6.5, 1.2))  # median about 11 min
            operator = rng.randrange(1, OPERATORS + 1)
            old = end - opened > timedelta(days=2)
            done = rng.random() < (0.95 if old else 0.4)
            resolution = first + int(rng.lognormvariate(8.5, 1.1)) if done else None
            resolved = opened + timedelta(seconds=resolution) if resolution else None
            score = rng.choices((1, 2, 3, 4, 5), (6, 5, 10, 29, 50))[0]
            rated = score if done and rng.random() < 0.4 else None
            comment = rng.choice(COMMENTS) if rated is not None and rated <= 2 else None
            status = ("resolved" if rng.random() < 0.7 else "closed") if done else "open"
            tags = json.dumps(rng.sample(TAGS, rng.randrange(4)))
            priority = rng.choices([p for p, _ in PRIORITIES], [w for _, w in PRIORITIES])[0]
            conversation = (i - 1) % customers + 1
            state[i] = (opened, first, resolution, rated, conversation)
            waiting = None if done else opened + timedelta(seconds=first + 600)
            yield (i, status, priority, tags, opened, opened + timedelta(seconds=first),
                   resolved, resolved if status == "closed" else None, rated, comment,
                   resolved or opened, operator, conversation, False, "[]", first, first, 0, 0,
                   resolution, resolution, waiting)  # fmt: skip

    def message_rows() -> Iterator[Row]:
        number = 0
        for i, (opened, first, resolution, _rated, conversation) in state.items():
            span = resolution or 7200
            for k in range(per_message):
                number += 1
                at = opened + timedelta(seconds=span * k // per_message)
                outbound = k % 2 == 1
                kind = ("first" if k == 1 else "next") if outbound else None
                wait = first if k == 1 else (rng.randrange(60, 3600) if outbound else None)
                operator = (i % OPERATORS) + 1 if outbound else None
                channel = "vk" if conversation % 5 == 0 else "telegram"
                yield (number, "outbound" if outbound else "inbound", "text", "text", "[]",
                       channel, 10**6 + conversation, number, at, "delivered", operator,
                       conversation, i, kind, wait, wait)  # fmt: skip

    def event_rows() -> Iterator[Row]:
        number = 0
        for i, (opened, first, resolution, rated, conversation) in state.items():
            kinds = ["opened", "assigned", "status"] + ["tag_added"] * (per_event - 3)
            if resolution:
                kinds[-1] = "status"
            if rated is not None:
                kinds[-2] = "rated"
            if rng.random() < 0.05:
                kinds[-3] = "reopened"
            for k, kind in enumerate(kinds):
                number += 1
                at = opened + timedelta(seconds=(resolution or first) * k // len(kinds))
                data = {"operator": 5000 + (i % OPERATORS) + 1} if kind == "assigned" else {}
                if kind == "rated":
                    data = {"score": rated, "old": None}
                yield (number, kind, json.dumps(data), at, None, conversation, i)

    def clock_rows() -> Iterator[Row]:
        number = 0
        for i, (opened, first, resolution, _rated, _conversation) in state.items():
            for clock, target, spent in (("first_response", 3600, first),
                                         ("resolution", 8 * 3600, resolution)):  # fmt: skip
                number += 1
                if spent is None:
                    continue
                hit = spent <= target
                stopped = opened + timedelta(seconds=spent)
                breached = None if hit else opened + timedelta(seconds=target)
                yield (number, clock, 1, target, False, 600, opened,
                       opened + timedelta(seconds=target), spent, stopped,
                       "hit" if hit else "breached", breached, i)  # fmt: skip

    return {
        "operators": operators(),
        "customers": people(),
        "conversations": conversations(),
        "tickets": ticket_rows(),
        "messages": message_rows(),
        "events": event_rows(),
        "sla_clocks": clock_rows(),
    }


def _batches(rows: Iterator[Row]) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def fill(connection: BaseDBAsyncClient, tables: dict[str, Iterator[Row]]) -> dict[str, int]:
    """Write every table (in order: the tickets' rows before their messages); row counts."""
    postgres = connection.capabilities.dialect == "postgres"
    counts: dict[str, int] = {}
    for table, rows in tables.items():
        columns = COLUMNS[table]
        counts[table] = 0
        async with connection.acquire_connection() as raw:
            for batch in _batches(rows):
                if postgres:
                    await raw.copy_records_to_table(table, records=batch, columns=list(columns))
                else:
                    marks = ", ".join("?" for _ in columns)
                    await raw.executemany(
                        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch
                    )
                counts[table] += len(batch)
            if not postgres:
                await raw.commit()
    await connection.execute_script("ANALYZE")
    return counts
