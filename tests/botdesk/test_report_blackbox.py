"""Black box: ``botdesk run`` against ``botdesk sandbox`` answers an admin's ``/report``.

Both are separate processes, started as an admin starts them (see
:mod:`tests.botdesk.blackbox`); the test talks to the sandbox's control API only: as a
customer, as an operator answering in the topic, and as the admin asking for the day's
report in General.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from tests.botdesk.blackbox import (
    customer_writes,
    desk_process,
    eventually,
    get,
    post,
    sandbox_process,
    topic_named,
)
from tests.botdesk.processes import closed_port

WITHIN = 30.0


async def test_an_admins_report_brings_a_photo(tmp_path: Path) -> None:
    async with sandbox_process() as (summary, command), aiohttp.ClientSession() as http:
        control, group = summary["control"], summary["operator_group_id"]
        olga = summary["operators"]["Olga Manager"]
        ivan = summary["operators"]["Ivan Agent"]
        env = {"ADMIN_IDS": str(olga), "WEB_PORT": str(closed_port())}
        async with desk_process(command, tmp_path, **env):
            alice = summary["customers"]["Alice"]
            await customer_writes(http, summary, alice, "Where is it?")

            async def alice_topic() -> int | None:
                return await topic_named(http, control, group, "Alice")

            thread = await eventually(alice_topic, WITHIN)
            answer = {"user_id": ivan, "chat_id": group, "thread_id": thread, "text": "On its way"}
            await post(http, f"{control}/messages", answer)
            bot_id = int(summary["bot_token"].split(":")[0])

            async def delivered() -> bool:
                shown = await get(http, f"{control}/chats/{alice}/messages", bot_id=bot_id)
                return any(m.get("text") == "On its way" for m in shown)

            await eventually(delivered, WITHIN)
            asked = {"user_id": olga, "chat_id": group, "text": "/report today"}
            await post(http, f"{control}/messages", asked)

            async def photo() -> dict[str, Any] | None:
                shown = await get(http, f"{control}/chats/{group}/messages")
                return next((m for m in shown if m["sender_is_bot"] and m["type"] == "photo"), None)

            report = await eventually(photo, WITHIN)
    caption = report.get("caption") or ""
    assert caption.startswith("📊 Report for "), report
    assert "New: 1 · resolved: 0 · reopened: 0" in caption, caption
    assert "First response: median " in caption and "First response: —" not in caption, caption
