"""In a private chat either side may delete any message for both (as on Telegram)."""

from __future__ import annotations

import pytest
from aiogram import Bot

from sandbox.telegram import SandboxError
from tests.fixtures.telegram_sandbox import DeskWorld


async def test_a_user_deletes_the_bots_message_in_their_private_chat(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    sb, alice = desk_world.sandbox, desk_world.customer
    sent = await desk_bot.send_message(alice.id, "hello")
    view = next(m for m in sb.messages((desk_world.bot, alice)) if m.body == "hello")
    sb.delete_message(alice, view)
    assert not sb.messages((desk_world.bot, alice))
    with pytest.raises(Exception, match="message to edit not found"):
        await desk_bot.edit_message_text("changed", chat_id=alice.id, message_id=sent.message_id)


async def test_a_user_still_cannot_delete_others_messages_in_a_group(
    desk_world: DeskWorld,
) -> None:
    sb = desk_world.sandbox
    guest = sb.create_user("Guest")
    sb.add_member(desk_world.group, guest)
    owner_says = sb.send_text(desk_world.owner, desk_world.group, "rules")
    with pytest.raises(SandboxError):
        sb.delete_message(guest, owner_says)
