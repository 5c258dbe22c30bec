"""/healthz, /readyz and /metrics of a real desk in long-polling mode, over HTTP.

The desk runs against the Telegram sandbox exactly as in the end-to-end tests; a probe
is an HTTP GET on its ``WEB_HOST:WEB_PORT``, as an orchestrator or Prometheus makes it.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis
from redis.exceptions import RedisError

from botdesk.healthcheck import main as healthcheck
from botdesk.web import botdesk_version, free_port, serving
from core.config import ConfigError, Settings, load_settings
from tests.e2e.conftest import FAST_RATES, opened, received, welcomed
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld

WAIT = 15.0


def base_of(settings: Settings) -> str:
    return f"http://{settings.web_host}:{settings.web_port}"


async def get(url: str) -> tuple[int, str, str]:
    """GET ``url``: status, content type header and body."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response,
    ):
        return response.status, response.headers.get("Content-Type", ""), await response.text()


async def get_json(url: str) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response,
    ):
        return response.status, await response.json()


async def until_status(url: str, status: int, timeout: float = WAIT) -> Any:  # noqa: ASYNC109
    """Poll ``url`` until it answers ``status``; return the JSON body of that answer."""
    deadline = time.monotonic() + timeout
    last: tuple[int, Any] | None = None
    while time.monotonic() < deadline:
        try:
            last = await get_json(url)
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.2)  # the server starts just after the desk's welcome
            continue
        if last[0] == status:
            return last[1]
        await asyncio.sleep(0.2)
    raise AssertionError(f"{url} did not answer {status} within {timeout} s; last: {last}")


def sample(text: str, name: str, **labels: str) -> float:
    """The value of sample ``name`` with ``labels`` in Prometheus text ``text`` (0 if absent)."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return float(found.value)
    return 0.0


async def scrape(settings: Settings) -> str:
    status, content_type, text = await get(base_of(settings) + "/metrics")
    assert status == 200
    assert content_type == CONTENT_TYPE_LATEST  # Prometheus's text format
    assert content_type.startswith("text/plain; version=")
    return text


async def test_health_readiness_and_metrics_in_polling_mode(
    desk_world: DeskWorld,
    desk_settings: Callable[..., Settings],
    run_desk: DeskRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="botdesk")
    world = desk_world
    settings = desk_settings(world.sandbox, world.bot, world.group, **FAST_RATES)
    assert settings.webhook_url is None  # long polling: the server runs all the same
    # the container's health check finds the desk through the same settings
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WEB_HOST", "0.0.0.0")
    monkeypatch.setenv("WEB_PORT", str(settings.web_port))
    async with run_desk(settings):
        await welcomed(world)
        base = base_of(settings)
        assert (await until_status(base + "/healthz", 200)) == {"status": "ok"}
        ready = await until_status(base + "/readyz", 200)
        assert ready["checks"] == {"database": "ok", "outbox": "ok", "telegram": "ok"}
        assert await asyncio.to_thread(healthcheck, []) == 0
        assert await asyncio.to_thread(healthcheck, ["--ready"]) == 0
        started = [r.getMessage() for r in caplog.records if " started: " in r.getMessage()]
        assert started == [
            f'botdesk {botdesk_version()} started: @desk_bot, group "Support", long polling; '
            f"web on 127.0.0.1:{settings.web_port}"
        ]

        before = await scrape(settings)
        topic = await opened(world, "Where is my parcel?")
        world.sandbox.send_text(world.operator, world.group, "On its way!", topic=topic)
        await received(world, "On its way!")

        async def counted() -> str:
            # the reply's done mark is committed just after the customer sees it
            deadline = time.monotonic() + WAIT
            while True:
                after = await scrape(settings)
                sent = "botdesk_sends_total"
                if sample(after, sent, outcome="sent") > sample(before, sent, outcome="sent") + 1:
                    return after
                assert time.monotonic() < deadline, "the sends were not counted"
                await asyncio.sleep(0.2)

        after = await counted()

    assert await asyncio.to_thread(healthcheck, []) == 1  # the desk has stopped

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("botdesk_messages_stored_total", direction="inbound") == 1
    assert grew("botdesk_messages_stored_total", direction="outbound") == 1
    # at least the mirror into the topic and the reply to the customer
    assert grew("botdesk_delivery_latency_seconds_count") >= 2
    assert 'botdesk_build_info{version="' in after
    for kind in ("telegram_private", "telegram_group", "vk"):
        for gauge in ("botdesk_outbox_backlog", "botdesk_outbox_oldest_age_seconds"):
            assert f'{gauge}{{destination="{kind}"}}' in after


@pytest.mark.postgres
async def test_readyz_fails_while_the_database_is_gone_and_recovers_without_a_restart(
    desk_world: DeskWorld,
    desk_settings: Callable[..., Settings],
    run_desk: DeskRunner,
    postgres_database_url: str,
) -> None:
    import asyncpg

    from tests.fixtures.database import _asyncpg_dsn, postgres_admin_url

    world = desk_world
    name = urlsplit(postgres_database_url).path.strip("/")
    settings = desk_settings(
        world.sandbox, world.bot, world.group, database_url=postgres_database_url, **FAST_RATES
    )
    admin = await asyncpg.connect(_asyncpg_dsn(postgres_admin_url()), timeout=5)
    try:
        async with run_desk(settings):
            await welcomed(world)
            ready = base_of(settings) + "/readyz"
            await until_status(ready, 200)
            # "gone": nobody may connect to the desk's database, its connections are cut
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                name,
            )
            body = await until_status(ready, 503)
            assert body["status"] == "unready"
            assert body["checks"]["database"] != "ok"
            assert body["checks"]["telegram"] == "ok"
            # the liveness probe must not restart a desk that only waits for its database
            assert (await get_json(base_of(settings) + "/healthz"))[0] == 200

            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            body = await until_status(ready, 200, timeout=30)
            assert body["checks"]["database"] == "ok"
            await opened(world, "Still there?")
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()


def test_the_outbox_age_limit_of_readiness_is_validated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env or botdesk.toml of the working tree
    assert load_settings(ready_outbox_max_age="60").ready_outbox_max_age == 60.0
    with pytest.raises(ConfigError) as refused:
        load_settings(ready_outbox_max_age="0")
    assert "READY_OUTBOX_MAX_AGE" in str(refused.value)
    assert "Use a number of seconds" in str(refused.value)


async def test_a_port_already_taken_is_a_setup_mistake_named_in_one_paragraph() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        with pytest.raises(ConfigError) as refused:
            async with serving(web.Application(), "127.0.0.1", port):
                pass
    text = str(refused.value)
    assert f"WEB_HOST:WEB_PORT is 127.0.0.1:{port}, where botdesk cannot listen" in text
    assert "Choose a free port (WEB_PORT)" in text
    assert "\n" not in text


def own_redis(port: int) -> subprocess.Popen[bytes]:
    """A redis-server of this test alone (the shared one is never stopped), answering."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("no redis-server installed")
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + WAIT
    while True:
        try:
            with Redis(port=port, socket_connect_timeout=1, socket_timeout=1) as client:
                if client.ping():
                    return process
        except (RedisError, OSError):
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise AssertionError(f"redis-server did not start on port {port}")
        time.sleep(0.05)


