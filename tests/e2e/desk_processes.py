"""Several ``botdesk run`` processes of one desk, on PostgreSQL and Redis, for e2e tests.

Each process is started like a replica in production: configured by environment
variables only, with a name of its own (``INSTANCE_NAME``) and a port of its own for the
web server (probes, and the webhooks in webhook mode). Its output goes to a file in the
test's directory, which :func:`logs` shows when an assertion fails.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sandbox.telegram import TelegramSandbox
from tests.botdesk.processes import clean_env, web_env
from tests.e2e.test_relay_load import scaled_rates
from tests.fixtures.telegram_sandbox import DeskWorld

#: a killed process's leases pass on within this many seconds (and a second)
LEADER_TTL = 3
HEALTH_WAIT = 60.0


@dataclass
class DeskProcess:
    """One running ``botdesk run`` and where to reach it."""

    name: str
    port: int
    log: Path
    process: asyncio.subprocess.Process
    pid: int = field(init=False)

    def __post_init__(self) -> None:
        self.pid = self.process.pid

    @property
    def url(self) -> str:
        """The base URL of its web server."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        """Whether the process has not exited (nor been restarted: same object, same pid)."""
        return self.process.returncode is None

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as a crash or an OOM kill."""
        self.process.send_signal(signal.SIGKILL)


def desk_env(
    sb: TelegramSandbox,
    world: DeskWorld,
    *,
    name: str,
    database_url: str,
    redis_url: str,
    scale: float,
    group_slack: float = 0.0,
    **extra: str,
) -> dict[str, str]:
    """The environment of one replica: the shared desk settings, its own name and port.

    ``group_slack`` seconds lengthen the desk's group window beyond the sandbox's: at a
    fiftieth of Telegram's time the desk's 5 % margin is 60 ms, less than a loaded
    machine takes between a send's stamp and its arrival.
    """
    rates = scaled_rates(scale)
    rates["rate_group"] = f"20/{60.0 * scale + group_slack}"
    return clean_env(
        BOT_TOKEN=world.bot.token,
        OPERATOR_GROUP_ID=str(world.group.id),
        TELEGRAM_API_BASE=sb.base_url,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        INSTANCE_NAME=name,
        LEADER_TTL_SECONDS=str(LEADER_TTL),
        LOG_LEVEL="INFO",
        # these tests count the messages in each chat; the acknowledgement has tests of its own
        ACKNOWLEDGEMENT='{"enabled": false}',
        **{key.upper(): value for key, value in rates.items()},
        **extra,
    )


async def start_desk(env: dict[str, str], data: Path, port: int | None = None) -> DeskProcess:
    """Start ``botdesk run`` with ``env`` (and a free web port unless ``port`` is given)."""
    web = web_env() if port is None else {"WEB_HOST": "127.0.0.1", "WEB_PORT": str(port)}
    name = env["INSTANCE_NAME"]
    log = data / f"{name}.log"
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "botdesk",
            "run",
            cwd=data,
            env={**env, **web},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
    return DeskProcess(name, int(web["WEB_PORT"]), log, process)


async def start_desks(
    world: DeskWorld, names: list[str], database_url: str, redis_url: str, data: Path, scale: float
) -> list[DeskProcess]:
    """``botdesk run`` (long polling) under each name; returned once all are up and the
    desk has said its first words in the group."""
    desks = []
    try:
        for name in names:
            env = desk_env(
                world.sandbox,
                world,
                name=name,
                database_url=database_url,
                redis_url=redis_url,
                scale=scale,
            )
            desks.append(await start_desk(env, data))
        await healthy(desks)
    except BaseException:
        for desk in desks:
            desk.kill()
        raise
    return desks


async def get(url: str, timeout: float = 3.0) -> tuple[int, Any]:  # noqa: ASYNC109
    """GET ``url``: the status and the JSON body; (0, reason) when nothing answers."""
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as response,
        ):
            return response.status, await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return 0, repr(exc)


async def healthy(desks: Iterable[DeskProcess], within: float = HEALTH_WAIT) -> None:
    """Wait until each process answers /healthz; fail with its log if one exits first."""
    async with asyncio.timeout(within):
        for desk in desks:
            while (await get(desk.url + "/healthz"))[0] != 200:
                if not desk.running:
                    pytest.fail(f"{desk.name} exited with {desk.process.returncode}:\n{tail(desk)}")
                await asyncio.sleep(0.2)


async def all_ready(desks: Iterable[DeskProcess], within: float = 30.0) -> dict[str, Any]:
    """Wait until every process answers /readyz with 200; the last answers by name."""
    answers: dict[str, Any] = {}
    try:
        async with asyncio.timeout(within):
            for desk in desks:
                while True:
                    status, body = await get(desk.url + "/readyz", timeout=10.0)
                    answers[desk.name] = (status, body)
                    if status == 200:
                        break
                    await asyncio.sleep(0.5)
    except TimeoutError:
        pytest.fail(f"not ready: {answers}")
    return answers


async def stop_all(desks: Iterable[DeskProcess], within: float = 30.0) -> dict[str, int]:
    """SIGTERM every process still running (as docker stop does); their exit codes."""
    codes: dict[str, int] = {}
    living = [desk for desk in desks if desk.running]
    for desk in living:
        desk.process.send_signal(signal.SIGTERM)
    for desk in living:
        try:
            codes[desk.name] = await asyncio.wait_for(desk.process.wait(), within)
        except TimeoutError:
            desk.kill()
            codes[desk.name] = await desk.process.wait()
    return codes


def tail(desk: DeskProcess, lines: int = 40) -> str:
    """The last lines of a process's output."""
    text = desk.log.read_text(errors="replace") if desk.log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def logs(desks: Iterable[DeskProcess], lines: int = 40) -> str:
    """The last lines of every process's output, for an assertion message."""
    return "\n".join(f"--- {desk.name} (pid {desk.pid}) ---\n{tail(desk, lines)}" for desk in desks)


def grep(desks: Iterable[DeskProcess], *needles: str) -> list[str]:
    """The log lines of every process that contain any of ``needles``, prefixed by name."""
    found = []
    for desk in desks:
        for line in desk.log.read_text(errors="replace").splitlines():
            if any(needle in line for needle in needles):
                found.append(f"{desk.name}: {line}")
    return found
