"""The Telegram checks: the token (getMe) and the operator group (getChat, getChatMember).

They run through the very ``Bot`` that ``botdesk run`` builds, so a wrong
``TELEGRAM_API_BASE`` or token shows up here exactly as it would at run time.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import (
    AiogramError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramUnauthorizedError,
)
from aiogram.types import ChatFullInfo, ChatMemberAdministrator, User

from botdesk.checks.outcome import Outcome, failed, ok, warning
from core.config import Settings

BOT = "Telegram bot"
GROUP = "Operator group"
RIGHTS = "Bot's rights"
# A check answers within seconds or says the server is unreachable.
TIMEOUT = 10

_GET_ID = (
    "check the id: forward a message from the group to a bot such as @getidsbot "
    "(a supergroup id starts with -100)"
)


def telegram_address(settings: Settings) -> str:
    """Where the bot talks to: ``TELEGRAM_API_BASE``, or Telegram itself."""
    return settings.telegram_api_base or "https://api.telegram.org"


def _unreachable(settings: Settings, error: BaseException) -> Outcome:
    where = telegram_address(settings)
    setting = (
        f"TELEGRAM_API_BASE is {where}, and"
        if settings.telegram_api_base
        else "TELEGRAM_API_BASE is not set, so botdesk talks to api.telegram.org, and"
    )
    return failed(
        BOT,
        f"Telegram is unreachable at {where}",
        f"{setting} it does not answer ({_reason(error)}). Check the machine's network, "
        "DNS and firewall (outgoing HTTPS must be allowed), or correct TELEGRAM_API_BASE "
        "(unset it to use api.telegram.org), then run `botdesk check` again.",
    )


def _reason(error: BaseException) -> str:
    text = getattr(error, "message", None) or str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


async def check_token(bot: Bot, settings: Settings) -> tuple[Outcome, User | None]:
    """``getMe``: is ``BOT_TOKEN`` a live bot's token? Returns the bot's user on success."""
    try:
        me = await bot.get_me(request_timeout=TIMEOUT)
    except TelegramUnauthorizedError:
        return failed(
            BOT,
            "BOT_TOKEN is rejected (401 Unauthorized)",
            "BOT_TOKEN is rejected by Telegram (401 Unauthorized): the token is wrong or "
            "was revoked. Open @BotFather, send /mybots, choose the bot, press 'API Token' "
            "and copy the current token into BOT_TOKEN (in the environment, .env or "
            "botdesk.toml).",
        ), None
    except (TelegramNetworkError, TimeoutError, OSError) as exc:
        return _unreachable(settings, exc), None
    except (TelegramAPIError, AiogramError) as exc:
        return failed(
            BOT,
            "getMe failed",
            f"Telegram at {telegram_address(settings)} answered getMe with an error "
            f"({_reason(exc)}). If TELEGRAM_API_BASE is set, make sure it is the base address "
            "of a Bot API server; otherwise check BOT_TOKEN with @BotFather.",
        ), None
    return ok(BOT, f"@{me.username} ({me.full_name}), token accepted"), me


async def check_group(
    bot: Bot, settings: Settings, me: User
) -> tuple[Outcome, ChatFullInfo | None]:
    """``getChat``: does the bot see ``OPERATOR_GROUP_ID``, and is it a forum supergroup?"""
    group_id = settings.operator_group_id
    assert group_id is not None
    try:
        chat = await bot.get_chat(group_id, request_timeout=TIMEOUT)
    except TelegramMigrateToChat as exc:
        return failed(
            GROUP,
            f"{group_id} became the supergroup {exc.migrate_to_chat_id}",
            f"OPERATOR_GROUP_ID is {group_id}, the old id of a group that Telegram has turned "
            f"into a supergroup with the id {exc.migrate_to_chat_id}. Set "
            f"OPERATOR_GROUP_ID={exc.migrate_to_chat_id}.",
        ), None
    except (TelegramBadRequest, TelegramForbiddenError) as exc:
        return failed(
            GROUP,
            f"{group_id} is not visible to @{me.username} ({exc.message})",
            f"OPERATOR_GROUP_ID is {group_id}, and Telegram says @{me.username} cannot see "
            f"that chat ({exc.message}): either the id is wrong or the bot is not a member "
            "of the group. Add the bot to the operator group as an administrator with "
            f"'Manage topics', and {_GET_ID}.",
        ), None
    except (TelegramNetworkError, TimeoutError, OSError) as exc:
        return _unreachable(settings, exc), None
    except TelegramAPIError as exc:
        return failed(
            GROUP,
            f"getChat failed ({exc.message})",
            f"Telegram answered getChat for OPERATOR_GROUP_ID={group_id} with an error "
            f"({exc.message}). Make sure the id is the operator group's and {_GET_ID}.",
        ), None
    if chat.type != "supergroup" or not chat.is_forum:
        return _not_a_forum(chat, group_id), None
    return ok(GROUP, f'"{chat.title}" ({group_id}), a supergroup with Topics'), chat


def _not_a_forum(chat: ChatFullInfo, group_id: int) -> Outcome:
    name = f'"{chat.title}"' if chat.title else str(group_id)
    if chat.type == "supergroup":
        return failed(
            GROUP,
            f"{name} has Topics turned off",
            f"OPERATOR_GROUP_ID is {group_id}, the group {name}, which has Topics turned off: "
            "botdesk gives every conversation a topic of its own, so customers' messages "
            "could not reach operators. Open the group's settings, turn on Topics, and run "
            "`botdesk check` again.",
        )
    if chat.type == "group":
        return failed(
            GROUP,
            f"{name} is a basic group without Topics",
            f"OPERATOR_GROUP_ID is {group_id}, the basic group {name}; botdesk needs a "
            "supergroup with Topics. Open the group's settings and turn on Topics: Telegram "
            "then makes it a supergroup with a new id starting with -100; put that id into "
            "OPERATOR_GROUP_ID.",
        )
    return failed(
        GROUP,
        f"{name} is a {chat.type}, not a group",
        f"OPERATOR_GROUP_ID is {group_id}, which is a {chat.type}. Create a supergroup with "
        f"Topics turned on for your operators, add the bot as an administrator, and {_GET_ID}.",
    )


async def check_rights(bot: Bot, settings: Settings, me: User, chat: ChatFullInfo) -> Outcome:
    """``getChatMember`` of the bot: an administrator with Manage topics (Pin, Delete: ideally)."""
    try:
        member = await bot.get_chat_member(chat.id, me.id, request_timeout=TIMEOUT)
    except (TelegramNetworkError, TimeoutError, OSError) as exc:
        return _unreachable(settings, exc)
    except TelegramAPIError as exc:
        return failed(
            RIGHTS,
            f"unknown ({exc.message})",
            f"Telegram did not tell botdesk the rights of @{me.username} in "
            f'"{chat.title}" ({exc.message}). Make sure the bot is an administrator of the '
            "group set in OPERATOR_GROUP_ID.",
        )
    where = f'@{me.username} in "{chat.title}"'
    promote = (
        f"Open the group's settings → Administrators → Add administrator, choose @{me.username} "
        "and turn on Manage topics, Pin messages and Delete messages."
    )
    if not isinstance(member, ChatMemberAdministrator):
        return failed(
            RIGHTS,
            f"@{me.username} is not an administrator ({member.status})",
            f"The bot @{me.username} is not an administrator of the operator group "
            f'"{chat.title}" (OPERATOR_GROUP_ID={chat.id}; it is {member.status}): it cannot '
            f"create a topic for each conversation nor see operators' replies. {promote}",
        )
    if not member.can_manage_topics:
        return failed(
            RIGHTS,
            f"{where} lacks Manage topics",
            f"The bot @{me.username} is an administrator of the operator group "
            f'"{chat.title}" without the right Manage topics: it cannot create a topic for '
            "a conversation, so customers' messages could not reach operators. Open the "
            f"group's settings → Administrators → @{me.username} and turn on Manage topics.",
        )
    return _optional_rights(member, me, chat)


def _optional_rights(member: ChatMemberAdministrator, me: User, chat: ChatFullInfo) -> Outcome:
    # Without these botdesk still works: say what is lost, not that it is broken.
    lost = []
    if not member.can_pin_messages:
        lost.append(("Pin messages", "ticket cards are not pinned at the top of their topics"))
    if not member.can_delete_messages:
        lost.append(
            (
                "Delete messages",
                "botdesk cannot remove its own 'pinned' notices from topics nor a topic it "
                "created twice after a crash",
            )
        )
    if not lost:
        return ok(RIGHTS, "administrator with Manage topics, Pin messages and Delete messages")
    names = " and ".join(name for name, _ in lost)
    effects = "; and ".join(effect for _, effect in lost)
    return warning(
        RIGHTS,
        f"administrator with Manage topics, but without {names}",
        f'The bot @{me.username} is an administrator of "{chat.title}" without {names}, '
        f"so {effects}. botdesk runs without them. Open the group's settings → "
        f"Administrators → @{me.username} and turn on {names}.",
    )