def stopped(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=10)


@pytest.mark.redis
async def test_readyz_fails_while_redis_is_down_and_recovers_when_it_is_back(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> None:
    world = desk_world
    port = free_port()
    redis = own_redis(port)
    try:
        settings = desk_settings(
            world.sandbox,
            world.bot,
            world.group,
            redis_url=f"redis://127.0.0.1:{port}/0",
            **FAST_RATES,
        )
        async with run_desk(settings):
            await welcomed(world)
            ready = base_of(settings) + "/readyz"
            body = await until_status(ready, 200)
            assert body["checks"]["redis"] == "ok"

            stopped(redis)
            body = await until_status(ready, 503)
            assert body["checks"]["redis"] != "ok"
            assert body["checks"]["database"] == "ok"

            redis = own_redis(port)
            body = await until_status(ready, 200, timeout=30)
            assert body["checks"]["redis"] == "ok"
    finally:
        stopped(redis)


async def test_in_webhook_mode_the_probes_share_the_webhook_server(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> None:
    world = desk_world
    port = free_port()
    settings = desk_settings(
        world.sandbox,
        world.bot,
        world.group,
        webhook_url=f"http://127.0.0.1:{port}",
        web_port=port,
        **FAST_RATES,
    )
    async with run_desk(settings):
        await world.sandbox.wait_for(lambda: world.bot.webhook is not None, timeout=WAIT)
        assert (await until_status(base_of(settings) + "/healthz", 200)) == {"status": "ok"}
        body = await until_status(base_of(settings) + "/readyz", 200)
        assert body["checks"]["telegram"] == "ok"
        await opened(world, "Hello over the webhook")
        text = await scrape(settings)
    assert sample(text, "botdesk_messages_stored_total", direction="inbound") >= 1
