"""A customer writing on a Saturday: the off-hours reply and the acknowledgement, end to end.

The real app runs against the sandboxes on a clock that starts on Saturday 5 December
2026 at 12:00 in Moscow; the desk works mon-fri 09:00-18:00 there. The tests read what
the customer sees in their chat.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.config import Settings
from sandbox.telegram import Topic
from sandbox.vk import VkSandbox
from tests.e2e.conftest import (
    FAST_RATES,
    from_bot,
    in_topic,
    received,
    shown,
    topic_of,
    until,
    welcomed,
)
from tests.fixtures.desk import DeskRunner, ShiftedClock
from tests.fixtures.telegram_sandbox import DeskWorld
from tests.fixtures.vk_desk import VkDeskWorld, vk_settings

SATURDAY_NOON = datetime(2026, 12, 5, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))
TUESDAY_NOON = datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))
CALENDAR = {"timezone": "Europe/Moscow", "hours": "mon-fri 09:00-18:00"}
SLA = {"normal": {"first_response": "4h", "business_hours": True}}
REPLIES: dict[str, Any] = {"calendar": CALENDAR, "sla": SLA, "acknowledgement": {"enabled": True}}

OFF_HOURS_EN = (
    "Our team is offline now. We're back on Monday, 7 December at 09:00 (Moscow time), "
    "and we will answer you then."
)
OFF_HOURS_RU = (
    "Сейчас наша команда не на связи. Снова будем на связи: понедельник, 7 декабря, 09:00 "
    "(часовой пояс: Москва) — тогда и ответим вам."
)


async def mirrored(world: DeskWorld, topic: Topic, text: str) -> None:
    """Wait until ``text`` shows in ``topic`` (alone, or merged with the one before)."""
    await until(world.sandbox, lambda: any(text in m.body for m in in_topic(world, topic)))


async def test_a_telegram_customer_on_saturday_hears_when_the_desk_opens_and_their_number(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> None:
    world, sb = desk_world, desk_world.sandbox
    settings = desk_settings(sb, world.bot, world.group, **REPLIES, **FAST_RATES)
    async with run_desk(settings, clock=ShiftedClock(SATURDAY_NOON)):
        await welcomed(world)
        sb.send_text(world.customer, world.bot, "My order never came")
        topic = await topic_of(world)
        number = topic.name.split("#", 1)[1].split(" ", 1)[0]
        ack = (
            f"We've received your message — your ticket number is #{number}. We'll answer "
            "by Monday, 7 December at 13:00 (Moscow time)."
        )
        await received(world, ack)
        assert [m.body for m in from_bot(world)] == [OFF_HOURS_EN, ack]
        # more messages on the same ticket: nothing more from the desk
        for text in ("Order 1234, if that helps", "Hello?"):
            sb.send_text(world.customer, world.bot, text)
            await mirrored(world, topic, text)
        # the customer's chat is one FIFO queue: once the answer is there, anything the
        # desk queued before it has been sent too
        sb.send_text(world.operator, world.group, "Looking into it", topic=topic)
        await received(world, "Looking into it")
        assert [m.body for m in from_bot(world)] == [OFF_HOURS_EN, ack, "Looking into it"]


async def test_inside_opening_hours_only_the_acknowledgement_comes(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> None:
    world, sb = desk_world, desk_world.sandbox
    settings = desk_settings(sb, world.bot, world.group, **REPLIES, **FAST_RATES)
    async with run_desk(settings, clock=ShiftedClock(TUESDAY_NOON)):
        await welcomed(world)
        sb.send_text(world.customer, world.bot, "Quick question")
        topic = await topic_of(world)
        number = topic.name.split("#", 1)[1].split(" ", 1)[0]
        ack = (
            f"We've received your message — your ticket number is #{number}. We'll answer "
            "by 16:00 today (Moscow time)."
        )
        await received(world, ack)
        sb.send_text(world.operator, world.group, "Hi!", topic=topic)
        await received(world, "Hi!")
    assert [m.body for m in from_bot(world)] == [ack, "Hi!"]


async def test_turned_off_neither_is_sent(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> None:
    world, sb = desk_world, desk_world.sandbox
    off = {**REPLIES, "acknowledgement": {"enabled": False}, "off_hours": {"enabled": False}}
    settings = desk_settings(sb, world.bot, world.group, **off, **FAST_RATES)
    async with run_desk(settings, clock=ShiftedClock(SATURDAY_NOON)):
        await welcomed(world)
        sb.send_text(world.customer, world.bot, "Anyone?")
        topic = await topic_of(world)
        await shown(world, topic, "Anyone?")
        sb.send_text(world.operator, world.group, "Hi!", topic=topic)
        await received(world, "Hi!")
    assert [m.body for m in from_bot(world)] == ["Hi!"]


async def test_a_vk_customer_on_saturday_gets_both_in_russian(
    desk_world: DeskWorld,
    vk_sandbox: VkSandbox,
    desk_settings: Callable[..., Settings],
    run_desk: DeskRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # nothing may leave files in the working tree
    community = vk_sandbox.create_community("Acme")
    customer = vk_sandbox.create_user("Pyotr", "Sidorov", screen_name="pyotr", lang="ru")
    settings = vk_settings(desk_world, vk_sandbox, community, desk_settings, **REPLIES)
    async with run_desk(settings, clock=ShiftedClock(SATURDAY_NOON)):
        await vk_sandbox.wait_for(lambda: vk_sandbox.calls("groups.getLongPollServer"), 10)
        world = VkDeskWorld(desk_world, vk_sandbox, community, customer)
        world.writes("Здравствуйте, заказ не пришёл")
        topic = await world.topic()
        number = topic.name.split("#", 1)[1].split(" ", 1)[0]
        ack = (
            f"Мы получили ваше сообщение — номер вашего обращения #{number}. Ожидаемое время "
            "ответа: понедельник, 7 декабря, 13:00 (часовой пояс: Москва)."
        )
        await world.vk_got(ack)
        assert [m.text for m in world.got()] == [OFF_HOURS_RU, ack]


async def test_on_new_years_eve_the_reply_names_the_first_workday_after_the_holidays(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> None:
    # Thursday 31 December 2026, 20:00 in Moscow: closed; 1-8 January are public holidays
    # in Russia and 9-10 January a weekend, so the desk opens on Monday 11 January.
    world, sb = desk_world, desk_world.sandbox
    calendar = {**CALENDAR, "holidays": "RU"}
    settings = desk_settings(
        sb, world.bot, world.group, **{**REPLIES, "calendar": calendar}, **FAST_RATES
    )
    new_years_eve = datetime(2026, 12, 31, 20, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    async with run_desk(settings, clock=ShiftedClock(new_years_eve)):
        await welcomed(world)
        sb.send_text(world.customer, world.bot, "Is the shop open in January?")
        topic = await topic_of(world)
        number = topic.name.split("#", 1)[1].split(" ", 1)[0]
        await received(
            world,
            "Our team is offline now. We're back on Monday, 11 January at 09:00 (Moscow "
            "time), and we will answer you then.",
        )
        await received(
            world,
            f"We've received your message — your ticket number is #{number}. We'll answer "
            "by Monday, 11 January at 13:00 (Moscow time).",
        )
