"""Members and the chat: ban, unban, restrict, leave, invite links, through aiogram."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import ChatMemberBanned, ChatMemberLeft, ChatMemberRestricted, ChatPermissions

from sandbox.telegram import SandboxError
from tests.fixtures.telegram_sandbox import DeskWorld


async def test_ban_removes_the_member_and_their_messages(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    sb, group = desk_world.sandbox, desk_world.group
    spammer = sb.create_user("Spammer")
    sb.add_member(group, spammer)
    sb.send_text(spammer, group, "buy now")
    await desk_bot.get_updates(allowed_updates=["message", "chat_member"], timeout=0)
    assert await desk_bot.ban_chat_member(group.id, spammer.id)
    member = await desk_bot.get_chat_member(group.id, spammer.id)
    assert isinstance(member, ChatMemberBanned) and member.until_date.timestamp() == 0
    assert [m.body for m in sb.messages(group)] == []  # revoke_messages: always, in supergroups
    with pytest.raises(SandboxError, match="not a member"):
        sb.send_text(spammer, group, "again")
    updates = await desk_bot.get_updates(offset=-1, timeout=0)
    change = updates[-1].chat_member
    assert change is not None and change.new_chat_member.status == "kicked"

    assert await desk_bot.unban_chat_member(group.id, spammer.id, only_if_banned=True)
    assert isinstance(await desk_bot.get_chat_member(group.id, spammer.id), ChatMemberLeft)


async def test_ban_needs_the_right_and_spares_admins(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb, group = desk_world.sandbox, desk_world.group
    with pytest.raises(TelegramBadRequest, match="user is an administrator of the chat"):
        await desk_bot.ban_chat_member(group.id, desk_world.operator.id)
    with pytest.raises(TelegramBadRequest, match="can't remove chat owner"):
        await desk_bot.ban_chat_member(group.id, desk_world.owner.id)
    with pytest.raises(TelegramBadRequest, match="can't restrict self"):
        await desk_bot.ban_chat_member(group.id, desk_world.bot.id)
    with pytest.raises(TelegramBadRequest, match="method is available only for supergroups"):
        await desk_bot.ban_chat_member(desk_world.customer.id, desk_world.customer.id)
    sb.set_bot_rights(group, desk_world.bot, admin=True, can_restrict_members=False)
    with pytest.raises(
        TelegramBadRequest, match="not enough rights to restrict/unrestrict chat member"
    ):
        await desk_bot.ban_chat_member(group.id, desk_world.customer.id)


async def test_unban_without_only_if_banned_removes_a_member(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    sb, group = desk_world.sandbox, desk_world.group
    guest = sb.create_user("Guest")
    sb.add_member(group, guest)
    assert await desk_bot.unban_chat_member(group.id, guest.id, only_if_banned=True)
    assert (await desk_bot.get_chat_member(group.id, guest.id)).status == "member"
    assert await desk_bot.unban_chat_member(group.id, guest.id)
    assert (await desk_bot.get_chat_member(group.id, guest.id)).status == "left"


async def test_restrict_and_lift(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb, group = desk_world.sandbox, desk_world.group
    guest = sb.create_user("Guest")
    sb.add_member(group, guest)
    await desk_bot.restrict_chat_member(
        group.id, guest.id, ChatPermissions(can_send_polls=True), until_date=0
    )
    member = await desk_bot.get_chat_member(group.id, guest.id)
    assert isinstance(member, ChatMemberRestricted) and member.is_member
    # without independent permissions, polls imply plain messages
    assert member.can_send_polls and member.can_send_messages and not member.can_send_photos
    sb.send_text(guest, group, "still here")
    await desk_bot.restrict_chat_member(
        group.id,
        guest.id,
        ChatPermissions(can_send_polls=True),
        use_independent_chat_permissions=True,
    )
    with pytest.raises(SandboxError, match="restricted"):
        sb.send_text(guest, group, "muted")
    every = {name: True for name in ChatPermissions.model_fields}
    await desk_bot.restrict_chat_member(group.id, guest.id, ChatPermissions(**every))
    assert (await desk_bot.get_chat_member(group.id, guest.id)).status == "member"
    with pytest.raises(TelegramBadRequest, match="user is an administrator of the chat"):
        await desk_bot.restrict_chat_member(group.id, desk_world.operator.id, ChatPermissions())


async def test_leave_chat_tells_the_bot(desk_world: DeskWorld, desk_bot: Bot) -> None:
    group = desk_world.group
    assert await desk_bot.leave_chat(group.id)
    updates = await desk_bot.get_updates(timeout=0)
    left = updates[-1].my_chat_member
    assert left is not None and left.new_chat_member.status == "left"
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await desk_bot.get_chat(group.id)


async def test_invite_links_need_the_right(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb, group = desk_world.sandbox, desk_world.group
    first = await desk_bot.export_chat_invite_link(group.id)
    second = await desk_bot.export_chat_invite_link(group.id)
    assert first.startswith("https://t.me/+") and second != first
    assert (await desk_bot.get_chat(group.id)).invite_link == second
    sb.set_bot_rights(group, desk_world.bot, admin=True, can_invite_users=False)
    with pytest.raises(TelegramBadRequest, match="not enough rights to export chat invite link"):
        await desk_bot.export_chat_invite_link(group.id)
