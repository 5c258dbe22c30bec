"""A customer starts the bot and is greeted in their language, over polling and webhook."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from core.config import Settings
from sandbox.telegram import TelegramSandbox, User
from tests.e2e.conftest import WELCOME, welcomed
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld


async def bot_reply(sb: TelegramSandbox, world: DeskWorld, who: User, text: str) -> str:
    """Send ``text`` as ``who`` and return the text of the bot's answer."""
    chat = sb.private_chat(world.bot, who)
    before = len(sb.messages(chat))
    sb.send_text(who, world.bot, text)
    views = await sb.wait_messages(chat, before + 2, timeout=10)
    assert views[-1].sender_is_bot, "the last message should be the bot's answer"
    return views[-1].body


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "You are writing to the support team of Acme."),
        ("ru", "Вы пишете в службу поддержки Acme."),
        ("de", "You are writing to the support team of Acme."),  # no translation → default
    ],
)
async def test_start_greets_in_the_customers_language(
    desk_world: DeskWorld,
    desk_settings: Callable[..., Settings],
    run_desk: DeskRunner,
    language: str,
    expected: str,
) -> None:
    sb = desk_world.sandbox
    customer = sb.create_user("Eve <script>", language_code=language)
    async with run_desk(desk_settings(sb, desk_world.bot, desk_world.group)):
        greeting = await bot_reply(sb, desk_world, customer, "/start")
    assert expected in greeting
    # The customer's own name is shown as text, never interpreted as markup.
    assert "Eve <script>" in greeting


async def test_help_explains_the_chat(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> None:
    sb = desk_world.sandbox
    async with run_desk(desk_settings(sb, desk_world.bot, desk_world.group)):
        text = await bot_reply(sb, desk_world, desk_world.customer, "/help")
    assert "This is the support chat of Acme." in text
    # Only the desk's welcome is in the operator group: /start and /help open no ticket.
    shown = [m.body for m in sb.messages(desk_world.group) if not m.service]
    assert len(shown) == 1 and shown[0].startswith(WELCOME)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_mode_answers_too(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> None:
    sb = desk_world.sandbox
    port = free_port()
    settings = desk_settings(
        sb,
        desk_world.bot,
        desk_world.group,
        webhook_url=f"http://127.0.0.1:{port}",
        webhook_secret="s3cret-token",
        web_host="127.0.0.1",
        web_port=port,
    )
    async with run_desk(settings):
        await sb.wait_for(lambda: desk_world.bot.webhook is not None, timeout=10)
        text = await bot_reply(sb, desk_world, desk_world.customer, "/start")
    assert "You are writing to the support team of Acme." in text


async def test_the_operator_group_is_welcomed_once_not_at_every_start(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> None:
    sb, world = desk_world.sandbox, desk_world
    settings = desk_settings(sb, world.bot, world.group, default_language="ru")
    for _ in range(2):
        async with run_desk(settings):
            await welcomed(world)
    shown = [m.body for m in sb.messages(world.group, general=True) if not m.service]
    assert shown == [
        "✅ botdesk подключён к этой группе. У каждого разговора с клиентом своя тема с "
        "карточкой заявки вверху; чтобы ответить, пишите в теме. /help — список команд."
    ]
