"""Presses a modified client can send: each is answered, changes nothing, stops nothing.

A press whose handling raised used to stop the desk: the update was retried forever and
every customer message behind it waited. Here an attacker (or a stale button) sends
damaged, out-of-range and foreign data through the sandbox's forged press, and every
test ends with the proof that matters: the customer's next message still reaches its
topic.
"""

from __future__ import annotations

import os
import random
from typing import Any

from core.enums import Channel, EventKind, TicketStatus
from core.models import Conversation, Customer, Event, Ticket
from sandbox.telegram import MessageView, Topic, User
from tests.e2e.conftest import WAIT, command, general, opened, received, shown, until
from tests.e2e.test_card_buttons import card_of, card_shows, labels, press
from tests.e2e.test_closing_loop import RATE, resolve
from tests.fixtures.telegram_sandbox import DeskWorld

NOT_VALID = "This button is no longer valid."


async def forged(world: DeskWorld, user: User, message: MessageView, data: str) -> Any:
    """``user`` sends ``data`` as a press on ``message``; return the answered record."""
    record = world.sandbox.press_button(user, message, data=data, forge=True)
    return await world.sandbox.wait_answer(record, timeout=WAIT)


async def still_relays(world: DeskWorld, topic: Topic, text: str) -> None:
    """The customer's next message reaches ``topic``: nothing is stuck behind a press."""
    world.sandbox.send_text(world.customer, world.bot, text)
    await shown(world, topic, text)


async def test_malformed_card_presses_are_answered_and_change_nothing(
    admin_desk: DeskWorld,
) -> None:
    world, olga = admin_desk, admin_desk.owner
    topic = await opened(world)
    card = await card_of(world, topic)
    number = (await Ticket.get()).number
    presses = [
        "card:abc:take:",
        f"card:{number}:nuke:",
        "pg:history:abc:0",
        "pg:nosuch:x:1",
        "",
        os.urandom(64).decode("latin-1"),
        "card:99999999999999999999:take:",  # once an integer overflow in the database
        f"card:{number}:assign:99999999999999999999",  # a 20-digit operator id
        f"card:{number}:tag:{'x' * 40}",  # longer than the tag column
        f"card:{number}:status:new",
        f"card:{number}:priority:critical",
        f"card:{number}:take",
        f"card:{number}:take:x",
        "pick:held-send:99999999999999999999",  # a held reply's buttons, out of range
        "pick:held-discard:\u00b2",  # a digit to str.isdigit, not to int()
    ]
    for data in presses:
        answer = await forged(world, olga, card, data)
        assert answer.answered and answer.show_alert and answer.answer_text, data
    after = await card_of(world, topic)
    assert (after.body, after.buttons) == (card.body, card.buttons)
    ticket = await Ticket.get()
    assert (ticket.status, ticket.assignee_id, ticket.tags) == (TicketStatus.NEW, None, [])
    await still_relays(world, topic, "Is anybody there?")


async def test_a_forged_rating_out_of_range_is_refused(admin_desk: DeskWorld) -> None:
    world, sb = admin_desk, admin_desk.sandbox
    topic = await opened(world)
    ticket = await resolve(world, topic)
    ask = await received(world, RATE.format(n=ticket.number))
    for data in (
        f"choice:rate:{ticket.id}:12345",  # once a substring test: a score of 12345
        f"choice:rate:{ticket.id}:",  # truncated: once int("")
        f"choice:rate:{ticket.id}:0",
        "choice:rate:99999999999999999999:5",  # once an integer overflow
        f"choice:skip:{ticket.id}:5",
        "choice:",
    ):
        answer = await forged(world, world.customer, ask, data)
        assert answer.show_alert and answer.answer_text == NOT_VALID, data
    assert (await Ticket.get(id=ticket.id)).csat_score is None
    assert not await Event.filter(kind=EventKind.RATED).exists()
    answer = await sb.wait_answer(sb.press_button(world.customer, ask, text="4 ⭐"))
    assert answer.answer_text == "Thank you for your rating!"
    await card_shows(world, topic, lambda c: "Rating: ★★★★☆" in c.body)
    # The next message is the rating's comment, and it reaches the topic as one.
    sb.send_text(world.customer, world.bot, "One more thing")
    await shown(world, topic, f"💬 Comment on the rating of #{ticket.number}: One more thing")
    assert (await Ticket.get(id=ticket.id)).csat_score == 4


