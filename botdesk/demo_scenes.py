"""The demo's later scenes: the operator workflow, closing the loop, and a VK customer.

Each scene acts only as people would (customers write, operators tap buttons and write
in topics) and waits until the desk's answer is visible on the other side; a scene that
waits in vain raises ``TimeoutError`` and the demo prints what was seen so far.
"""

from __future__ import annotations

from botdesk.demo_support import STEP_TIMEOUT, Scene, say, shows, tiny_png, topic_of, wait
from sandbox.telegram import DemoWorld, MessageView, TelegramSandbox, Topic, User
from sandbox.vk import Community, VkSandbox, VkUser


def card_of(sb: TelegramSandbox, world: DemoWorld, topic: Topic) -> MessageView | None:
    """The newest pinned ticket card of ``topic``."""
    pinned = [m for m in sb.messages(world.group, topic=topic) if m.sender_is_bot and m.pinned]
    return pinned[-1] if pinned else None


async def tap(
    sb: TelegramSandbox, world: DemoWorld, who: User, topic: Topic, label: str
) -> MessageView:
    """``who`` taps ``label`` on the topic's card once it shows that button."""

    def probe() -> MessageView | None:
        card = card_of(sb, world, topic)
        labels = [b.text for row in card.buttons for b in row] if card else []
        return card if label in labels else None

    card = await wait(sb, world, probe)
    await sb.wait_answer(sb.press_button(who, card, text=label), timeout=STEP_TIMEOUT)
    return card


async def card_says(sb: TelegramSandbox, world: DemoWorld, topic: Topic, text: str) -> str:
    """Wait until the card shows ``text``; return the card's first line."""

    def probe() -> str | None:
        card = card_of(sb, world, topic)
        return card.body.splitlines()[0] if card and text in card.body else None

    return await wait(sb, world, probe)


async def from_desk(sb: TelegramSandbox, world: DemoWorld, who: User, text: str) -> MessageView:
    """Wait until ``who`` got a message containing ``text`` from the bot."""
    chat = sb.private_chat(world.bot, who)

    def probe() -> MessageView | None:
        found = [m for m in sb.messages(chat) if m.sender_is_bot and text in m.body]
        return found[-1] if found else None

    return await wait(sb, world, probe)


async def workflow(sb: TelegramSandbox, world: DemoWorld) -> None:
    """Борис asks; Ivan takes his ticket, tags it, answers with a template, resolves it."""
    boris, ivan, olga = world.customers[1], world.operators[0], world.owner
    say("Olga (admin) adds a tag and saves a Russian template, both in the operator group")
    sb.send_text(olga, world.group, "/tag add delivery")
    source = sb.send_text(
        olga,
        world.group,
        "Здравствуйте, {customer.first_name}! Обращение #{ticket.number}: посылка уже в пути. "
        "— {company}",
    )
    sb.send_text(olga, world.group, "/template save shipped ru", reply_to=source)
    await wait(
        sb,
        world,
        lambda: any(
            "shipped" in m.body for m in sb.messages(world.group, general=True) if m.sender_is_bot
        ),
    )

    say("Борис writes: “Здравствуйте! Где мой заказ?”")
    sb.send_text(boris, world.bot, "Здравствуйте! Где мой заказ?")
    topic = await shows(sb, world, boris, "Где мой заказ")
    say("Ivan taps 🙋 Take on the card, then Tags ▾ → #delivery")
    await tap(sb, world, ivan, topic, "🙋 Take")
    await card_says(sb, world, topic, "Assignee: Ivan")
    await tap(sb, world, ivan, topic, "Tags ▾")
    await tap(sb, world, ivan, topic, "#delivery")
    print(f"  the card: {await card_says(sb, world, topic, '#delivery')} · Ivan · #delivery")

    say("Ivan answers with the template: /tpl shipped")
    sb.send_text(ivan, world.group, "/tpl shipped", topic=topic)
    answer = await from_desk(sb, world, boris, "посылка уже в пути")
    print(f"  Борис gets, in Russian: {answer.body}")

    say("Ivan resolves the ticket: Status ▾ → ✅ resolved")
    await tap(sb, world, ivan, topic, "Status ▾")
    await tap(sb, world, ivan, topic, "✅ resolved")
    print(f"  topic title: “{await _title(sb, world, topic, '✅')}”")


