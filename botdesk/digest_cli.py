"""``botdesk digest``: build the managers' digest of a day (or a week) from the command line.

* ``--dry-run`` prints the text to stdout and writes the chart to ``--out`` (default
  ``digest-YYYY-MM-DD.png``, the period's first day); Telegram is not touched.
* Without it the digest is queued for the managers' place in the database, as the
  schedule queues it: the running desk sends it within its outbox's poll interval (or the
  next start does), with the outbox's flood limits and retries. A period already sent is
  not queued again unless ``--again`` says so.

``--date`` is a desk-time day ``YYYY-MM-DD`` (default yesterday); with ``--weekly`` the
ISO week holding it (default the last full week).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from core import db
from core.config import Settings
from core.context import DeskContext
from core.digest_settings import digest_from_settings
from core.notices.digests import queue_digest
from core.reports.digest import build_digest
from core.reports.digest_chart import draw_digest_chart
from core.reports.digest_periods import DigestKind, period_of
from core.reports.digest_text import digest_text
from core.reports.period import Period

EXIT_USAGE = 2


class UsageError(ValueError):
    """An argument of ``botdesk digest`` that can't be used; the message says why."""


def add_arguments(command: argparse.ArgumentParser) -> None:
    """The options of ``botdesk digest``."""
    command.add_argument("--date", metavar="YYYY-MM-DD", help="the day (default: yesterday)")
    command.add_argument(
        "--weekly", action="store_true", help="the ISO week holding --date (default: last week)"
    )
    command.add_argument(
        "--dry-run", action="store_true", help="print the text and write the chart; send nothing"
    )
    command.add_argument("--out", metavar="PATH", help="where --dry-run writes the chart PNG")
    command.add_argument(
        "--again", action="store_true", help="queue it even if this period was sent already"
    )


def chosen_period(text: str | None, weekly: bool, today: date, zone: ZoneInfo) -> Period:
    """The period ``--date``/``--weekly`` name, counted from the desk's ``today``."""
    kind = DigestKind.WEEKLY if weekly else DigestKind.DAILY
    if text is None:
        default = today - timedelta(days=today.weekday() + 1 if weekly else 1)
        return period_of(kind, default, zone)
    try:
        day = date.fromisoformat(text.strip()) if len(text.strip()) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise UsageError(
            f"--date {text!r} is not a day; write it as YYYY-MM-DD, e.g. --date 2026-03-01."
        )
    if day > today:
        raise UsageError(
            f"--date {day} is in the future (today is {today} in the desk's time zone)."
        )
    return period_of(kind, day, zone)


def _context(settings: Settings) -> DeskContext:
    """The little of a desk the digest needs: language, time zone, the managers' place."""
    return DeskContext(
        group_chat_id=settings.operator_group_id or 0,
        locale=settings.operator_language,
        timezone=ZoneInfo(settings.timezone),
        managers_chat_id=settings.managers_chat_id,
        digest=digest_from_settings(settings),
    )


async def digest_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run ``botdesk digest``; the process exit code."""
    ctx = _context(settings)
    today = ctx.clock.now().astimezone(ctx.timezone).date()
    kind = DigestKind.WEEKLY if args.weekly else DigestKind.DAILY
    try:
        period = chosen_period(args.date, args.weekly, today, ctx.timezone)
        if not args.dry_run and settings.operator_group_id is None:
            raise UsageError(
                "OPERATOR_GROUP_ID is not set, so there is no managers' place to send to. "
                "Set it, or add --dry-run to see the digest here."
            )
    except UsageError as exc:
        print(f"botdesk digest: {exc}", file=sys.stderr)
        return EXIT_USAGE
    await db.init_db(settings.database_url)
    try:
        if args.dry_run:
            return await _dry_run(ctx, kind, period, Path(args.out or _default_out(period)))
        async with in_transaction() as connection:
            queued = await queue_digest(
                connection, ctx, kind, period, ctx.clock.now(), again=args.again
            )
    finally:
        await db.close_db()
    if not queued:
        print(
            f"The {kind} digest of {period.label} was sent already; add --again to send it again."
        )
        return 0
    print(
        f"The {kind} digest of {period.label} is queued for the managers; the running desk "
        "sends it (or the next start does)."
    )
    return 0


def _default_out(period: Period) -> str:
    return f"digest-{period.first.isoformat()}.png"


async def _dry_run(ctx: DeskContext, kind: DigestKind, period: Period, out: Path) -> int:
    """Print the digest's text and write its chart to ``out``; touch nothing else."""
    digest = await build_digest(kind, period, ctx)
    png = await asyncio.to_thread(draw_digest_chart, digest, ctx.locale)
    try:
        await asyncio.to_thread(out.write_bytes, png)
    except OSError as exc:
        print(f"botdesk digest: cannot write the chart to {out}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    print(digest_text(digest, ctx.locale, ctx.group_chat_id))
    print(f"\nChart written to {out}", file=sys.stderr)
    return 0
