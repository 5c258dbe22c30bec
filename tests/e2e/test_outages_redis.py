"""The Redis server behind the desk's FSM storage restarts: the desk carries on by itself.

The test runs its own ``redis-server`` on a free port (never the shared one), stops it
while customers write and operators reply, and starts it again on the same port.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from redis import Redis
from redis.exceptions import RedisError

from core.config import Settings
from tests.e2e.conftest import FAST_RATES, opened, received, shown, welcomed
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld

pytestmark = pytest.mark.redis


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5) as client:
            return bool(client.ping())
    except (RedisError, OSError):
        return False


class OwnRedis:
    """A ``redis-server`` of this test alone, which it may stop and start at will."""

    def __init__(self, binary: str, port: int) -> None:
        self.binary, self.port = binary, port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start the server and wait until it answers."""
        self.process = await asyncio.create_subprocess_exec(
            *(self.binary, "--port", str(self.port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no"),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for _ in range(200):
            if _answers(self.url):
                return
            await asyncio.sleep(0.05)
        pytest.fail(f"redis-server did not start on port {self.port}")

    async def stop(self) -> None:
        """Stop this test's server (only the process this test started)."""
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), timeout=10)
        self.process = None


@asynccontextmanager
async def own_redis() -> AsyncIterator[OwnRedis]:
    """An :class:`OwnRedis` on a free port, stopped at the end."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no redis-server installed")
    server = OwnRedis(binary, _free_port())
    try:
        yield server
    finally:
        await server.stop()


async def test_a_redis_restart_loses_nothing(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> None:
    world, sb = desk_world, desk_world.sandbox
    async with own_redis() as redis:
        await redis.start()
        settings = desk_settings(sb, world.bot, world.group, redis_url=redis.url, **FAST_RATES)
        async with run_desk(settings):
            await welcomed(world)
            topic = await opened(world, "Before the restart")
            sb.send_text(world.operator, world.group, "Reply before", topic=topic)
            await received(world, "Reply before")
            await redis.stop()
            sb.send_text(world.customer, world.bot, "While Redis is down")
            sb.send_text(world.operator, world.group, "Reply while down", topic=topic)
            await asyncio.sleep(1.0)  # the outage lasts a while, not only for one call
            await redis.start()
            await shown(world, topic, "While Redis is down")
            await received(world, "Reply while down")
            sb.send_text(world.customer, world.bot, "After the restart")
            await shown(world, topic, "After the restart")
            sb.send_text(world.operator, world.group, "Reply after", topic=topic)
            await received(world, "Reply after")
