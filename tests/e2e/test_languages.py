"""Who reads which language: customers their own (else DEFAULT_LANGUAGE), the operator
group OPERATOR_LANGUAGE; the greeting reads well with and without COMPANY_NAME; ``/log``
speaks in sentences."""

from __future__ import annotations

from collections.abc import Callable

from core.config import Settings
from tests.e2e.conftest import (
    FAST_RATES,
    command,
    opened,
    received,
    shown,
    topic_of,
    welcomed,
)
from tests.e2e.test_card_buttons import card_of, card_shows, labels, press
from tests.e2e.test_greeting import bot_reply
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld


async def test_operators_read_their_language_while_customers_keep_theirs(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> None:
    world, sb, ivan = desk_world, desk_world.sandbox, desk_world.operator
    settings = desk_settings(
        sb, world.bot, world.group, operator_language="ru", default_language="en", **FAST_RATES
    )
    async with run_desk(settings):
        welcome = await welcomed(world)
        assert welcome.body.startswith("✅ botdesk подключён к этой группе.")
        greeting = await bot_reply(sb, world, world.customer, "/start")  # Alice speaks English
        assert greeting.startswith("Hello, Alice! You are writing to the support team of Acme.")
        german = sb.create_user("Hans", language_code="de")
        greeting = await bot_reply(sb, world, german, "/start")
        assert greeting.startswith("Hello, Hans! You are writing to the support team of Acme.")

        topic = await opened(world, "Hello, my order is late")  # Alice writes in English
        card = await card_of(world, topic)
        assert "Приоритет: обычный" in card.body and "🙋 Взять" in labels(card)
        answer = await press(world, ivan, card, "🙋 Взять")
        assert answer.answer_text == "✅ Готово."
        await card_shows(world, topic, lambda c: "в работе" in c.body.splitlines()[0])

        log = await command(world, ivan, "/log", topic)
        lines = log.body.splitlines()
        assert lines[0].startswith("Журнал #")
        assert lines[1].endswith("обращение открыто: первое у клиента — клиент")
        assert any(line.endswith("назначено на Ivan — Ivan") for line in lines)
        assert any(line.endswith("статус: новое → в работе — Ivan") for line in lines)
        assert "=" not in log.body and "True" not in log.body

        # Resolved: the customer is asked in English, the team is told in Russian.
        card = await card_shows(world, topic, lambda c: "Статус ▾" in labels(c))
        await press(world, ivan, card, "Статус ▾")
        menu = await card_shows(world, topic, lambda c: "✅ решено" in labels(c))
        await press(world, ivan, menu, "✅ решено")
        number = lines[0].removeprefix("Журнал #")
        ask = await received(
            world, f"✅ Your request #{number} is resolved. How would you rate our help?"
        )
        await sb.wait_answer(sb.press_button(world.customer, ask, text="4 ⭐"))
        await shown(world, topic, f"⭐ Клиент оценил #{number}: ★★★★☆ (4/5)")


async def test_customers_without_a_translation_read_the_default_language(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> None:
    world, sb = desk_world, desk_world.sandbox
    settings = desk_settings(sb, world.bot, world.group, default_language="ru", **FAST_RATES)
    german = sb.create_user("Hans", language_code="de")
    english = sb.create_user("Jane", language_code="en-GB")
    async with run_desk(settings):
        welcome = await welcomed(world)  # OPERATOR_LANGUAGE unset: the default's language
        assert welcome.body.startswith("✅ botdesk подключён")
        hans = await bot_reply(sb, world, german, "/start")
        assert hans.startswith("Здравствуйте, Hans! Вы пишете в службу поддержки Acme.")
        jane = await bot_reply(sb, world, english, "/start")
        assert jane.startswith("Hello, Jane! You are writing to the support team of Acme.")
        sb.send_text(german, world.bot, "Guten Tag")
        topic = await topic_of(world, german)
        card = await card_of(world, topic)
        assert "Язык: de" in card.body  # operators see what the customer really speaks


async def test_without_a_company_name_the_greeting_names_no_one(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> None:
    world, sb = desk_world, desk_world.sandbox
    settings = desk_settings(sb, world.bot, world.group, company_name="", **FAST_RATES)
    async with run_desk(settings):
        greeting = await bot_reply(sb, world, world.customer, "/start")
        assert greeting.startswith("Hello, Alice! You are writing to our support team.\n\n")
        help_text = await bot_reply(sb, world, world.customer, "/help")
        assert help_text.startswith("This is our support chat.\n\n")
        assert "support support" not in (greeting + help_text).lower()


async def test_log_tells_each_change_as_a_sentence(admin_desk: DeskWorld) -> None:
    world, ivan = admin_desk, admin_desk.operator
    topic = await opened(world)
    card = await card_of(world, topic)
    await press(world, ivan, card, "🙋 Take")
    card = await card_shows(world, topic, lambda c: "Priority ▾" in labels(c))
    await press(world, ivan, card, "Priority ▾")
    menu = await card_shows(world, topic, lambda c: "urgent" in labels(c))
    await press(world, ivan, menu, "urgent")
    await card_shows(world, topic, lambda c: "Priority: urgent" in c.body)

    log = await command(world, ivan, "/log", topic)
    said = [line.split(" ", 2)[2] for line in log.body.splitlines()[1:]]  # without the time
    assert said == [
        "ticket opened: the customer's first — customer",
        "assigned to Ivan — Ivan",
        "status: new → open — Ivan",
        "priority: normal → urgent — Ivan",
        "SLA due times recomputed for priority urgent — desk",
    ]
