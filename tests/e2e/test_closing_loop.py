"""Closing the loop with the customer: rating, comment, thank-you, reopen, a new ticket."""

from __future__ import annotations

from datetime import timedelta

from core.enums import EventKind, TicketStatus
from core.models import Event, Ticket
from sandbox.telegram import MessageView, Topic
from tests.e2e.conftest import from_bot, in_topic, opened, received, shown, until
from tests.e2e.test_card_buttons import card_in, card_of, card_shows, press
from tests.fixtures.telegram_sandbox import DeskWorld

RATE = "✅ Your request #{n} is resolved. How would you rate our help?"


async def resolve(world: DeskWorld, topic: Topic) -> Ticket:
    """Ivan takes the ticket and resolves it through the card's Status menu."""
    ivan = world.operator
    card = await card_of(world, topic)
    await press(world, ivan, card, "🙋 Take")
    card = await card_shows(world, topic, lambda c: "Assignee: Ivan" in c.body)
    await press(world, ivan, card, "Status ▾")
    menu = await card_shows(
        world, topic, lambda c: any("resolved" in b.text for r in c.buttons for b in r)
    )
    await press(world, ivan, menu, "✅ resolved")
    await card_shows(world, topic, lambda c: "resolved" in c.body.splitlines()[0])
    return await Ticket.get(card_message_id=card.message_id)


def card_starting(world: DeskWorld, topic: Topic, head: str) -> MessageView | None:
    """The bot's message in ``topic`` whose text starts with ``head`` (a ticket card)."""
    shown = world.sandbox.messages(world.group, topic=topic)
    return next((m for m in shown if m.sender_is_bot and m.body.startswith(head)), None)


def reacted(world: DeskWorld, body: str) -> MessageView | None:
    """The customer's own message ``body`` once the desk put a 👍 on it."""
    chat = world.sandbox.private_chat(world.bot, world.customer)
    mine = [m for m in world.sandbox.messages(chat) if not m.sender_is_bot and m.body == body]
    return next((m for m in mine if m.reactions.get("👍")), None)


async def test_resolve_asks_for_a_rating_and_it_reaches_card_and_topic(
    admin_desk: DeskWorld,
) -> None:
    world, sb = admin_desk, admin_desk.sandbox
    topic = await opened(world)
    ticket = await resolve(world, topic)
    ask = await received(world, RATE.format(n=ticket.number))
    assert [b.text for row in ask.buttons for b in row] == [f"{n} ⭐" for n in range(1, 6)]

    answer = await world.sandbox.wait_answer(sb.press_button(world.customer, ask, text="4 ⭐"))
    assert answer.answer_text == "Thank you for your rating!"
    await shown(world, topic, f"⭐ The customer rated #{ticket.number}: ★★★★☆ (4/5)")
    await card_shows(world, topic, lambda c: "Rating: ★★★★☆" in c.body)
    prompt = await received(world, "Thank you! If you like, tell us more in your next message.")
    assert [b.text for row in prompt.buttons for b in row] == ["Skip"]
    await until(
        sb, lambda: not next(m for m in from_bot(world) if m.message_id == ask.message_id).buttons
    )

    sb.send_text(world.customer, world.bot, "Quick & polite, thanks")
    await shown(
        world, topic, f"💬 Comment on the rating of #{ticket.number}: Quick & polite, thanks"
    )
    await card_shows(world, topic, lambda c: "Comment: Quick & polite, thanks" in c.body)
    await until(sb, lambda: reacted(world, "Quick & polite, thanks"))
    stored = await Ticket.get(id=ticket.id)
    assert (stored.status, stored.csat_score, stored.csat_comment) == (
        TicketStatus.RESOLVED,
        4,
        "Quick & polite, thanks",
    )
    kinds = [e.kind for e in await Event.filter(ticket_id=ticket.id).order_by("id")]
    assert EventKind.RATED in kinds and EventKind.COMMENTED in kinds
    assert EventKind.REOPENED not in kinds


async def test_the_rating_request_speaks_the_customers_language(admin_desk: DeskWorld) -> None:
    world, sb = admin_desk, admin_desk.sandbox
    world.customer.language_code = "ru"
    topic = await opened(world, "Здравствуйте")
    ticket = await resolve(world, topic)
    ask = await received(
        world, f"✅ Ваше обращение #{ticket.number} решено. Как вы оцените нашу помощь?"
    )
    answer = await sb.wait_answer(sb.press_button(world.customer, ask, text="5 ⭐"))
    assert answer.answer_text == "Спасибо за оценку!"
    prompt = await received(world, "Спасибо! Если хотите, напишите подробнее следующим сообщением.")
    skip = await sb.wait_answer(sb.press_button(world.customer, prompt, text="Пропустить"))
    assert skip.answer_text == "Хорошо. Спасибо!"
    assert not (await Ticket.get(id=ticket.id)).csat_comment_pending


