"""A task's reminder buttons in the group: the owner's Done works, someone else is refused."""

from __future__ import annotations

from sandbox.telegram import MessageView, Topic
from tests.e2e.conftest import command, in_topic, opened, until
from tests.fixtures.telegram_sandbox import DeskWorld


def reminder_in(world: DeskWorld, topic: Topic) -> MessageView | None:
    return next((m for m in in_topic(world, topic) if m.sender_is_bot and "⏰" in m.body), None)


async def test_someone_elses_press_is_refused_and_the_owners_done_works(
    admin_desk: DeskWorld,
) -> None:
    world, sb, ivan = admin_desk, admin_desk.sandbox, admin_desk.operator
    petr = sb.create_user("Petr", username="petr_agent")
    sb.add_member(world.group, petr)
    topic = await opened(world, "Please call me")
    answer = await command(world, ivan, "/task in 2 seconds call back", topic)
    assert answer.body.startswith("📌 call back — ")
    reminder = await until(sb, lambda: reminder_in(world, topic), timeout=20)
    assert "call back" in reminder.body

    [data] = [b.callback_data for row in reminder.buttons for b in row if b.text == "✅ Done"]
    refused = await sb.wait_answer(sb.press_button(petr, reminder, text="✅ Done"), timeout=10)
    assert refused.show_alert
    done = await sb.wait_answer(sb.press_button(ivan, reminder, text="✅ Done"), timeout=10)
    assert not done.show_alert
    await until(
        sb, lambda: any(m.body.startswith("✅ Done: call back") for m in in_topic(world, topic))
    )
    # a press on the old button after Done (a stale client) is told, not set aside
    late = await sb.wait_answer(sb.press_button(ivan, reminder, data=data, forge=True), timeout=10)
    assert late.show_alert