async def paged_queue(world: DeskWorld) -> MessageView:
    """Twelve waiting tickets and the first page of ``/queue`` (with a Next button)."""
    for n in range(12):
        customer = await Customer.create(
            channel=Channel.TELEGRAM, external_id=7000 + n, first_name=f"Guest{n:02d}"
        )
        conversation = await Conversation.create(
            customer=customer, channel=Channel.TELEGRAM, chat_id=7000 + n
        )
        await Ticket.create(conversation=conversation, status=TicketStatus.NEW)
    listing = await command(world, world.operator, "/queue")
    assert labels(listing) == ["Next ▶"]
    return listing


async def test_a_page_button_acts_only_on_its_own_list(admin_desk: DeskWorld) -> None:
    world, ivan = admin_desk, admin_desk.operator
    topic = await opened(world)
    card = await card_of(world, topic)
    listing = await paged_queue(world)
    next_page = listing.buttons[0][0].callback_data
    assert next_page is not None
    # The queue's Next pressed on a ticket's pinned card, and another topic's log.
    answer = await forged(world, ivan, card, next_page)
    assert answer.show_alert and "does not belong" in (answer.answer_text or "")
    answer = await forged(world, ivan, card, f"pg:log:{topic.thread_id}:0")
    assert answer.show_alert and "does not belong" in (answer.answer_text or "")
    # On the list itself, a button of another list (the same page number) is refused too.
    answer = await forged(world, ivan, listing, "pg:waiting::1")
    assert answer.show_alert
    after = await card_of(world, topic)
    assert (after.body, after.buttons) == (card.body, card.buttons)
    now = next(m for m in general(world) if m.message_id == listing.message_id)
    assert (now.body, now.buttons) == (listing.body, listing.buttons)
    # Its own button still pages, even past the end (the last page is shown).
    answer = await forged(world, ivan, listing, "pg:queue::99999")
    assert not answer.show_alert
    await until(
        world.sandbox,
        lambda: (
            "(page 2 of 2)"
            in next(m for m in general(world) if m.message_id == listing.message_id).body
        ),
    )
    await still_relays(world, topic, "Hello again")


async def test_an_agent_is_told_the_role_and_offered_only_what_they_may_do(
    admin_desk: DeskWorld,
) -> None:
    world, ivan, olga = admin_desk, admin_desk.operator, admin_desk.owner
    topic = await opened(world)
    card = await card_of(world, topic)
    answer = await press(world, ivan, card, "👥 Assign…")
    assert answer.show_alert and answer.answer_text == "⛔ This needs the senior role."
    await press(world, ivan, card, "🙋 Take")
    card = await card_shows(world, topic, lambda c: "Assignee: Ivan" in c.body)
    await press(world, ivan, card, "Status ▾")
    menu = await card_shows(world, topic, lambda c: "⬅ Back" in labels(c))
    shown_to_agent = labels(menu)
    assert "⏳ waiting for customer" in shown_to_agent and "✅ resolved" in shown_to_agent
    assert "⚫ closed" not in shown_to_agent  # closing needs a senior
    await press(world, olga, menu, "⬅ Back")
    card = await card_shows(world, topic, lambda c: "Status ▾" in labels(c))
    await press(world, olga, card, "Status ▾")
    menu = await card_shows(world, topic, lambda c: "⬅ Back" in labels(c))
    assert "⚫ closed" in labels(menu)
    # A forged Close from the agent is refused with the role it needs.
    data = next(b.callback_data for row in menu.buttons for b in row if b.text == "⚫ closed")
    assert data is not None
    answer = await forged(world, ivan, menu, data)
    assert answer.show_alert and answer.answer_text == "⛔ This needs the senior role."
    assert (await Ticket.get()).status == TicketStatus.OPEN


