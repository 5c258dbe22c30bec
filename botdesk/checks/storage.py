"""The storage checks: the database at ``DATABASE_URL`` and Redis at ``REDIS_URL``."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import AuthenticationError, RedisError
from tortoise.exceptions import BaseORMException

from botdesk.checks.outcome import Outcome, failed, ok, redact, skipped
from core import db
from core.config import Settings

DATABASE = "Database"
REDIS = "Redis"
# Long enough for a server across a network, short enough that a wrong address is
# reported while the person is still looking at the terminal.
TIMEOUT = 10.0

_DATABASE_FIX = (
    "Start the server or correct DATABASE_URL (postgres://user:password@host:5432/dbname, "
    "or sqlite://data/botdesk.sqlite3 for a single machine)"
)


def _reason(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer within {TIMEOUT:.0f} s"
    return f"{type(error).__name__}: {error}".rstrip(": ")


async def check_database(settings: Settings, *, migrate: bool) -> Outcome:
    """Is the database reachable and migrated? With ``migrate``, apply what is pending first.

    ``botdesk run`` migrates at start, so for it pending migrations are no problem;
    ``botdesk check`` only looks, and reports them with the command that applies them.
    """
    url = settings.database_url
    shown = redact(url)
    path = db.sqlite_path(url)
    if not migrate and path is not None and not path.is_file():
        return failed(
            DATABASE,
            f"{shown} does not exist yet",
            f"DATABASE_URL is {shown}, and there is no database file at {path} yet. Run "
            "`botdesk migrate` to create it (`botdesk run` also does so at its start), or "
            "correct DATABASE_URL if the database lives elsewhere.",
        )
    try:
        async with asyncio.timeout(TIMEOUT):  # reachable at all?
            pending = await db.pending_migrations(url)
        if migrate and pending:
            # no time limit: an index over a big table, or another process's migration
            # this one waits for, takes what it takes (core.db logs each step)
            await db.migrate(url)
            pending = await db.pending_migrations(url)
    except (OSError, TimeoutError, BaseORMException) as exc:
        return failed(
            DATABASE,
            f"{shown} is unreachable",
            f"DATABASE_URL is {shown}, and botdesk cannot use that database "
            f"({_reason(exc)}). {_DATABASE_FIX}; the database must exist and the user must "
            "be allowed to connect to it and create tables.",
        )
    if pending:
        return failed(
            DATABASE,
            f"{shown} lacks {len(pending)} migration(s)",
            f"DATABASE_URL is {shown}, whose schema is behind this version of botdesk: "
            f"{len(pending)} migration(s) are not applied ({', '.join(pending)}). Run "
            "`botdesk migrate` (`botdesk run` also applies them at its start).",
        )
    return ok(DATABASE, f"{shown}, schema up to date")


async def check_redis(settings: Settings) -> Outcome:
    """PING Redis at ``REDIS_URL`` (when set) with a short timeout and no retries."""
    url = settings.redis_url
    if not url:
        return skipped(REDIS, "not used (REDIS_URL is not set; fine for a single instance)")
    shown = redact(url)
    client = Redis.from_url(
        url,
        socket_connect_timeout=TIMEOUT,
        socket_timeout=TIMEOUT,
        retry=Retry(NoBackoff(), 0),
    )
    try:
        async with asyncio.timeout(TIMEOUT):
            # redis-py types ping() for its sync and async clients at once
            await client.ping()  # type: ignore[misc]
    except AuthenticationError as exc:
        return failed(
            REDIS,
            f"{shown} refused the credentials",
            f"REDIS_URL is {shown}, and Redis refused its credentials ({exc}). Put the right "
            "user and password into the URL (redis://user:password@host:6379/0).",
        )
    except (RedisError, OSError, TimeoutError) as exc:
        return failed(
            REDIS,
            f"{shown} does not answer",
            f"REDIS_URL is {shown}, and Redis does not answer there ({_reason(exc)}). Start "
            "Redis at that address, correct REDIS_URL, or leave REDIS_URL unset to run a "
            "single instance without Redis.",
        )
    finally:
        await client.aclose()
    return ok(REDIS, f"{shown} answers")
