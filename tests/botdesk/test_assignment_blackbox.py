"""Black box: ``botdesk run`` with ``ASSIGNMENT=round_robin`` shares new tickets by itself.

The sandbox and the desk are separate processes, started as an admin starts them (see
:mod:`tests.botdesk.blackbox`). Two operators say ``/online`` in the group, four
customers write, and nobody taps Take: each operator's name is on two cards.
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


async def test_two_online_operators_get_two_new_tickets_each_without_taking(
    tmp_path: Path,
) -> None:
    async with sandbox_process() as (summary, command), aiohttp.ClientSession() as http:
        control, group = summary["control"], summary["operator_group_id"]
        port = str(closed_port())
        async with desk_process(command, tmp_path, WEB_PORT=port, ASSIGNMENT="round_robin"):
            operators = summary["operators"]
            for name in ("Ivan Agent", "Maria Senior"):
                said = {"user_id": operators[name], "chat_id": group, "text": "/online"}
                await post(http, f"{control}/messages", said)

            async def both_online() -> bool:
                texts = await bot_texts(http, control, group)
                return sum("You are online" in t for t in texts) == 2

            await eventually(both_online, WITHIN)
            customers = dict(summary["customers"])
            dana = await post(http, f"{control}/users", {"first_name": "Dana"})
            customers["Dana"] = dana["id"]
            for name, user_id in customers.items():
                await customer_writes(http, summary, user_id, f"Help, {name} here")

            async def cards() -> list[str] | None:
                found = []
                for customer in customers:
                    thread = await topic_named(http, control, group, customer)
                    if thread is None:
                        return None
                    card = [t for t in await bot_texts(http, control, group, thread) if "#" in t]
                    assignee = [t for t in card if "Assignee:" in t and "Assignee: —" not in t]
                    if not assignee:
                        return None
                    found.append(assignee[0])
                return found

            shown = await eventually(cards, WITHIN)
    assert sum("Assignee: Ivan Agent" in card for card in shown) == 2, shown
    assert sum("Assignee: Maria Senior" in card for card in shown) == 2, shown
