"""/export's CSV files and who may see reports, on the real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest

import core.reports.export as export
from core.enums import EventKind, OperatorRole, TicketStatus
from core.models import Event, Operator
from core.reports.access import may_see_reports
from core.reports.export import EVENT_COLUMNS, OPERATOR_COLUMNS, TICKET_COLUMNS, safe
from tests.core.reports.desk import IVAN, MIN, PETR, ReportDesk, utc

MONDAY = utc(2026, 11, 23, 10)


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as source:
        return list(csv.DictReader(source))


def test_formula_like_cells_are_quoted() -> None:
    assert safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    for risky in ("+1", "-2", "@a", "\tx", "\rx"):
        assert safe(risky) == "'" + risky
    assert safe("fine =1") == "fine =1" and safe(-5) == -5 and safe(None) is None


async def test_export_writes_the_documented_columns_page_by_page(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "PAGE", 2)  # five tickets: three pages
    desk = ReportDesk(MONDAY)
    for user in range(1, 6):
        await desk.customer_writes(user)
    desk.at(MONDAY + timedelta(minutes=10))
    await desk.reply(1)
    await desk.reply(2, PETR)
    desk.at(MONDAY + timedelta(minutes=30))
    await desk.set_status(1, TicketStatus.RESOLVED)
    await desk.rate(1, 1, "=cmd|' /C calc'!A0")
    metrics = await desk.metrics(MONDAY)
    files = await export.write_export(metrics, tmp_path)
    assert [f.name for f in files] == [
        "tickets_2026-11-23.csv", "events_2026-11-23.csv", "operators_2026-11-23.csv"
    ]  # fmt: skip
    tickets, events, operators = (read(f) for f in files)
    assert tuple(tickets[0]) == TICKET_COLUMNS
    assert [int(row["number"]) for row in tickets] == sorted(int(r["number"]) for r in tickets)
    assert len(tickets) == 5
    first = next(row for row in tickets if row["topic_id"] == "10001")
    assert first["status"] == "resolved" and first["assignee"] == IVAN.name
    assert first["first_response_seconds"] == str(10 * MIN)
    assert first["opened_at"] == "2026-11-23T10:00:00+00:00"
    assert first["csat_score"] == "1" and first["csat_comment"] == "'=cmd|' /C calc'!A0"
    assert tuple(events[0]) == EVENT_COLUMNS
    stored = await Event.filter(created_at__gte=MONDAY).count()
    assert len(events) == stored
    assert any(row["kind"] == "rated" and '"score": 1' in row["data"] for row in events)
    assert tuple(operators[0]) == OPERATOR_COLUMNS
    by_name = {row["operator"]: row for row in operators}
    assert by_name[IVAN.name]["replies"] == "1" and by_name[PETR.name]["replies"] == "1"
    # the next day has none of the day's events, but the tickets still open are active
    later = await desk.metrics(MONDAY + timedelta(days=1))
    files = await export.write_export(later, tmp_path)
    assert len(read(files[0])) == 4 and read(files[1]) == []


async def test_only_managers_and_admins_may_see_reports(db: str) -> None:
    desk = ReportDesk(MONDAY)
    assert not await may_see_reports(IVAN, desk.ctx, what="/report")
    refusal = await Event.get(kind=EventKind.REFUSED)
    assert refusal.data["action"] == "reports" and refusal.data["asked"] == "/report"
    await Operator.filter(telegram_id=IVAN.telegram_id).update(role=OperatorRole.MANAGER)
    assert await may_see_reports(IVAN, desk.ctx, what="/report")
    assert await may_see_reports(PETR, desk.ctx, what="/export", admins={PETR.telegram_id})
    assert await Event.filter(kind=EventKind.REFUSED).count() == 1
