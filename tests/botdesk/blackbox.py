"""Black-box checks: ``botdesk sandbox`` and ``botdesk run`` as an admin starts them.

Both run as separate processes: the sandbox from the repository, the desk from the
command line the sandbox prints, pasted into a shell in a directory holding the admin's
botdesk.toml. A test talks only to the sandbox's control API over HTTP, as a customer, as
an operator and as someone looking at the operator group.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from tests.botdesk.processes import ROOT, clean_env, read_until

T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T | None]], within: float) -> T:
    """Ask ``probe`` twice a second until its answer is truthy; fail after ``within`` s."""
    async with asyncio.timeout(within):
        while True:
            answer = await probe()
            if answer:
                return answer
            await asyncio.sleep(0.5)


@asynccontextmanager
async def sandbox_process() -> AsyncIterator[tuple[dict[str, Any], str]]:
    """``botdesk sandbox``: its printed summary (ids, addresses) and ``botdesk run`` line."""
    sandbox = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "botdesk", "sandbox", "--no-limits",
        cwd=ROOT, env=clean_env(), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert sandbox.stdout is not None
    try:
        printed = await read_until(sandbox.stdout, "Ctrl-C stops it.")
        summary = json.loads(printed[printed.index("{") : printed.rindex("}") + 1])
        command = re.search(r"^\s+(TELEGRAM_API_BASE=.* run)$", printed, re.MULTILINE)
        assert command, printed
        yield summary, command.group(1)
    finally:
        sandbox.send_signal(signal.SIGINT)
        await asyncio.wait_for(sandbox.wait(), 30)


@dataclass
class DeskRun:
    """A running ``botdesk run``: what it has logged so far (all of it once it stopped)."""

    log: str = ""
    code: int | None = None
    _rest: asyncio.Task[bytes] | None = field(default=None, repr=False)


@asynccontextmanager
async def desk_process(command: str, cwd: Path, **env: str) -> AsyncIterator[DeskRun]:
    """``command`` (the sandbox's ``botdesk run`` line) in a shell, until the block ends.

    Yields once the desk logged its start line; at the end SIGTERM (as docker stop and
    systemd send it) must stop it cleanly: exit 0 and no traceback in its log.
    """
    # bash runs a single pasted command in its own place (exec): SIGTERM reaches botdesk
    desk = await asyncio.create_subprocess_exec(
        "bash", "-c", command,
        cwd=cwd, env=clean_env(**env), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert desk.stderr is not None
    run = DeskRun()
    try:
        run.log = await read_until(desk.stderr, " started: ")
        # read the log as it comes: a full pipe would stall the desk's logging
        run._rest = asyncio.create_task(desk.stderr.read())
        yield run
    finally:
        if desk.returncode is None:
            desk.send_signal(signal.SIGTERM)
        run.code = await asyncio.wait_for(desk.wait(), 30)
        run.log += (await run._rest).decode() if run._rest is not None else ""
    assert run.code == 0, run.log
    assert "Traceback" not in run.log, run.log


async def get(http: aiohttp.ClientSession, url: str, **params: Any) -> Any:
    """The ``result`` of a control API GET."""
    async with http.get(url, params=params) as response:
        answer = await response.json()
        assert answer["ok"], answer
        return answer["result"]


async def post(http: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> Any:
    """The ``result`` of a control API POST."""
    async with http.post(url, json=body) as response:
        answer = await response.json()
        assert response.status == 200 and answer["ok"], answer
        return answer["result"]


async def customer_writes(
    http: aiohttp.ClientSession, summary: dict[str, Any], user_id: int, text: str
) -> None:
    """Customer ``user_id`` writes ``text`` to the desk's bot."""
    bot_id = int(summary["bot_token"].split(":")[0])
    written = {"user_id": user_id, "bot_id": bot_id, "text": text}
    await post(http, f"{summary['control']}/messages", written)


async def topics(http: aiohttp.ClientSession, control: str, group: int) -> dict[str, int]:
    """The operator group's topics: name → message_thread_id."""
    world = await get(http, control)
    found = next(g for g in world["groups"] if g["id"] == group)
    return {t["name"]: t["message_thread_id"] for t in found["topics"]}


async def topic_named(
    http: aiohttp.ClientSession, control: str, group: int, part: str
) -> int | None:
    """The thread id of the first topic whose name holds ``part`` (a customer's name)."""
    named = await topics(http, control, group)
    return next((i for name, i in named.items() if part in name), None)


async def bot_texts(
    http: aiohttp.ClientSession, control: str, group: int, thread_id: int | None = None
) -> list[str]:
    """What the desk bot shows in one topic of the group (or everywhere), newest edits in."""
    params = {} if thread_id is None else {"thread_id": thread_id}
    shown = await get(http, f"{control}/chats/{group}/messages", **params)
    return [
        str(m.get("text") or m.get("caption") or "")
        for m in shown
        if m["sender_is_bot"] and not m["service"]
    ]
