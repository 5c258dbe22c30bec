"""The outbox waits out a database outage: one WARNING when it starts, one INFO when it ends.

The database here is a PostgreSQL database of the test's own; the outage is real: its
connections are terminated and new ones refused for a while.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import asyncpg
import pytest

from core.clock import SystemClock
from core.db import close_db, init_db
from core.outages import is_service_outage
from core.outbox import OutboxSettings
from core.outbox.outages import Outages
from tests.core.outbox.test_outbox_support import Recorder, all_done, put, running, until
from tests.fixtures.database import _asyncpg_dsn, postgres_admin_url

# scans often, so the worker meets the outage without being woken
SETTINGS = OutboxSettings(backoff_base=0.02, backoff_max=0.1, poll_interval=0.1)


@pytest.fixture
async def pg(postgres_database_url: str) -> AsyncIterator[str]:
    """The test's PostgreSQL database, migrated and connected."""
    await init_db(postgres_database_url)
    try:
        yield postgres_database_url
    finally:
        await close_db()


async def _admin(sql: str, *args: object) -> None:
    admin = await asyncpg.connect(_asyncpg_dsn(postgres_admin_url()))
    try:
        await admin.execute(sql, *args)
    finally:
        await admin.close()


async def cut_off(url: str, allowed: bool) -> None:
    """Refuse (or allow again) new connections to the database; end the current ones."""
    name = urlsplit(url).path.lstrip("/")
    await _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}')
    if not allowed:
        await _admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )


def said(caplog: pytest.LogCaptureFixture, words: str) -> list[logging.LogRecord]:
    """The outbox's log records containing ``words``."""
    return [r for r in caplog.records if r.name == "core.outbox" and words in r.getMessage()]


@pytest.mark.postgres
async def test_database_outage_is_waited_out_with_one_warning_and_one_info(
    pg: str, caplog: pytest.LogCaptureFixture
) -> None:
    op = Recorder()
    await put("a", "before")
    with caplog.at_level(logging.INFO, logger="core.outbox"):
        async with running({"send": op}, settings=SETTINGS):
            await until(all_done("before"))
            await cut_off(pg, allowed=False)
            try:
                await until(lambda: bool(said(caplog, "database unreachable")), within=10.0)
            finally:
                await cut_off(pg, allowed=True)
            await until(lambda: bool(said(caplog, "database reachable again")), within=15.0)
            await put("a", "after")
            await until(all_done("after"), within=10.0)
    outage = said(caplog, "database")
    assert [r.levelno for r in outage] == [logging.WARNING, logging.INFO]
    assert outage[0].getMessage().endswith("; retrying")
    assert not [r for r in caplog.records if r.exc_info]  # no traceback per retry
    assert op.sent() == ["before", "after"]


def test_outage_logs_its_start_and_end_once(caplog: pytest.LogCaptureFixture) -> None:
    outage = Outages(SystemClock())["Telegram"]
    with caplog.at_level(logging.INFO, logger="core.outbox"):
        outage.recovered()  # nothing to end
        for n in range(5):
            outage.failed(TimeoutError(f"try {n}"))
        assert outage.ongoing and outage.failures == 5
        outage.recovered()
        outage.recovered()
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert messages[0] == "Telegram unreachable: TimeoutError: try 0; retrying"
    assert messages[1].startswith("Telegram reachable again after")
    assert not outage.ongoing


def test_outage_backoff_doubles_up_to_its_ceiling() -> None:
    outage = Outages(SystemClock())["VK"]
    delays = []
    for _ in range(8):
        outage.failed(OSError("refused"))
        delays.append(outage.backoff(0.5, 10.0))
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]


def test_what_counts_as_a_database_outage() -> None:
    assert is_service_outage(ConnectionRefusedError(111, "refused"))
    assert is_service_outage(asyncpg.exceptions.AdminShutdownError("terminating"))
    assert is_service_outage(asyncpg.exceptions.ConnectionDoesNotExistError("closed"))
    wrapped = RuntimeError("while saving")
    wrapped.__cause__ = asyncpg.exceptions.AdminShutdownError("terminating")
    assert is_service_outage(wrapped)
    refused = asyncpg.exceptions.ObjectNotInPrerequisiteStateError(
        'database "x" is not currently accepting connections'
    )
    assert is_service_outage(refused)
    assert not is_service_outage(asyncpg.exceptions.UniqueViolationError("duplicate"))
    assert not is_service_outage(ValueError("a bug"))
    assert not is_service_outage(FileNotFoundError("no such file"))
    assert not is_service_outage(asyncpg.exceptions.ObjectNotInPrerequisiteStateError("busy"))