async def closing_the_loop(sb: TelegramSandbox, world: DemoWorld) -> None:
    """Борис rates the help, says thanks (nothing reopens), then asks again (it reopens)."""
    boris = world.customers[1]
    topic = topic_of(world, boris)
    assert topic is not None
    ask = await from_desk(sb, world, boris, "решено")
    say(f"Борис is asked: “{ask.body}” and taps 5 ⭐")
    await sb.wait_answer(sb.press_button(boris, ask, text="5 ⭐"), timeout=STEP_TIMEOUT)
    await shows(sb, world, boris, "The customer rated")
    print(f"  the card: {await card_says(sb, world, topic, 'Rating: ★★★★★')} · ★★★★★")
    await from_desk(sb, world, boris, "подробнее")

    say("Борис adds a comment, then writes “Спасибо! 👍”")
    sb.send_text(boris, world.bot, "Быстро и вежливо")
    await shows(sb, world, boris, "Comment on the rating")
    thanks = sb.send_text(boris, world.bot, "Спасибо! 👍")
    chat = sb.private_chat(world.bot, boris)
    await wait(
        sb,
        world,
        lambda: any(m.message_id == thanks.message_id and m.reactions for m in sb.messages(chat)),
    )
    print(f"  the desk puts 👍 on it; the ticket stays resolved: “{topic.name}”")

    say("Later Борис writes again: “Коробка пришла помятой”")
    sb.send_text(boris, world.bot, "Коробка пришла помятой")
    await shows(sb, world, boris, "помятой")
    print(f"  the same ticket reopens: “{await _title(sb, world, topic, '🟢')}”")


def vk_scene(vk: VkSandbox, community: Community, customers: list[VkUser]) -> Scene:
    """The scene of a VK customer; ``customers`` collects who wrote (for the transcript)."""

    async def vk_customer(sb: TelegramSandbox, world: DemoWorld) -> None:
        """A VK customer writes text and two photos; Ivan's answer reaches them in VK."""
        ivan = world.operators[0]
        petr = vk.create_user("Пётр", "Иванов", screen_name="petr", lang="ru")
        customers.append(petr)
        say("Пётр writes to the company's VK community: a question and two photos")
        vk.user_writes(community, petr, "Здравствуйте! Пришёл не тот товар")
        photos = [vk.photo(tiny_png(3)), vk.photo(tiny_png(4))]
        vk.user_writes(community, petr, "Вот фото", attachments=photos)

        def his_topic() -> Topic | None:
            return next((t for t in world.group.topics.values() if "Пётр" in t.name), None)

        topic = await wait(sb, world, his_topic)
        await wait(
            sb,
            world,
            lambda: sum(m.type == "photo" for m in sb.messages(world.group, topic=topic)) >= 2,
        )
        print(f"  a topic appears: “{topic.name}”; the two photos arrive as an album")
        say("Ivan answers in the topic, as for any customer")
        sb.send_text(ivan, world.group, "Извините! Курьер заберёт товар завтра.", topic=topic)
        reply = await vk.wait_for(
            lambda: _vk_said(vk, community, petr, "Курьер"), timeout=STEP_TIMEOUT
        )
        print(f"  Пётр gets it in VK, from the community: {reply}")

    return vk_customer


def _vk_said(vk: VkSandbox, community: Community, user: VkUser, text: str) -> str | None:
    return next(
        (m.text for m in vk.chat(community, user) if m.from_id < 0 and text in m.text), None
    )


async def _title(sb: TelegramSandbox, world: DemoWorld, topic: Topic, prefix: str) -> str:
    return await wait(sb, world, lambda: topic.name if topic.name.startswith(prefix) else None)


def vk_transcript(vk: VkSandbox, community: Community, customers: list[VkUser]) -> str:
    """What the community's chats with ``customers`` show in VK, one line per message."""
    lines: list[str] = []
    for user in customers:
        lines.append(f"── VK: {user.first_name}'s chat with {community.name}")
        for message in vk.chat(community, user):
            who = community.name if message.from_id < 0 else user.first_name
            files = f" [{len(message.attachments)} photo(s)]" if message.attachments else ""
            lines.append(f"  {who}: {message.text}{files}")
    return "\n".join(lines)
