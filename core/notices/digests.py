"""The digest's schedule: armed at start, fired by the scheduler, queued exactly once.

Each digest period has a deadline named by its key (``digest:daily:2026-03-01``, due the
next day at ``DIGEST_TIME``; ``digest:weekly:2026-W09``, due on the Monday after). The
desk arms the next one at start (:func:`arm_digests`) and each firing arms the one after.

Exactly once: :func:`queue_digest` records the sent period in a ``ChannelCursor`` row named
``sent:<key>`` (unique) in the transaction that queues the outbox item, and queues nothing
when the row exists. The scheduler claims a deadline once and commits its work with
``fired_at``; the record also covers a digest queued from the command line
(``botdesk digest``) and two desks racing: the second insert fails, and its retry finds
the row. After an outage only the newest missed digest of each kind is sent
(:func:`~core.reports.digest_periods.stale`).
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from core.context import DeskContext
from core.models import ChannelCursor, Deadline
from core.outbox.queues import enqueue_on, managers_queue
from core.reports.digest_periods import (
    DEADLINE_KINDS,
    DigestKind,
    digest_key,
    due_at,
    following,
    latest_due,
    period_of,
    stale,
)
from core.reports.period import Period
from core.timers.deadlines import cancel, schedule
from core.timers.scheduler import Handler

log = logging.getLogger(__name__)

#: the outbox operation that draws and posts a digest (see core.notices.digest_post)
POST_DIGEST = "post_digest"


def sent_name(kind: DigestKind, period: Period) -> str:
    """The ``ChannelCursor`` name recording that the digest of ``period`` was queued."""
    return f"sent:{digest_key(kind, period)}"


async def already_sent(connection: BaseDBAsyncClient, kind: DigestKind, period: Period) -> bool:
    """Whether the digest of ``period`` was queued already (by the schedule or by hand)."""
    return await ChannelCursor.filter(name=sent_name(kind, period)).using_db(connection).exists()


async def queue_digest(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    kind: DigestKind,
    period: Period,
    now: datetime,
    *,
    again: bool = False,
) -> bool:
    """Queue the digest of ``period`` for the managers' place, once; True if queued.

    ``again`` queues it even if it was sent (a manager asked for it by hand).
    """
    name = sent_name(kind, period)
    if await already_sent(connection, kind, period):
        if not again:
            return False
        await ChannelCursor.filter(name=name).using_db(connection).update(value=now.isoformat())
    else:
        # a plain insert: the unique name stops a second desk racing for the same period
        await ChannelCursor.create(using_db=connection, name=name, value=now.isoformat())
    payload = {"kind": kind.value, "first": period.first.isoformat()}
    queue = managers_queue(ctx.group_chat_id, ctx.managers_chat_id)
    await enqueue_on(queue, POST_DIGEST, payload, now=now, using_db=connection)
    return True


def digest_period(payload: dict[str, object], ctx: DeskContext) -> tuple[DigestKind, Period]:
    """The kind and period stored in a digest deadline's or outbox item's payload."""
    kind = DigestKind(str(payload["kind"]))
    return kind, period_of(kind, date.fromisoformat(str(payload["first"])), ctx.timezone)


def _enabled(ctx: DeskContext, kind: DigestKind) -> bool:
    return ctx.digest.at is not None and (kind is DigestKind.DAILY or ctx.digest.weekly)


async def _arm(
    connection: BaseDBAsyncClient, ctx: DeskContext, kind: DigestKind, period: Period
) -> None:
    assert ctx.digest.at is not None
    payload = {"kind": kind.value, "first": period.first.isoformat()}
    due = due_at(kind, period, ctx.digest.at)
    await schedule(connection, digest_key(kind, period), DEADLINE_KINDS[kind], due, payload)


def digest_handlers(ctx: DeskContext) -> dict[str, Handler]:
    """The scheduler's handlers of the daily and weekly digest deadlines, by kind."""

    async def fire(connection: BaseDBAsyncClient, deadline: Deadline, now: datetime) -> None:
        kind, period = digest_period(dict(deadline.payload), ctx)
        if not _enabled(ctx, kind):
            return  # turned off since it was armed: neither sent nor armed again
        assert ctx.digest.at is not None
        if stale(kind, period, now, ctx.digest.at):
            log.info("digest %s skipped: a newer one is due already", deadline.key)
        elif not await queue_digest(connection, ctx, kind, period, now):
            log.info("digest %s was sent already", deadline.key)
        await _arm(connection, ctx, kind, following(kind, period))

    return {DEADLINE_KINDS[kind]: fire for kind in DigestKind}


async def arm_digests(ctx: DeskContext) -> None:
    """Arm the next digest of each kind at the desk's start (and drop the turned-off ones).

    A desk that had a digest armed by the latest period's due time re-arms that period:
    unsent (the desk was down at its time), it fires now; sent, its fired deadline makes
    this a no-op. Otherwise (a first start, or the first since that time came) only the
    next one is armed, so a desk never opens with a digest of a day it did not see.
    """
    now = ctx.clock.now()
    async with in_transaction() as connection:
        for kind in DigestKind:
            prefix = f"digest:{kind.value}:"
            armed = Deadline.filter(key__startswith=prefix).using_db(connection)
            if not _enabled(ctx, kind) or ctx.digest.at is None:
                await cancel(connection, *await _unfired(armed))
                continue
            latest = latest_due(kind, now, ctx.timezone, ctx.digest.at)
            keep = {digest_key(kind, following(kind, latest))}
            if await armed.filter(due_at__lte=due_at(kind, latest, ctx.digest.at)).exists():
                keep.add(digest_key(kind, latest))
                await _arm(connection, ctx, kind, latest)
            await _arm(connection, ctx, kind, following(kind, latest))
            # a change of DIGEST_TIME may leave an older period armed: it goes
            leftovers = [key for key in await _unfired(armed) if key not in keep]
            await cancel(connection, *leftovers)


async def _unfired(armed: QuerySet[Deadline]) -> list[str]:
    """The keys of the deadlines of ``armed`` that have not fired."""
    rows = await armed.filter(fired_at__isnull=True).only("key")
    return [row.key for row in rows]
