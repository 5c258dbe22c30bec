"""The operator group's turn: a send held back is neither claimed nor counted, and goes
once the turn comes; other destinations go on meanwhile."""

from __future__ import annotations

import asyncio

from core.enums import DestinationKind
from core.outbox import OutboxWorker
from core.outbox.budgets import Budgets, Rate
from tests.core.outbox.test_outbox_support import CLOCK, FAST, Recorder, all_done, put, until

GROUP = "tg:-100"


async def test_a_group_send_waits_for_its_turn_and_others_go(db: str) -> None:
    op = Recorder()
    await put("tg:topic:1", "topic", budget_key=GROUP)
    await put("tg:private:5", "private", kind=DestinationKind.TELEGRAM_PRIVATE)
    open_ = asyncio.Event()
    asked: list[bool] = []

    async def group_turn() -> bool:
        asked.append(open_.is_set())
        return open_.is_set()

    # one group send a minute: had a held-back pass counted it, the send would wait
    budgets = Budgets(
        telegram_group=Rate(1, 60.0),
        telegram_private=Rate(100, 1.0),
        telegram_channel=Rate(100, 1.0),
    )
    worker = OutboxWorker(
        {"send": op}, clock=CLOCK, budgets=budgets, settings=FAST, group_turn=group_turn
    )
    await worker.start()
    try:
        await until(all_done("private"))
        await asyncio.sleep(0.3)
        assert op.sent() == ["private"]
        assert asked and not any(asked)  # asked for the group only, and held back
        open_.set()
        await until(all_done("topic"), within=2.0)  # looked at again within a second
    finally:
        await worker.stop(grace=5.0)
    assert op.sent() == ["private", "topic"]
