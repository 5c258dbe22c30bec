"""What every relay benchmark shares: result rows, percentiles, databases, inbound messages."""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from core.entities import Content, CustomerProfile, InboundMessage
from core.enums import Channel, MessageKind

POSTGRES_URL_ENV = "BOTDESK_BENCH_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test"


@dataclass
class Row:
    """One figure of the report: its value, the target it is held to, and the verdict."""

    bench: str
    metric: str
    value: float | None
    unit: str = ""
    target: str = ""
    passed: bool | None = None  # None: informative only, or skipped
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    """The rows of one benchmark plus free-form details (sizes, counters) for --json."""

    name: str
    rows: list[Row] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, metric: str, value: float | None, unit: str = "", **extra: Any) -> Row:
        row = Row(self.name, metric, value, unit, **extra)
        self.rows.append(row)
        return row


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def customer_inbound(user_id: int, message_id: int, text: str, sent_at: datetime) -> InboundMessage:
    """A plain-text message of Telegram customer ``user_id`` in their private chat."""
    profile = CustomerProfile(
        Channel.TELEGRAM, user_id, f"Customer{user_id % 100_000}", "Bench", f"c{user_id}", "en"
    )
    return InboundMessage(
        profile=profile,
        chat_id=user_id,
        message_id=message_id,
        sent_at=sent_at,
        content=Content(MessageKind.TEXT, text=text),
    )


def postgres_admin_url() -> str:
    """The PostgreSQL server to create scratch databases on (any database it may reach)."""
    return os.environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL


def _asyncpg_dsn(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards; OSError when unreachable."""
    import asyncpg

    admin_url = postgres_admin_url()
    try:
        admin = await asyncpg.connect(_asyncpg_dsn(admin_url), timeout=3.0)
    except (TimeoutError, asyncpg.PostgresError) as exc:
        raise OSError(f"PostgreSQL not reachable: {exc}") from exc
    name = f"botdesk_bench_{uuid.uuid4().hex[:12]}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
