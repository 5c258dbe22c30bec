"""All start-up checks in order, for ``botdesk check`` and for the start of ``botdesk run``."""

from __future__ import annotations

import asyncio
import logging
from importlib.metadata import PackageNotFoundError, version

from aiogram import Bot

from botdesk.checks.outcome import VK, Outcome, Report, skipped
from botdesk.checks.storage import check_database, check_redis
from botdesk.checks.telegram import GROUP, RIGHTS, check_group, check_rights, check_token
from botdesk.telegram import build_bot
from core.config import ConfigError, Settings

log = logging.getLogger("botdesk.checks")


class StartupCheckFailed(ConfigError):
    """botdesk must not start; the text is one paragraph per problem, for stderr.

    A :class:`ConfigError`, so the command line prints it and exits 2 like any other
    problem an admin must fix.
    """


async def _telegram(bot: Bot, settings: Settings, report: Report) -> list[Outcome]:
    # Each step needs the one before: no group without a working token, no rights
    # without a group the bot can see.
    token, me = await check_token(bot, settings)
    if me is None:
        return [token, skipped(GROUP, "not checked: the bot's token has to work first")]
    report.bot_username = me.username
    group, chat = await check_group(bot, settings, me)
    if chat is None:
        return [token, group, skipped(RIGHTS, "not checked: the group has to be right first")]
    report.group_title = chat.title
    return [token, group, await check_rights(bot, settings, me, chat)]


async def _vk(settings: Settings) -> Outcome:
    if settings.vk_token is None:
        return skipped(VK, "not used (VK_TOKEN is not set)")
    from botdesk.checks.vk import check_vk

    return await check_vk(settings)


async def run_checks(settings: Settings, bot: Bot, *, migrate: bool) -> Report:
    """Check Telegram (through ``bot``), the database, Redis and VK; never raises for them.

    With ``migrate`` (``botdesk run``) pending migrations are applied first. The checks
    of different services run side by side, so an unreachable one costs one timeout.
    """
    settings.require("bot_token", "operator_group_id", purpose="botdesk check")
    report = Report()
    telegram, database, redis, vk = await asyncio.gather(
        _telegram(bot, settings, report),
        check_database(settings, migrate=migrate),
        check_redis(settings),
        _vk(settings),
    )
    for outcome in [*telegram, database, redis, vk]:
        report.add(outcome)
    return report


async def check_command(settings: Settings) -> int:
    """``botdesk check``: print every check with ✓ / ✗ / ⚠ and the advice; 0 or 2."""
    settings.require("bot_token", "operator_group_id", purpose="botdesk check")
    bot = build_bot(settings)
    try:
        report = await run_checks(settings, bot, migrate=False)
    finally:
        await bot.session.close()
    print(report.render(), flush=True)
    return 2 if report.fatal else 0


async def preflight(settings: Settings, bot: Bot) -> Report:
    """The start of ``botdesk run``: migrate, check, log warnings; raise on a fatal problem.

    ``bot`` is the desk's own bot, so the checks exercise the client that will run; when
    they refuse, its session is closed here, as the desk will never use it.
    """
    try:
        report = await run_checks(settings, bot, migrate=True)
        for outcome in report.warnings:
            log.warning("%s", outcome.advice)
        if report.fatal:
            raise StartupCheckFailed(
                "\n\n".join(f"Start-up check failed: {o.advice}" for o in report.fatal)
            )
    except BaseException:
        await bot.session.close()
        raise
    return report


def botdesk_version() -> str:
    """The installed version of botdesk (``unknown`` when run from an uninstalled tree)."""
    try:
        return version("botdesk")
    except PackageNotFoundError:
        return "unknown"


def start_line(report: Report, settings: Settings) -> str:
    """The one line logged when the desk starts: version, bot, group and how updates come."""
    mode = "webhook" if settings.webhook_url else "long polling"
    return (
        f"botdesk {botdesk_version()} started: @{report.bot_username}, "
        f'group "{report.group_title}", {mode}; web on {settings.web_host}:{settings.web_port}'
    )
