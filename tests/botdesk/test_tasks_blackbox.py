"""Black box: ``/task in 20 seconds call back`` in a topic brings its reminder by itself.

``botdesk sandbox`` and ``botdesk run`` are separate processes, started as an admin starts
them (see :mod:`tests.botdesk.blackbox`); the test talks only to the sandbox's control
API, as a customer and as an operator.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.botdesk.blackbox import (
    bot_texts,
    customer_writes,
    desk_process,
    eventually,
    post,
    sandbox_process,
    topic_named,
)
from tests.botdesk.processes import closed_port

WITHIN = 40.0


async def test_a_task_written_in_a_topic_is_reminded_there(tmp_path: Path) -> None:
    async with sandbox_process() as (summary, command), aiohttp.ClientSession() as http:
        control, group = summary["control"], summary["operator_group_id"]
        operator = next(iter(summary["operators"].values()))
        async with desk_process(command, tmp_path, WEB_PORT=str(closed_port())):
            await customer_writes(http, summary, summary["customers"]["Alice"], "Please call me")

            async def alice_topic() -> int | None:
                return await topic_named(http, control, group, "Alice")

            thread = await eventually(alice_topic, 20)
            task = {
                "user_id": operator,
                "chat_id": group,
                "thread_id": thread,
                "text": "/task in 20 seconds call back",
            }
            await post(http, f"{control}/messages", task)

            async def reminded() -> list[str]:
                shown = await bot_texts(http, control, group, thread)
                return [t for t in shown if t.startswith("⏰") and "call back" in t]

            reminder = await eventually(reminded, WITHIN)
            shown = await bot_texts(http, control, group, thread)
    assert any(t.startswith("📌 call back — ") for t in shown), shown
    assert len(reminder) == 1, shown
