"""Black box: ``botdesk run`` against ``botdesk sandbox`` keeps an SLA clock by itself.

Both are separate processes started the way an admin starts them: the sandbox from the
repository, the desk from the command line the sandbox prints, pasted into a shell in a
directory holding the admin's botdesk.toml. The test only talks to the sandbox's control
API over HTTP, as a customer and as someone looking at the operator group.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from tests.botdesk.processes import ROOT, clean_env, closed_port, read_until

# The issue's own numbers. The default calendar is open around the clock, so business
# hours would change nothing; saying false keeps the check independent of that default.
SLA_TOML = """
web_host = "127.0.0.1"
web_port = {port}

[sla]
warn_before = "10s"

[sla.normal]
first_response = "20s"
business_hours = false
"""
WITHIN = 40.0
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


async def get(http: aiohttp.ClientSession, url: str, **params: Any) -> Any:
    """The ``result`` of a control API GET."""
    async with http.get(url, params=params) as response:
        answer = await response.json()
        assert answer["ok"], answer
        return answer["result"]


async def topics(http: aiohttp.ClientSession, control: str, group: int) -> dict[str, int]:
    """The operator group's topics: name → message_thread_id."""
    world = await get(http, control)
    found = next(g for g in world["groups"] if g["id"] == group)
    return {t["name"]: t["message_thread_id"] for t in found["topics"]}


async def bot_texts(
    http: aiohttp.ClientSession, control: str, group: int, thread_id: int
) -> list[str]:
    """What the desk bot wrote in one topic of the group (no service messages)."""
    shown = await get(http, f"{control}/chats/{group}/messages", thread_id=thread_id)
    return [
        str(m.get("text") or m.get("caption") or "")
        for m in shown
        if m["sender_is_bot"] and not m["service"]
    ]


async def test_an_unanswered_ticket_gets_an_sla_warning_then_a_breach_notice(
    tmp_path: Path,
) -> None:
    (tmp_path / "botdesk.toml").write_text(SLA_TOML.format(port=closed_port()), encoding="utf-8")
    async with sandbox_process() as (summary, command), aiohttp.ClientSession() as http:
        # bash runs a single pasted command in its own place (exec): SIGTERM reaches botdesk
        desk = await asyncio.create_subprocess_exec(
            "bash", "-c", command,
            cwd=tmp_path, env=clean_env(), stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert desk.stderr is not None
        control, group = summary["control"], summary["operator_group_id"]
        log, rest = "", None
        try:
            log = await read_until(desk.stderr, " started: ")
            # read the log as it comes: a full pipe would stall the desk's logging
            rest = asyncio.create_task(desk.stderr.read())
            written = {
                "user_id": summary["customers"]["Alice"],
                "bot_id": int(summary["bot_token"].split(":")[0]),
                "text": "My order is late",
            }
            async with http.post(f"{control}/messages", json=written) as response:
                assert response.status == 200, await response.text()
            # nobody answers: within 40 s the customer's topic shows a warning, then a breach

            async def told() -> tuple[int, list[str]] | None:
                named = await topics(http, control, group)
                alice = next((i for name, i in named.items() if "Alice" in name), None)
                if alice is None:
                    return None
                shown = await bot_texts(http, control, group, alice)
                kinds = {t.split(":")[0] for t in shown if "SLA" in t}
                return (alice, shown) if kinds >= {"⏰ SLA warning", "🚨 SLA breached"} else None

            alice, _ = await eventually(told, WITHIN)

            # the one escalation line, in the Reports topic the desk made for managers
            async def escalated() -> list[str]:
                reports = (await topics(http, control, group)).get("📊 Reports")
                return [] if reports is None else await bot_texts(http, control, group, reports)

            lines = await eventually(escalated, 10)
            shown = await bot_texts(http, control, group, alice)
        finally:
            # SIGTERM, as docker stop and systemd send it
            if desk.returncode is None:
                desk.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(desk.wait(), 30)
            log += (await rest).decode() if rest is not None else ""
        assert code == 0, log
    assert "Traceback" not in log, log
    warning = [t for t in shown if t.startswith("⏰ SLA warning: ")]
    breach = [t for t in shown if t.startswith("🚨 SLA breached: ")]
    assert len(warning) == 1 and len(breach) == 1, shown
    assert warning[0].startswith("⏰ SLA warning: first response due at "), warning
    assert breach[0].startswith("🚨 SLA breached: first response was due at "), breach
    assert shown.index(warning[0]) < shown.index(breach[0]), shown
    assert len(lines) == 1, lines
    assert lines[0].startswith("🚨 SLA breached on #1 ("), lines
    assert "Alice" in lines[0], lines
    assert "first response" in lines[0], lines
