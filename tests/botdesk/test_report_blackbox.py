"""Black box: ``botdesk run`` against ``botdesk sandbox`` answers an admin's ``/report``.

Both are separate processes, started as an admin starts them (see
:mod:`tests.botdesk.test_sla_blackbox`); the test talks to the sandbox's control API
only: as a customer, as an operator answering in the topic, and as the admin asking for
the day's report in General.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import aiohttp

from tests.botdesk.processes import clean_env, closed_port, read_until
from tests.botdesk.test_sla_blackbox import eventually, get, sandbox_process, topics

WITHIN = 30.0


async def say(http: aiohttp.ClientSession, control: str, body: dict[str, Any]) -> None:
    """Post one message through the control API."""
    async with http.post(f"{control}/messages", json=body) as response:
        assert response.status == 200, await response.text()


async def test_an_admins_report_brings_a_photo(tmp_path: Path) -> None:
    port = closed_port()
    toml = f'web_host = "127.0.0.1"\nweb_port = {port}\n'
    (tmp_path / "botdesk.toml").write_text(toml, encoding="utf-8")
    async with sandbox_process() as (summary, command), aiohttp.ClientSession() as http:
        control, group = summary["control"], summary["operator_group_id"]
        olga = summary["operators"]["Olga Manager"]
        ivan = summary["operators"]["Ivan Agent"]
        env = clean_env(ADMIN_IDS=str(olga), WEB_PORT=str(port))
        desk = await asyncio.create_subprocess_exec(
            "bash", "-c", command,
            cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert desk.stderr is not None
        log, rest = "", None
        try:
            log = await read_until(desk.stderr, " started: ")
            rest = asyncio.create_task(desk.stderr.read())
            bot_id = int(summary["bot_token"].split(":")[0])
            alice = summary["customers"]["Alice"]
            await say(http, control, {"user_id": alice, "bot_id": bot_id, "text": "Where is it?"})

            async def alice_topic() -> int | None:
                named = await topics(http, control, group)
                return next((i for name, i in named.items() if "Alice" in name), None)

            thread = await eventually(alice_topic, WITHIN)
            answer = {"user_id": ivan, "chat_id": group, "thread_id": thread, "text": "On its way"}
            await say(http, control, answer)

            async def delivered() -> bool:
                shown = await get(http, f"{control}/chats/{alice}/messages", bot_id=bot_id)
                return any(m.get("text") == "On its way" for m in shown)

            await eventually(delivered, WITHIN)
            await say(http, control, {"user_id": olga, "chat_id": group, "text": "/report today"})

            async def photo() -> dict[str, Any] | None:
                shown = await get(http, f"{control}/chats/{group}/messages")
                return next((m for m in shown if m["sender_is_bot"] and m["type"] == "photo"), None)

            report = await eventually(photo, WITHIN)
        finally:
            if desk.returncode is None:
                desk.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(desk.wait(), 30)
            log += (await rest).decode() if rest is not None else ""
        assert code == 0, log
    assert "Traceback" not in log, log
    caption = report.get("caption") or ""
    assert caption.startswith("📊 Report for "), report
    assert "New: 1 · resolved: 0 · reopened: 0" in caption, caption
    assert "First response: median " in caption and "First response: —" not in caption, caption