async def test_inside_the_window_thanks_does_not_reopen_but_a_question_does(
    admin_desk: DeskWorld,
) -> None:
    world, sb = admin_desk, admin_desk.sandbox
    topic = await opened(world)
    ticket = await resolve(world, topic)
    await received(world, RATE.format(n=ticket.number))

    sb.send_text(world.customer, world.bot, "Спасибо! 👍")
    await shown(world, topic, "Спасибо! 👍")  # kept and shown to the team
    await until(sb, lambda: reacted(world, "Спасибо! 👍"))
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.RESOLVED

    sb.send_text(world.customer, world.bot, "Actually, the parcel is damaged")
    await shown(world, topic, "Actually, the parcel is damaged")
    await card_shows(world, topic, lambda c: "open" in c.body.splitlines()[0])
    await until(sb, lambda: topic.name.startswith(f"🟢 #{ticket.number} "))
    reopened = await Ticket.get(id=ticket.id)
    assert reopened.status == TicketStatus.OPEN and reopened.assignee_id is not None
    assert await Ticket.all().count() == 1
    assert await Event.filter(kind=EventKind.REOPENED, ticket_id=ticket.id).count() == 1


async def test_after_the_window_a_new_ticket_opens_in_the_same_topic_with_its_own_card(
    admin_desk: DeskWorld,
) -> None:
    world, sb = admin_desk, admin_desk.sandbox
    topic = await opened(world)
    first = await resolve(world, topic)
    first_card = card_in(world, topic)
    assert first_card is not None
    # Three days and an hour later (the window is 72 hours by default).
    resolved_at = (await Ticket.get(id=first.id)).resolved_at
    assert resolved_at is not None
    await Ticket.filter(id=first.id).update(resolved_at=resolved_at - timedelta(hours=73))

    sb.send_text(world.customer, world.bot, "thanks")  # too late to be a thank-you
    separator = await until(
        sb, lambda: next((m for m in in_topic(world, topic) if "New request #" in m.body), None)
    )
    new = await Ticket.filter(id__gt=first.id).get()
    assert separator.body == f"➖➖➖➖➖ New request #{new.number} ➖➖➖➖➖"
    new_card = await until(
        sb, lambda: (c := card_starting(world, topic, f"🆕 #{new.number}")) and c.pinned and c
    )
    assert separator.message_id < new_card.message_id
    await shown(world, topic, "thanks")
    assert "Earlier tickets: 1" in new_card.body
    assert (await Ticket.get(id=first.id)).status == TicketStatus.RESOLVED
    assert new.status == TicketStatus.NEW and new.conversation_id == first.conversation_id
    await until(sb, lambda: topic.name.startswith(f"🆕 #{new.number} "))


async def test_closed_is_final_a_new_message_opens_a_new_ticket(admin_desk: DeskWorld) -> None:
    world, sb, olga = admin_desk, admin_desk.sandbox, admin_desk.owner
    topic = await opened(world)
    card = await card_of(world, topic)
    await press(world, olga, card, "Status ▾")
    menu = await card_shows(
        world, topic, lambda c: "⬅ Back" in [b.text for r in c.buttons for b in r]
    )
    await press(world, olga, menu, "⚫ closed")
    first = await Ticket.get(card_message_id=card.message_id)
    await until(sb, lambda: topic.name.startswith(f"⚫ #{first.number} "))

    sb.send_text(world.customer, world.bot, "Hello again")
    await shown(world, topic, "Hello again")
    new = await Ticket.filter(id__gt=first.id).get()
    await until(sb, lambda: card_starting(world, topic, f"🆕 #{new.number}"))
    assert (await Ticket.get(id=first.id)).status == TicketStatus.CLOSED


async def test_the_comment_to_a_low_rating_reopens_the_ticket_with_an_alert(
    admin_desk: DeskWorld,
) -> None:
    world, sb = admin_desk, admin_desk.sandbox
    topic = await opened(world)
    ticket = await resolve(world, topic)
    ask = await received(world, RATE.format(n=ticket.number))
    await sb.wait_answer(sb.press_button(world.customer, ask, text="2 ⭐"))
    await shown(world, topic, f"⭐ The customer rated #{ticket.number}: ★★☆☆☆ (2/5)")
    await received(world, "Thank you! If you like, tell us more in your next message.")

    sb.send_text(world.customer, world.bot, "Nobody told me the parcel was lost")
    await shown(
        world,
        topic,
        f"💬 Comment on the rating of #{ticket.number}: Nobody told me the parcel was lost",
    )
    alert = await shown(
        world,
        topic,
        f"⚠️ Low rating (2★) on #{ticket.number}: the customer's comment reopened the ticket.",
    )
    card = await card_shows(world, topic, lambda c: "open" in c.body.splitlines()[0])
    assert "Rating: ★★☆☆☆" in card.body and "Comment: Nobody told me" in card.body
    await until(sb, lambda: topic.name.startswith(f"🟢 #{ticket.number} "))
    stored = await Ticket.get(id=ticket.id)
    assert (stored.status, stored.csat_score, stored.csat_comment) == (
        TicketStatus.OPEN,
        2,
        "Nobody told me the parcel was lost",
    )
    # The reopened ticket is answered like any other; the customer's next words join it.
    sb.send_text(world.customer, world.bot, "Any news?")
    await shown(world, topic, "Any news?")
    assert alert.message_id < in_topic(world, topic)[-1].message_id
    assert await Ticket.all().count() == 1
    assert await Event.filter(kind=EventKind.REOPENED, ticket_id=ticket.id).count() == 1
    assert not reacted(world, "Nobody told me the parcel was lost")  # no 👍 on a complaint
