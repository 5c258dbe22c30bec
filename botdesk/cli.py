"""The ``botdesk`` command line: run | check | demo | sandbox | migrate | dead-letters | digest.

Every command reads the configuration first; a configuration problem prints one
explanatory paragraph to stderr and exits with code 2, before anything starts.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from botdesk.logs import setup_logging
from core.config import ConfigError, Settings, load_settings
from core.rule_settings import rules_from_settings
from core.sla_policies import sla_policies

EXIT_CONFIG = 2


def _run(settings: Settings | None, args: argparse.Namespace) -> Coroutine[Any, Any, int]:
    assert settings is not None
    # A missing token or group is told before the app's imports (aiogram's models take
    # seconds to load), so the paragraph comes at once.
    settings.require("bot_token", "operator_group_id", purpose="botdesk run")
    from botdesk.sqlite_lock import one_desk_per_sqlite_file

    async def go() -> int:
        # SIGTERM (docker stop, systemd) and Ctrl-C stop gracefully: updates being handled
        # finish and sends in flight complete, so a normal stop never causes a redelivery.
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        # A second desk on the same SQLite file is refused before anything touches it.
        with one_desk_per_sqlite_file(settings.database_url):
            from botdesk.app import run_app

            await run_app(settings, stop)
        return 0

    return go()


def _check(settings: Settings | None, args: argparse.Namespace) -> Coroutine[Any, Any, int]:
    from botdesk.checks import check_command

    assert settings is not None
    return check_command(settings)


def _migrate(settings: Settings | None, args: argparse.Namespace) -> Coroutine[Any, Any, int]:
    from core import db

    assert settings is not None

    async def go() -> int:
        applied = await db.migrate(settings.database_url)
        for name in applied:
            print(f"applied {name}")
        print(f"Applied {len(applied)} migration(s)." if applied else "Schema is up to date.")
        return 0

    return go()


def _sandbox(settings: Settings | None, args: argparse.Namespace) -> Coroutine[Any, Any, int]:
    from botdesk.sandbox_cli import serve

    return serve(host=args.host, port=args.port, limits=not args.no_limits)


def _demo(settings: Settings | None, args: argparse.Namespace) -> Coroutine[Any, Any, int]:
    from botdesk.demo import run_demo

    return run_demo(time_scale=args.time_scale)


def _dead_letters(settings: Settings | None, args: argparse.Namespace) -> Coroutine[Any, Any, int]:
    from botdesk.dead_letters_cli import dead_letters

    assert settings is not None
    return dead_letters(settings, args)


def _digest(settings: Settings | None, args: argparse.Namespace) -> Coroutine[Any, Any, int]:
    from botdesk.digest_cli import digest_command

    assert settings is not None
    return digest_command(settings, args)


Command = Callable[[Settings | None, argparse.Namespace], Coroutine[Any, Any, int]]
COMMANDS: dict[str, tuple[Command, str]] = {
    "run": (_run, "run the desk against Telegram (needs BOT_TOKEN and OPERATOR_GROUP_ID)"),
    "check": (_check, "check the token, operator group, database, Redis and VK; exit 0 or 2"),
    "demo": (_demo, "play a scripted scenario offline against the sandbox (needs nothing)"),
    "sandbox": (_sandbox, "start the offline Telegram Bot API emulator and keep it running"),
    "migrate": (_migrate, "create or upgrade the database schema at DATABASE_URL"),
    "dead-letters": (
        _dead_letters,
        "list the updates set aside after failing; `replay ID` or `drop ID` one",
    ),
    "digest": (
        _digest,
        "queue the managers' digest of a day (or --weekly a week); --dry-run prints it",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, one sub-command per entry of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="botdesk", description="A support desk that lives inside messengers."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if name == "sandbox":
            command.add_argument("--host", default="127.0.0.1")
            command.add_argument("--port", type=int, default=0, help="0 picks a free port")
            command.add_argument(
                "--no-limits", action="store_true", help="switch off the flood limits"
            )
        if name == "demo":
            command.add_argument(
                "--time-scale",
                type=float,
                default=1.0,
                metavar="FACTOR",
                help="shorten every flood-limit window by FACTOR (e.g. 0.1: a minute "
                "lasts 6 s); the counts stay Telegram's and VK's",
            )
        if name == "dead-letters":
            command.add_argument("action", nargs="?", choices=["replay", "drop"])
            command.add_argument("id", nargs="?", type=int, help="a dead letter's id")
        if name == "digest":
            from botdesk.digest_cli import add_arguments

            add_arguments(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_CONFIG
    try:
        # demo and sandbox bring their own world: they read no configuration at all.
        settings = None if args.command in {"demo", "sandbox"} else load_settings()
        if settings is None:
            setup_logging(logging.WARNING)
        else:
            sla_policies(settings)  # a bad [sla] stops every command, not only `run`
            rules_from_settings(settings)  # so does a bad [[rules]] block
            setup_logging(settings.log_level, settings.log_format)
        handler, _ = COMMANDS[args.command]
        return asyncio.run(handler(settings, args))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
