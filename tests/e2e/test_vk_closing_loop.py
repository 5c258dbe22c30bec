"""Closing the loop with a VK customer: the rating keyboard, its fallback, a thank-you."""

from __future__ import annotations

import json
from typing import Any

from core.enums import TicketStatus
from core.models import Ticket
from sandbox.telegram import Topic
from sandbox.vk import VkMessage
from tests.e2e.test_card_buttons import card_of, card_shows, press
from tests.fixtures.vk_desk import VkDeskWorld

RATE = "✅ Ваше обращение #{n} решено. Как вы оцените нашу помощь?"
THUMBS_UP = 4  # VK's reaction id for 👍


async def resolve(world: VkDeskWorld, topic: Topic) -> Ticket:
    """Ivan answers, then resolves the ticket through the card's Status menu."""
    ivan = world.tg.operator
    world.operator_says(topic, "Готово, посылка отправлена")
    await world.vk_got("Готово, посылка отправлена")
    card = await card_shows(world.tg, topic, lambda c: "Assignee: Ivan" in c.body)
    await press(world.tg, ivan, card, "Status ▾")
    menu = await card_shows(
        world.tg, topic, lambda c: any("resolved" in b.text for r in c.buttons for b in r)
    )
    await press(world.tg, ivan, menu, "✅ resolved")
    await card_shows(world.tg, topic, lambda c: "resolved" in c.body.splitlines()[0])
    return await Ticket.get(card_message_id=card.message_id)


def buttons(message: VkMessage) -> list[dict[str, Any]]:
    """The actions of a VK message's inline keyboard, row after row."""
    assert message.keyboard is not None and message.keyboard["inline"]
    return [button["action"] for row in message.keyboard["buttons"] for button in row]


async def test_a_vk_customer_rates_with_callback_buttons(vk_desk: VkDeskWorld) -> None:
    world, vk = vk_desk, vk_desk.vk
    topic = await world.opened()
    ticket = await resolve(world, topic)
    ask = await world.vk_got(RATE.format(n=ticket.number))
    actions = buttons(ask)
    assert [a["label"] for a in actions] == [f"{n} ⭐" for n in range(1, 6)]
    assert {a["type"] for a in actions} == {"callback"}

    event_id = vk.press_button(
        world.community, world.customer, ask, json.loads(actions[3]["payload"])
    )
    await world.shown(topic, f"⭐ The customer rated #{ticket.number}: ★★★★☆ (4/5)")
    await card_shows(world.tg, topic, lambda c: "Rating: ★★★★☆" in c.body)
    [answer] = await world.until(lambda: vk.event_answers(world.community))
    assert answer["event_id"] == event_id
    assert answer["event_data"] == {"type": "show_snackbar", "text": "Спасибо за оценку!"}
    prompt = await world.vk_got("Спасибо! Если хотите, напишите подробнее следующим сообщением.")
    assert [a["label"] for a in buttons(prompt)] == ["Пропустить"]
    stored = await Ticket.get(id=ticket.id)
    assert (stored.status, stored.csat_score) == (TicketStatus.RESOLVED, 4)


async def test_a_client_without_callback_buttons_gets_text_buttons(vk_desk: VkDeskWorld) -> None:
    world = vk_desk
    world.writes("Здравствуйте", callback_buttons=False)  # e.g. an old mobile client
    topic = await world.topic()
    await world.shown(topic, "Здравствуйте")
    ticket = await resolve(world, topic)
    ask = await world.vk_got(RATE.format(n=ticket.number))
    actions = buttons(ask)
    assert {a["type"] for a in actions} == {"text"}

    # A text button sends its label as a message, with the button's payload.
    world.writes("5 ⭐", payload=json.loads(actions[4]["payload"]), callback_buttons=False)
    await world.shown(topic, f"⭐ The customer rated #{ticket.number}: ★★★★★ (5/5)")
    await card_shows(world.tg, topic, lambda c: "Rating: ★★★★★" in c.body)
    assert world.vk.event_answers(world.community) == []
    assert (await Ticket.get(id=ticket.id)).csat_score == 5


async def test_thanks_inside_the_window_gets_a_like_and_does_not_reopen(
    vk_desk: VkDeskWorld,
) -> None:
    world, vk = vk_desk, vk_desk.vk
    topic = await world.opened()
    ticket = await resolve(world, topic)
    await world.vk_got(RATE.format(n=ticket.number))

    thanks = world.writes("Спасибо большое!")
    await world.shown(topic, "Спасибо большое!")  # kept and shown to the team
    mine = {-world.community.id: THUMBS_UP}
    await world.until(lambda: vk.reactions(world.community, thanks) == mine)
    [(_, call)] = vk.calls("messages.sendReaction")
    assert call == {
        "peer_id": str(world.customer.id),
        "cmid": str(thanks.conversation_message_id),
        "reaction_id": str(THUMBS_UP),
    }
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.RESOLVED
    card = await card_of(world.tg, topic)
    assert "resolved" in card.body.splitlines()[0]
    assert topic.name.startswith(f"✅ #{ticket.number} ")
