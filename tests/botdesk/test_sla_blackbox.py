"""Black box: ``botdesk run`` against ``botdesk sandbox`` keeps an SLA clock by itself.

Both are separate processes started the way an admin starts them (see
:mod:`tests.botdesk.blackbox`); the test only talks to the sandbox's control API.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.botdesk.blackbox import (
    bot_texts,
    customer_writes,
    desk_process,
    eventually,
    sandbox_process,
    topic_named,
    topics,
)
from tests.botdesk.processes import closed_port

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


async def test_an_unanswered_ticket_gets_an_sla_warning_then_a_breach_notice(
    tmp_path: Path,
) -> None:
    (tmp_path / "botdesk.toml").write_text(SLA_TOML.format(port=closed_port()), encoding="utf-8")
    async with sandbox_process() as (summary, command), aiohttp.ClientSession() as http:
        control, group = summary["control"], summary["operator_group_id"]
        async with desk_process(command, tmp_path):
            await customer_writes(http, summary, summary["customers"]["Alice"], "My order is late")
            # nobody answers: within 40 s the customer's topic shows a warning, then a breach

            async def told() -> tuple[int, list[str]] | None:
                alice = await topic_named(http, control, group, "Alice")
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
