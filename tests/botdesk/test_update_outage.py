"""The database going away is an outage, not a poison update: nothing is set aside.

The real desk runs on its own PostgreSQL database; the test makes that database refuse
connections and ends the desk's backends (only this test's database is touched), while
a customer writes. The update must stay unacknowledged, no dead letter may appear, and
the log says so once; when the database is back, the message reaches its topic without
a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

import asyncpg
import pytest

from botdesk.app import run_app
from core.config import Settings
from core.intake.containment import RetryPolicy
from tests.e2e.conftest import FAST_RATES, opened, shown, welcomed
from tests.fixtures.database import _asyncpg_dsn, postgres_admin_url
from tests.fixtures.telegram_sandbox import DeskWorld

FAST = RetryPolicy(attempts=2, first_delay=0.01, max_delay=0.2)
WAIT = 30.0

pytestmark = pytest.mark.postgres


async def cut_off(admin: asyncpg.Connection, name: str, allow: bool) -> None:
    """Let nobody (``allow=False``) or everybody connect to database ``name``."""
    await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {str(allow).lower()}')
    if not allow:
        await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )


async def test_a_lost_database_is_waited_for_and_nothing_is_set_aside_or_lost(
    postgres_database_url: str,
    desk_world: DeskWorld,
    desk_settings: Callable[..., Settings],
    caplog: pytest.LogCaptureFixture,
) -> None:
    world, sb = desk_world, desk_world.sandbox
    name = urlsplit(postgres_database_url).path.lstrip("/")
    settings = desk_settings(
        sb, world.bot, world.group, database_url=postgres_database_url, **FAST_RATES
    )
    admin = await asyncpg.connect(_asyncpg_dsn(postgres_admin_url()))
    stop = asyncio.Event()
    app = asyncio.create_task(run_app(settings, stop, retry=FAST))
    try:
        await welcomed(world)
        topic = await opened(world, "Hello")
        with caplog.at_level(logging.INFO, logger="botdesk.updates"):
            await cut_off(admin, name, allow=False)
            sb.send_text(world.customer, world.bot, "during the outage")

            def waiting() -> bool:
                return any("Telegram updates wait" in r.getMessage() for r in caplog.records)

            await sb.wait_for(waiting, timeout=WAIT)
            # however long it lasts, the update stays Telegram's to deliver again
            assert [u["message"]["text"] for u in sb.updates_pending(world.bot)] == [
                "during the outage"
            ]
            await cut_off(admin, name, allow=True)
            # the same process carries on: the waiting message reaches its topic
            await shown(world, topic, "during the outage")
            await sb.wait_for(lambda: not sb.updates_pending(world.bot), timeout=WAIT)
    finally:
        await cut_off(admin, name, allow=True)
        stop.set()
        await asyncio.gather(asyncio.wait_for(app, timeout=WAIT), return_exceptions=True)
        await admin.close()
    ours = [r for r in caplog.records if r.name == "botdesk.updates"]
    # once when it starts, once when it ends, however many retries
    assert [r.levelname for r in ours] == ["WARNING", "INFO"]
    assert ours[0].exc_info is None
    check = await asyncpg.connect(_asyncpg_dsn(postgres_database_url))
    try:
        assert await check.fetchval("SELECT count(*) FROM dead_letters") == 0
    finally:
        await check.close()
    assert not [
        r for r in caplog.records if r.name == "core.intake.containment" and r.levelno >= 40
    ]
