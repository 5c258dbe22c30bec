"""Black box: ``/task in 20 seconds call back`` in a topic brings its reminder by itself.

``botdesk sandbox`` and ``botdesk run`` are separate processes, started as an admin starts
them; the test talks only to the sandbox's control API, as a customer and as an operator.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import aiohttp

from tests.botdesk.processes import clean_env, closed_port, read_until
from tests.botdesk.test_sla_blackbox import bot_texts, eventually, sandbox_process, topics

TOML = """
web_host = "127.0.0.1"
web_port = {port}
"""
WITHIN = 40.0


async def test_a_task_written_in_a_topic_is_reminded_there(tmp_path: Path) -> None:
    (tmp_path / "botdesk.toml").write_text(TOML.format(port=closed_port()), encoding="utf-8")
    async with sandbox_process() as (summary, command), aiohttp.ClientSession() as http:
        desk = await asyncio.create_subprocess_exec(
            "bash", "-c", command,
            cwd=tmp_path, env=clean_env(), stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert desk.stderr is not None
        control, group = summary["control"], summary["operator_group_id"]
        operator = next(iter(summary["operators"].values()))
        log, rest = "", None
        try:
            log = await read_until(desk.stderr, " started: ")
            rest = asyncio.create_task(desk.stderr.read())
            written = {
                "user_id": summary["customers"]["Alice"],
                "bot_id": int(summary["bot_token"].split(":")[0]),
                "text": "Please call me",
            }
            async with http.post(f"{control}/messages", json=written) as response:
                assert response.status == 200, await response.text()

            async def alice_topic() -> int | None:
                named = await topics(http, control, group)
                return next((i for name, i in named.items() if "Alice" in name), None)

            thread = await eventually(alice_topic, 20)
            task = {
                "user_id": operator,
                "chat_id": group,
                "thread_id": thread,
                "text": "/task in 20 seconds call back",
            }
            async with http.post(f"{control}/messages", json=task) as response:
                assert response.status == 200, await response.text()

            async def reminded() -> list[str]:
                shown = await bot_texts(http, control, group, thread)
                return [t for t in shown if t.startswith("⏰") and "call back" in t]

            reminder = await eventually(reminded, WITHIN)
            shown = await bot_texts(http, control, group, thread)
        finally:
            if desk.returncode is None:
                desk.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(desk.wait(), 30)
            log += (await rest).decode() if rest is not None else ""
        assert code == 0, log
    assert "Traceback" not in log, log
    assert any(t.startswith("📌 call back — ") for t in shown), shown
    assert len(reminder) == 1, shown
