"""``/export``: a period's tickets, events and per-operator figures as CSV files.

The rows are read in pages of :data:`PAGE` (keyset on the id, so each page is one
indexed query) and written as they come: a long period never holds every row in memory.
Files are UTF-8 with a byte order mark (spreadsheets then read Cyrillic right) and a
header row; moments are ISO 8601 in the desk's time zone, durations whole seconds.
Customers' texts are untrusted: a cell that starts with ``=``, ``+``, ``-``, ``@`` (or a
tab or carriage return) gets a leading ``'`` so no spreadsheet runs it as a formula.
The README section "Reports in the group" lists the columns.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient

from core.enums import ACTIVE_TICKET_STATUSES
from core.models import Ticket
from core.reports.metrics import Metrics
from core.reports.period import Period
from core.reports.scope import within
from core.reports.sql import Binder, moment, rows

#: rows read per query
PAGE = 500
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TICKET_COLUMNS = (
    "number", "channel", "status", "priority", "tags", "assignee", "opened_at",
    "first_response_at", "resolved_at", "closed_at", "first_response_seconds",
    "first_response_business_seconds", "resolution_seconds", "resolution_business_seconds",
    "csat_score", "csat_comment", "topic_id",
)  # fmt: skip
EVENT_COLUMNS = ("ticket", "kind", "actor", "at", "data")
OPERATOR_COLUMNS = (
    "operator", "telegram_id", "assigned", "replies", "resolved",
    "first_response_median_seconds", "first_response_p90_seconds",
    "first_response_business_median_seconds", "csat_count", "csat_average",
)  # fmt: skip


def safe(value: object) -> object:
    """A cell's value, a text that a spreadsheet would read as a formula quoted with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _local(value: Any, zone: ZoneInfo) -> str:
    """A stored moment (or NULL) as ISO text on the desk's clock."""
    if value is None:
        return ""
    return moment(value).astimezone(zone).isoformat(timespec="seconds")


def _json(value: Any) -> Any:
    """A JSON column as each engine hands it back raw: parsed text, or the value itself."""
    return json.loads(value) if isinstance(value, str) else value


async def write_tickets(db: BaseDBAsyncClient, period: Period, path: Path) -> int:
    """Write the tickets opened or active in ``period``; return how many."""
    zone, written, last = period.zone, 0, 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(TICKET_COLUMNS)
        while True:
            page = await _ticket_page(db, period, last)
            for row in page:
                tags = _json(row["tags"]) or []
                writer.writerow([safe(value) for value in (
                    row["id"], row["channel"], row["status"], row["priority"],
                    ";".join(str(tag) for tag in tags), row["assignee"] or "",
                    _local(row["opened_at"], zone), _local(row["first_response_at"], zone),
                    _local(row["resolved_at"], zone), _local(row["closed_at"], zone),
                    row["first_response_seconds"], row["first_response_business_seconds"],
                    row["resolution_seconds"], row["resolution_business_seconds"],
                    row["csat_score"], row["csat_comment"] or "", row["message_thread_id"],
                )])  # fmt: skip
            written += len(page)
            if len(page) < PAGE:
                return written
            last = int(page[-1]["id"])


async def _ticket_page(db: BaseDBAsyncClient, period: Period, after: int) -> list[dict[str, Any]]:
    """One page of the period's tickets, after ticket number ``after``."""
    bind = Binder(db)
    # Opened before the period's end, and not over before it began.
    active = (
        f"t.opened_at < {bind(period.end)} AND (t.status IN ({bind.many(ACTIVE_TICKET_STATUSES)})"
        f" OR COALESCE(t.resolved_at, t.closed_at) >= {bind(period.start)}"
        f" OR t.opened_at >= {bind(period.start)})"
    )
    statement = f"""
SELECT t.id, c.channel, t.status, t.priority, t.tags, o.name AS assignee, t.opened_at,
       t.first_response_at, t.resolved_at, t.closed_at, t.first_response_seconds,
       t.first_response_business_seconds, t.resolution_seconds,
       t.resolution_business_seconds, t.csat_score, t.csat_comment, c.message_thread_id
  FROM tickets t JOIN conversations c ON c.id = t.conversation_id
  LEFT JOIN operators o ON o.id = t.assignee_id
 WHERE {active} AND t.id > {bind(after)}
 ORDER BY t.id LIMIT {bind(PAGE)}"""
    return await rows(db, statement, bind)


async def write_events(db: BaseDBAsyncClient, period: Period, path: Path) -> int:
    """Write the events recorded in ``period``; return how many."""
    written, last = 0, 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(EVENT_COLUMNS)
        while True:
            bind = Binder(db)
            statement = f"""
SELECT e.id, e.ticket_id, e.kind, COALESCE(o.name, e.actor_label) AS actor, e.created_at,
       e.data
  FROM events e LEFT JOIN operators o ON o.id = e.actor_id
 WHERE {within(bind, "e.created_at", period)} AND e.id > {bind(last)}
 ORDER BY e.id LIMIT {bind(PAGE)}"""
            page = await rows(db, statement, bind)
            for row in page:
                data = json.dumps(_json(row["data"]) or {}, ensure_ascii=False, sort_keys=True)
                writer.writerow([safe(value) for value in (
                    row["ticket_id"] if row["ticket_id"] is not None else "", row["kind"],
                    row["actor"] or "", _local(row["created_at"], period.zone), data,
                )])  # fmt: skip
            written += len(page)
            if len(page) < PAGE:
                return written
            last = int(page[-1]["id"])


def write_operators(metrics: Metrics, path: Path) -> int:
    """Write each operator's figures of the period; return how many operators."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(OPERATOR_COLUMNS)
        for f in metrics.operators:
            first = f.first_response
            average = "" if f.csat_average is None else f"{f.csat_average:.2f}"
            writer.writerow([safe(value) for value in (
                f.name, f.telegram_id, f.assigned, f.replies, f.resolved,
                _blank(first.calendar.median), _blank(first.calendar.p90),
                _blank(first.business.median), f.csat_count, average,
            )])  # fmt: skip
    return len(metrics.operators)


def _blank(value: int | None) -> object:
    return "" if value is None else value


async def write_export(metrics: Metrics, folder: Path) -> Sequence[Path]:
    """The three CSV files of ``metrics``' period in ``folder``: tickets, events, operators."""
    db = Ticket._meta.db
    period = metrics.period
    label = period.label.replace("..", "_")
    files = [folder / f"tickets_{label}.csv", folder / f"events_{label}.csv"]
    files.append(folder / f"operators_{label}.csv")
    await write_tickets(db, period, files[0])
    await write_events(db, period, files[1])
    write_operators(metrics, files[2])
    return files
