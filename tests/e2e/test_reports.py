"""/report and /export in the operator group, as managers meet them, against the sandbox."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from core.durations import human_span
from core.models import Ticket
from core.reports.export import EVENT_COLUMNS, OPERATOR_COLUMNS, TICKET_COLUMNS
from sandbox.telegram import MessageView, User
from tests.e2e.conftest import command, general, opened, received, shown, topic_of, until
from tests.e2e.test_card_buttons import labels, press
from tests.e2e.test_closing_loop import RATE, resolve
from tests.fixtures.telegram_sandbox import DeskWorld

PNG = b"\x89PNG\r\n\x1a\n"
PROMPT = "Thank you! If you like, tell us more in your next message."


def report_in(world: DeskWorld, message_id: int) -> MessageView:
    """The report message ``message_id`` as General shows it now."""
    return next(m for m in general(world) if m.message_id == message_id)


async def scripted_day(world: DeskWorld) -> tuple[Ticket, User]:
    """Alice and Bob write; Ivan answers Alice, resolves her ticket; she rates it 2 ⭐."""
    sb, ivan = world.sandbox, world.operator
    alice_topic = await opened(world, "Hello, my order is late")
    bob = sb.create_user("Bob", username="bob_c")
    sb.send_text(bob, world.bot, "Hi there")
    await topic_of(world, bob)
    sb.send_text(ivan, world.group, "It is on its way", topic=alice_topic)
    await received(world, "It is on its way")
    ticket = await resolve(world, alice_topic)
    ask = await received(world, RATE.format(n=ticket.number))
    await sb.wait_answer(sb.press_button(world.customer, ask, text="2 ⭐"))
    await shown(world, alice_topic, f"⭐ The customer rated #{ticket.number}: ★★☆☆☆ (2/5)")
    return await Ticket.get(id=ticket.id), bob


async def test_report_shows_the_day_and_its_buttons_switch_period_and_view(
    admin_desk: DeskWorld,
) -> None:
    world, sb, olga, ivan = admin_desk, admin_desk.sandbox, admin_desk.owner, admin_desk.operator
    ticket, _ = await scripted_day(world)
    assert ticket.first_response_seconds is not None

    report = await command(world, olga, "/report today")
    assert report.type == "photo" and report.files
    assert sb.file_bytes(report.files[0].file_id).startswith(PNG)
    text = report.body
    assert text.startswith("📊 Report for ")
    day = text.splitlines()[0].removeprefix("📊 Report for ")
    assert "New: 2 · resolved: 1 · reopened: 0" in text
    assert "Backlog: 1 open, 1 unassigned" in text  # Bob's ticket, nobody took it
    assert "Waiting longest: #" in text
    first = human_span(timedelta(seconds=ticket.first_response_seconds), "en")
    assert f"First response: median {first}, p90 {first}" in text
    assert "CSAT: 2 from 1 ratings (1★ 0 · 2★ 1 · 3★ 0 · 4★ 0 · 5★ 0)" in text
    assert "Rated: 100% of the resolved tickets" in text
    assert f"#{ticket.number} 2★" in text  # the low rating, linked to its topic
    assert labels(report) == [
        "• Today", "Yesterday", "Week", "Month", "• Summary", "Operators", "Tags"
    ]  # fmt: skip

    # Operators: the same message now shows who did what
    answer = await press(world, olga, report, "Operators")
    assert not answer.show_alert
    shown_now = await until(
        sb, lambda: (m := report_in(world, report.message_id)).body.startswith("👤") and m
    )
    assert shown_now.type == "photo" and shown_now.files[0].file_id != report.files[0].file_id
    assert f"👤 Operators, {day}" in shown_now.body
    assert "• Ivan: assigned 1, replies 1, resolved 1, first response" in shown_now.body
    # Week: the period changes, the view stays
    await press(world, olga, shown_now, "Week")
    week = await until(
        sb, lambda: (m := report_in(world, report.message_id)).body.count("..") and m
    )
    assert week.body.startswith("👤 Operators, ") and week.body.splitlines()[0].endswith(day)
    assert "• Week" in labels(week) and "• Operators" in labels(week)
    await press(world, olga, week, "Tags")
    tags = await until(
        sb, lambda: (m := report_in(world, report.message_id)).body.startswith("🏷") and m
    )
    assert "• Telegram: new 2, resolved 1" in tags.body

    # An agent may neither ask for a report nor press its buttons
    refused = await command(world, ivan, "/report today")
    assert refused.body == "⛔ Reports are for managers and admins."
    pressed = await press(world, ivan, tags, "Summary")
    assert pressed.show_alert and pressed.answer_text == "⛔ Reports are for managers and admins."
    assert report_in(world, report.message_id).body.startswith("🏷")

    unreadable = await command(world, olga, "/report someday")
    assert unreadable.body.startswith("“someday” is not a period. Try one of: today, yesterday")


async def test_export_sends_the_documented_csv_files(admin_desk: DeskWorld) -> None:
    world, sb, olga = admin_desk, admin_desk.sandbox, admin_desk.owner
    ticket, _ = await scripted_day(world)

    before = len(general(world))
    sb.send_text(olga, world.group, "/export today")

    def documents() -> list[MessageView] | None:
        sent = [m for m in general(world)[before:] if m.sender_is_bot and m.type == "document"]
        return sent if len(sent) == 3 else None

    sent = await until(sb, documents)
    tables = {}
    for message in sent:
        name = message.files[0].file_name or ""
        data = sb.file_bytes(message.files[0].file_id).decode("utf-8-sig")
        tables[name.split("_", 1)[0]] = list(csv.DictReader(io.StringIO(data)))
        assert name.endswith(".csv")
    assert set(tables) == {"tickets", "events", "operators"}
    assert [tuple(rows[0]) for rows in tables.values()] == [
        TICKET_COLUMNS, EVENT_COLUMNS, OPERATOR_COLUMNS
    ]  # fmt: skip
    rows = {int(row["number"]): row for row in tables["tickets"]}
    assert len(rows) == 2 and rows[ticket.number]["status"] == "resolved"
    assert rows[ticket.number]["assignee"] == "Ivan" and rows[ticket.number]["csat_score"] == "2"
    assert {"opened", "assigned", "rated"} <= {row["kind"] for row in tables["events"]}
    ivan = next(row for row in tables["operators"] if row["operator"] == "Ivan")
    assert (ivan["replies"], ivan["resolved"]) == ("1", "1")

    refused = await command(world, world.operator, "/export today")
    assert refused.body == "⛔ Reports are for managers and admins."


async def test_a_long_report_comes_as_a_photo_and_a_text_redrawn_together(
    admin_desk: DeskWorld,
) -> None:
    world, sb, olga = admin_desk, admin_desk.sandbox, admin_desk.owner
    complaint = "The parcel came broken and nobody called me back. " * 5
    for name in ("Alice", "Bob", "Carol", "Dan"):
        customer = world.customer if name == "Alice" else sb.create_user(name)
        sb.send_text(customer, world.bot, f"Help, {name} here")
        topic = await topic_of(world, customer)
        await shown(world, topic, f"Help, {name} here")
        ticket = await resolve(world, topic)
        ask = await received(world, RATE.format(n=ticket.number), customer)
        await sb.wait_answer(sb.press_button(customer, ask, text="1 ⭐"))
        await received(world, PROMPT, customer)
        sb.send_text(customer, world.bot, complaint)
        await shown(world, topic, f"💬 Comment on the rating of #{ticket.number}: {complaint}")

    before = len(general(world))
    sb.send_text(olga, world.group, "/report today")

    def answered() -> list[MessageView] | None:
        mine = [m for m in general(world)[before:] if m.sender_is_bot]
        return mine if len(mine) == 2 else None

    photo, text = await until(sb, answered)
    assert photo.type == "photo" and not photo.caption and not photo.buttons
    assert text.reply_to == photo.message_id and len(text.body) > 1024
    assert text.body.count("1★ «The parcel came broken") == 4
    # a low rating's comment reopens its ticket
    assert "New: 4 · resolved: 0 · reopened: 4" in text.body
    assert "• Summary" in labels(text)

    await press(world, olga, text, "Operators")
    redrawn = await until(
        sb, lambda: (m := report_in(world, text.message_id)).body.startswith("👤") and m
    )
    assert "• Ivan: assigned 4, replies 0, resolved 0" in redrawn.body
    chart = await until(
        sb,
        lambda: (
            (m := report_in(world, photo.message_id)).files[0].file_id != photo.files[0].file_id
            and m
        ),
    )
    assert chart.type == "photo"
    assert len([m for m in general(world)[before:] if m.sender_is_bot]) == 2  # nothing new
