"""Black box: ``botdesk run`` with ``ASSIGNMENT=round_robin`` shares new tickets by itself.

The sandbox and the desk are separate processes, started as an admin starts them (see
:mod:`tests.botdesk.test_sla_blackbox`). Two operators say ``/online`` in the group, four
customers write, and nobody taps Take: each operator's name is on two cards.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import aiohttp

from tests.botdesk.processes import clean_env, closed_port, read_until
from tests.botdesk.test_sla_blackbox import eventually, get, sandbox_process, topics

WITHIN = 40.0


async def post(http: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> Any:
    """The ``result`` of a control API POST."""
    async with http.post(url, json=body) as response:
        answer = await response.json()
        assert response.status == 200 and answer["ok"], answer
        return answer["result"]


async def group_texts(
    http: aiohttp.ClientSession, control: str, group: int, thread_id: int | None = None
) -> list[str]:
    """What the desk bot shows in the group (one topic, or everywhere), newest edits included."""
    params = {} if thread_id is None else {"thread_id": thread_id}
    shown = await get(http, f"{control}/chats/{group}/messages", **params)
    return [str(m.get("text") or "") for m in shown if m["sender_is_bot"] and not m["service"]]


async def test_two_online_operators_get_two_new_tickets_each_without_taking(
    tmp_path: Path,
) -> None:
    async with sandbox_process() as (summary, command), aiohttp.ClientSession() as http:
        env = clean_env(WEB_PORT=str(closed_port()), ASSIGNMENT="round_robin")
        desk = await asyncio.create_subprocess_exec(
            "bash", "-c", command,
            cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert desk.stderr is not None
        control, group = summary["control"], summary["operator_group_id"]
        bot_id = int(summary["bot_token"].split(":")[0])
        log, rest = "", None
        try:
            log = await read_until(desk.stderr, " started: ")
            rest = asyncio.create_task(desk.stderr.read())
            operators = summary["operators"]
            for name in ("Ivan Agent", "Maria Senior"):
                said = {"user_id": operators[name], "chat_id": group, "text": "/online"}
                await post(http, f"{control}/messages", said)

            async def both_online() -> bool:
                texts = await group_texts(http, control, group)
                return sum("You are online" in t for t in texts) == 2

            await eventually(both_online, WITHIN)
            customers = dict(summary["customers"])
            dana = await post(http, f"{control}/users", {"first_name": "Dana"})
            customers["Dana"] = dana["id"]
            for name, user_id in customers.items():
                written = {"user_id": user_id, "bot_id": bot_id, "text": f"Help, {name} here"}
                await post(http, f"{control}/messages", written)

            async def cards() -> list[str] | None:
                named = await topics(http, control, group)
                found = []
                for customer in customers:
                    thread = next((i for n, i in named.items() if customer in n), None)
                    if thread is None:
                        return None
                    card = [t for t in await group_texts(http, control, group, thread) if "#" in t]
                    assignee = [t for t in card if "Assignee:" in t and "Assignee: —" not in t]
                    if not assignee:
                        return None
                    found.append(assignee[0])
                return found

            shown = await eventually(cards, WITHIN)
        finally:
            if desk.returncode is None:
                desk.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(desk.wait(), 30)
            log += (await rest).decode() if rest is not None else ""
        assert code == 0, log
    assert "Traceback" not in log, log
    assert sum("Assignee: Ivan Agent" in card for card in shown) == 2, shown
    assert sum("Assignee: Maria Senior" in card for card in shown) == 2, shown