async def test_names_longer_than_their_columns_are_cut_not_fatal(admin_desk: DeskWorld) -> None:
    world, sb = admin_desk, admin_desk.sandbox
    long_first, long_last = "A" * 400, "B" * 400
    world.customer.first_name, world.customer.last_name = long_first, long_last
    world.customer.username = "u" * 100
    sb.send_text(world.customer, world.bot, "My name is long")
    topic = await until(
        sb, lambda: next((t for t in world.group.topics.values() if "AAAA" in t.name), None)
    )
    await shown(world, topic, "My name is long")
    assert len(topic.name) <= 128
    stored = await Customer.get()
    assert (len(stored.first_name), len(stored.last_name)) == (255, 255)
    assert stored.username is not None and len(stored.username) == 64
    # An operator with a name of 400 characters takes the ticket.
    world.operator.first_name = "I" * 400
    card = await card_of(world, topic)
    answer = await press(world, world.operator, card, "🙋 Take")
    assert answer.answer_text == "✅ Done."
    await still_relays(world, topic, "Still there?")


async def test_invisible_and_right_to_left_names_make_readable_titles(
    admin_desk: DeskWorld,
) -> None:
    world, sb = admin_desk, admin_desk.sandbox
    blank = sb.create_user("\u200b\u200d\u2060", last_name="\u202e")
    sb.send_text(blank, world.bot, "hi from nobody")
    topic = await until(
        sb, lambda: next((t for t in world.group.topics.values() if "Customer" in t.name), None)
    )
    assert topic.name.endswith(f"\u2068Customer {blank.id}\u2069 · Telegram")
    evil = sb.create_user("\u202eevil", last_name="\u2066x")
    sb.send_text(evil, world.bot, "hi from evil")
    evil_topic = await until(
        sb, lambda: next((t for t in world.group.topics.values() if "evil" in t.name), None)
    )
    assert "\u202e" not in evil_topic.name and "\u2066" not in evil_topic.name
    assert evil_topic.name.endswith("\u2068evil x\u2069 · Telegram")
    await shown(world, evil_topic, "hi from evil")


async def test_commands_with_out_of_range_arguments_are_answered(admin_desk: DeskWorld) -> None:
    world, olga = admin_desk, admin_desk.owner
    topic = await opened(world)
    found = await command(world, olga, "/search #99999999999999999999")
    assert found.body == "Nothing found."
    role = await command(world, olga, "/role 99999999999999999999 senior")
    assert "99999999999999999999" in role.body
    long_name = "t" * 100
    used = await command(world, olga, f"/tpl {long_name}", topic=topic)
    assert used.body == f"No template {long_name}."
    card = await card_of(world, topic)
    answer = await forged(world, olga, card, f"tpl:{'t' * 70}")  # longer than the column
    assert answer.show_alert and answer.answer_text == NOT_VALID
    await still_relays(world, topic, "Hello after the commands")


def mutated(data: str, rng: random.Random) -> str:
    """``data`` damaged as a modified client might: cut, grown, a part swapped or doubled."""
    parts = data.split(":")
    how = rng.randrange(5)
    if how == 0:
        return data[: rng.randrange(len(data) + 1)]
    if how == 1:
        parts[rng.randrange(len(parts))] = str(rng.choice([0, -1, 10**19, 10**30, 2**31]))
    elif how == 2:
        parts[rng.randrange(len(parts))] = rng.choice(["", "x" * 70, "²", "nuke", "🙂", "\x00"])
    elif how == 3:
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(["", "1", "take"]))
    else:
        return "".join(rng.choice(data + ":") for _ in range(rng.randrange(1, 65)))
    return ":".join(parts)


async def test_mutated_presses_never_stop_the_desk(admin_desk: DeskWorld) -> None:
    world, olga = admin_desk, admin_desk.owner
    topic = await opened(world)
    card = await card_of(world, topic)
    listing = await paged_queue(world)
    seeds = [b.callback_data for m in (card, listing) for row in m.buttons for b in row]
    seeds += ["choice:rate:1:4", "choice:skip:1:", "pick:held-send:1", "tpl:shipped"]
    rng = random.Random(20261203)  # fixed: a failure can be replayed
    for _ in range(40):
        data = mutated(rng.choice([s for s in seeds if s]), rng)
        target = rng.choice([card, listing])
        answer = await forged(world, olga, target, data)
        assert answer.answered, data
    await still_relays(world, topic, "Are you still working?")
