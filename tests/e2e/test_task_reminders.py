"""A task's reminder across a crash, and its buttons, with ``botdesk run`` as a process.

The desk is killed after ``/task`` was answered and before the reminder is due, stays
down past the due time and is started again: the reminder comes then, once; a further
restart tells nothing again. The owner's Done works (refusals: tests/core/tickets).
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from sandbox.telegram import MessageView, Topic
from tests.e2e.conftest import in_topic, opened, until, welcomed
from tests.e2e.test_sla_restart import desk_process
from tests.fixtures.telegram_sandbox import DeskWorld

WAIT = 20.0


def reminders(world: DeskWorld, topic: Topic) -> list[MessageView]:
    """The task reminders the topic shows."""
    return [
        m for m in in_topic(world, topic) if m.sender_is_bot and m.body.startswith("⏰ Reminder")
    ]


async def test_a_reminder_due_while_down_comes_once_after_the_restart_and_done_works(
    desk_world: DeskWorld, tmp_path: Path
) -> None:
    sb, world = desk_world.sandbox, desk_world
    (tmp_path / "botdesk.toml").write_text("", encoding="utf-8")
    async with desk_process(sb, world, tmp_path) as app:
        await welcomed(world)
        topic = await opened(world, "Please call me")
        sb.send_text(world.operator, world.group, "/task in 8 seconds call back", topic=topic)
        answer = await until(
            sb,
            lambda: next(
                (m for m in in_topic(world, topic) if m.body.startswith("📌 call back — ")), None
            ),
            timeout=WAIT,
        )
        assert [b.text for row in answer.buttons for b in row] == ["✓", "✏"]
        app.send_signal(signal.SIGKILL)
        await app.wait()
    assert reminders(world, topic) == []
    await asyncio.sleep(9)  # past the due time, while the desk is down
    assert reminders(world, topic) == []

    async with desk_process(sb, world, tmp_path):
        reminder = await until(sb, lambda: next(iter(reminders(world, topic)), None), timeout=WAIT)
        assert "call back" in reminder.body
        assert [b.text for row in reminder.buttons for b in row] == ["✅ Done", "+1 h", "Tomorrow"]
        record = sb.press_button(world.operator, reminder, text="✅ Done")
        done = await sb.wait_answer(record, timeout=10)
        assert not done.show_alert
        await until(
            sb,
            lambda: any(m.body.startswith("✅ Done: call back") for m in in_topic(world, topic)),
            timeout=WAIT,
        )
    async with desk_process(sb, world, tmp_path):
        await asyncio.sleep(3)
    # the one reminder, now edited to say it is done; nothing was reminded again
    told = [m for m in in_topic(world, topic) if "call back" in m.body and m.sender_is_bot]
    # a /task redelivered after the kill is still one task (and, once answered, not
    # answered again)
    assert all(m.body.startswith(("📌 call back", "✅ Done")) for m in told), told
    assert reminders(world, topic) == [] and sum(m.body.startswith("✅ Done") for m in told) == 1
