"""``botdesk check`` as an admin meets it: a ✓ / ✗ / ⚠ list, advice for each problem, 0 or 2.

The Telegram side: the token, the operator group and the bot's rights in it. One case
runs the command as a separate process, as a person types it.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest

from botdesk.checks import Report, check_command, start_line
from botdesk.cli import build_parser
from core.config import ConfigError, isolated_settings
from sandbox.telegram import BotAccount, TelegramSandbox
from tests.botdesk.checking import Check, setup
from tests.botdesk.processes import botdesk, closed_port


@pytest.mark.redis
async def test_all_good_lists_ticks_and_exits_0(
    telegram_sandbox: TelegramSandbox,
    desk_bot_account: BotAccount,
    migrated: str,
    check: Check,
    redis_url: str,
) -> None:
    group = setup(telegram_sandbox, desk_bot_account)
    result = await check(desk_bot_account, group, redis_url=redis_url)
    assert result.returncode == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "✓ Telegram bot: @desk_bot (Desk), token accepted"
    assert lines[1] == f'✓ Operator group: "Support desk" ({group.id}), a supergroup with Topics'
    assert lines[2] == (
        "✓ Bot's rights: administrator with Manage topics, Pin messages and Delete messages"
    )
    assert lines[3] == f"✓ Database: {migrated}, schema up to date"
    assert lines[4] == f"✓ Redis: {redis_url} answers"
    assert lines[5] == "– VK community: not used (VK_TOKEN is not set)"
    assert "Everything botdesk needs is in place." in result.stdout


async def test_a_wrong_token_is_named_with_the_way_to_get_the_right_one(
    telegram_sandbox: TelegramSandbox, desk_bot_account: BotAccount, migrated: str, tmp_path: Path
) -> None:
    # As typed in a shell: a process of its own, exit code 2, no traceback.
    group = setup(telegram_sandbox, desk_bot_account)
    forged = desk_bot_account.token.split(":")[0] + ":AA" + "x" * 33
    result = await botdesk(
        "check",
        cwd=tmp_path,
        TELEGRAM_API_BASE=telegram_sandbox.base_url,
        BOT_TOKEN=forged,
        OPERATOR_GROUP_ID=str(group.id),
        DATABASE_URL=migrated,
    )
    assert result.returncode == 2, result.output
    assert "Traceback" not in result.output
    assert "✗ Telegram bot: BOT_TOKEN is rejected (401 Unauthorized)" in result.stdout
    assert "– Operator group: not checked" in result.stdout
    assert "BOT_TOKEN is rejected by Telegram (401 Unauthorized)" in result.stdout
    assert "@BotFather" in result.stdout
    assert "1 problem to fix before botdesk can run." in result.stdout


async def test_unreachable_telegram_is_its_own_paragraph(
    telegram_sandbox: TelegramSandbox, desk_bot_account: BotAccount, migrated: str, check: Check
) -> None:
    group = setup(telegram_sandbox, desk_bot_account)
    nowhere = f"http://127.0.0.1:{closed_port()}"
    result = await check(desk_bot_account, group, telegram_api_base=nowhere)
    assert result.returncode == 2
    assert f"✗ Telegram bot: Telegram is unreachable at {nowhere}" in result.stdout
    assert f"TELEGRAM_API_BASE is {nowhere}, and it does not answer" in result.stdout


async def test_an_unknown_group_says_the_id_is_wrong_or_the_bot_is_not_in_it(
    telegram_sandbox: TelegramSandbox, desk_bot_account: BotAccount, migrated: str, check: Check
) -> None:
    setup(telegram_sandbox, desk_bot_account)
    result = await check(desk_bot_account, -1009999999999)
    assert result.returncode == 2
    assert "✗ Operator group: -1009999999999 is not visible to @desk_bot" in result.stdout
    assert "– Bot's rights: not checked" in result.stdout
    assert "OPERATOR_GROUP_ID is -1009999999999, and Telegram says @desk_bot cannot see" in (
        result.stdout
    )
    assert "the id is wrong or the bot is not a member of the group" in result.stdout
    assert "@getidsbot" in result.stdout


async def test_a_group_without_topics_is_fatal(
    telegram_sandbox: TelegramSandbox, desk_bot_account: BotAccount, migrated: str, check: Check
) -> None:
    group = setup(telegram_sandbox, desk_bot_account, forum=False)
    result = await check(desk_bot_account, group)
    assert result.returncode == 2
    assert '✗ Operator group: "Support desk" has Topics turned off' in result.stdout
    assert "Open the group's settings, turn on Topics" in result.stdout


@pytest.mark.parametrize(
    ("rights", "summary", "advice"),
    [
        (
            {"admin": False},
            "✗ Bot's rights: @desk_bot is not an administrator (member)",
            'The bot @desk_bot is not an administrator of the operator group "Support desk"',
        ),
        (
            {"can_manage_topics": False},
            '✗ Bot\'s rights: @desk_bot in "Support desk" lacks Manage topics',
            "without the right Manage topics: it cannot create a topic for a conversation",
        ),
    ],
    ids=["not-admin", "no-manage-topics"],
)
async def test_a_bot_without_the_rights_it_needs_is_fatal(
    telegram_sandbox: TelegramSandbox,
    desk_bot_account: BotAccount,
    migrated: str,
    check: Check,
    rights: dict[str, bool],
    summary: str,
    advice: str,
) -> None:
    group = setup(telegram_sandbox, desk_bot_account, **rights)
    result = await check(desk_bot_account, group)
    assert result.returncode == 2
    assert summary in result.stdout
    assert advice in result.stdout
    assert "turn on Manage topics" in result.stdout


async def test_a_missing_optional_right_is_a_warning_and_exits_0(
    telegram_sandbox: TelegramSandbox, desk_bot_account: BotAccount, migrated: str, check: Check
) -> None:
    group = setup(
        telegram_sandbox, desk_bot_account, can_pin_messages=False, can_delete_messages=False
    )
    result = await check(desk_bot_account, group)
    assert result.returncode == 0, result.output
    assert (
        "⚠ Bot's rights: administrator with Manage topics, but without Pin messages and "
        "Delete messages"
    ) in result.stdout
    assert "ticket cards are not pinned at the top of their topics" in result.stdout
    assert "cannot remove its own 'pinned' notices" in result.stdout
    assert "Everything botdesk needs is in place." in result.stdout


async def test_check_without_a_token_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="BOT_TOKEN is not set, and botdesk check needs it"):
        await check_command(isolated_settings(operator_group_id=-1001))


def test_check_is_a_command_of_its_own() -> None:
    parser = build_parser()
    assert parser.parse_args(["check"]).command == "check"
    assert "check the token, operator group, database, Redis and VK" in parser.format_help()


@pytest.mark.parametrize(
    ("webhook_url", "mode"), [(None, "long polling"), ("https://desk.example.com", "webhook")]
)
def test_the_start_line_names_version_bot_group_and_mode(
    webhook_url: str | None, mode: str
) -> None:
    report = Report(bot_username="acme_support_bot", group_title="Support desk")
    line = start_line(report, isolated_settings(webhook_url=webhook_url))
    assert line == (
        f'botdesk {version("botdesk")} started: @acme_support_bot, group "Support desk", {mode}'
        "; web on 0.0.0.0:8080"
    )
