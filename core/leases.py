"""Leases in the database: one holder at a time, for ``ttl`` seconds, with a fencing token.

Several ``botdesk run`` processes on one PostgreSQL database agree through these rows
on who long-polls the messengers and who sends to the operator group right now, and
see which of them are alive (each renews ``instance:<name>``). A lease is taken, or
renewed by its holder, in one conditional ``UPDATE``: a row's update is atomic on both
engines, so of two processes only one can win an expired lease. Times are read from the
database server's clock, never from the processes' own.

The *fencing token* grows whenever the lease passes to another holder. A process that
was paused (a long GC, a stopped VM) past its expiry may wake up believing it still
holds the lease; writes it guards with :func:`still_held` then change nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from core.lookup import marks, sql
from core.models import Lease

__all__ = ["INSTANCE", "alive", "db_now", "release", "still_held", "take"]

#: the prefix of the lease a running process renews to say it lives
INSTANCE = "instance:"


def db_now(connection: BaseDBAsyncClient) -> str:
    """SQL for the database server's time in seconds since the epoch (a float)."""
    if connection.capabilities.dialect == "postgres":
        return "EXTRACT(EPOCH FROM clock_timestamp())::float8"
    return "((julianday('now') - 2440587.5) * 86400.0)"


_TAKE = """
UPDATE leases
   SET token = CASE WHEN holder = {0} THEN token ELSE token + 1 END,
       holder = {1}, expires_at = %(now)s + {2}
 WHERE name = {3} AND (holder = {4} OR expires_at < %(now)s)
RETURNING token
"""

_CREATE = "INSERT INTO leases (name, holder, token, expires_at) VALUES ({0}, '', 0, 0)"

_RELEASE = "UPDATE leases SET expires_at = 0 WHERE name = {0} AND holder = {1}"

_ALIVE = "SELECT name FROM leases WHERE name IN (%(names)s) AND expires_at >= %(now)s"


def _db(connection: BaseDBAsyncClient | None) -> BaseDBAsyncClient:
    return connection if connection is not None else Lease._meta.db


async def take(
    name: str, holder: str, ttl: float, connection: BaseDBAsyncClient | None = None
) -> int | None:
    """Take the lease ``name`` for ``holder`` (or renew it) for ``ttl`` seconds.

    Returns the fencing token, or None while another holder's lease has not expired.
    Renewing keeps the token; taking it from someone else (or after a release) by a new
    holder raises it.
    """
    db = _db(connection)
    statement = sql(db, _TAKE % {"now": db_now(db)}, 5)
    values = [holder, holder, float(ttl), name, holder]
    for _ in range(2):
        rows = await db.execute_query_dict(statement, values)
        if rows:
            return int(rows[0]["token"])
        if await Lease.filter(name=name).using_db(db).exists():
            return None
        # the first take of this name anywhere: create the row, then take it; another
        # process creating it at the same moment is just as good
        with contextlib.suppress(IntegrityError):
            await db.execute_query(sql(db, _CREATE, 1), [name])
    return None


async def release(name: str, holder: str, connection: BaseDBAsyncClient | None = None) -> None:
    """Let the lease go at once (a clean stop): the next process need not wait out its ttl."""
    db = _db(connection)
    await db.execute_query(sql(db, _RELEASE, 2), [name, holder])


def still_held(name_mark: str, holder_mark: str, token_mark: str) -> str:
    """A SQL condition: the lease is still held by that holder with that token.

    The arguments are the placeholders (``{3}`` …) bound to the name, holder and token;
    a write guarded with it changes nothing once the lease has passed on.
    """
    return (
        f"EXISTS (SELECT 1 FROM leases WHERE name = {name_mark}"
        f" AND holder = {holder_mark} AND token = {token_mark})"
    )


async def alive(names: Sequence[str], connection: BaseDBAsyncClient | None = None) -> set[str]:
    """Those of the processes ``names`` whose instance lease has not expired."""
    if not names:
        return set()
    db = _db(connection)
    template = _ALIVE % {"names": marks(0, len(names)), "now": db_now(db)}
    rows = await db.execute_query_dict(
        sql(db, template, len(names)), [INSTANCE + name for name in names]
    )
    return {str(row["name"]).removeprefix(INSTANCE) for row in rows}
