"""The worker counts a send from where it landed: a slow send pushes the next one back.

The recorder's run stands for the request: the messenger counts the send somewhere
between the run's start and its end, so the next send into the chat may start one
window after the end (less the window's slack), not one window after the claim.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.outbox import Job
from core.outbox.budgets import Budgets, Rate
from tests.core.outbox.test_outbox_support import Recorder, all_done, put, running, until

# one send a second into the group; kept over 1.05 s, 0.05 s of slack
ONE_A_SECOND = Budgets(telegram_group=Rate(1, 1.0), telegram_channel=Rate(1000, 1.0))


def slow_first(jobs: Sequence[Job]) -> float:
    """The first send takes 0.4 s (a request delayed on its way); the rest none."""
    return 0.4 if jobs[0].payload["n"] == "a0" else 0.0


async def test_the_next_send_waits_a_window_after_a_slow_one_landed(db: str) -> None:
    op = Recorder(delay=slow_first)
    for name in ("a0", "b0"):  # two topics of one group: one budget
        await put(f"tg:topic:{name[0]}", name, budget_key="tg:-100")
    async with running({"send": op}, budgets=ONE_A_SECOND):
        await until(all_done("a0", "b0"), within=5.0)
    first, second = op.runs
    assert first.names == ("a0",)
    # counted from its claim, b0 would start 1.05 s after a0 started: 0.65 s after a0
    # was answered, which a server that saw a0 late would count inside one window
    assert second.started - first.finished >= 0.95
