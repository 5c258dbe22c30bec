"""Telling an outage from a poison update, and logging an outage once.

When handling an update fails, two very different things may have happened:

* a service the desk depends on is unreachable for a while (the database, Redis, a
  messenger's API): the update is fine, waiting and retrying will handle it, and it
  must stay unacknowledged meanwhile; even a dead letter could not be stored;
* the update itself makes the handling fail (bad data, a bug): retrying forever would
  block every update behind it, so after a few tries it is set aside.

:func:`is_outage` draws that line, for every loop that handles updates and for the
database layer's reconnects. :class:`OutageLog` keeps the log readable during an
outage: one WARNING when it starts, one INFO when it ends, nothing per retry; the
update loops and the outbox (:mod:`core.outbox.outages`) share it.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
import redis.exceptions
from tortoise.exceptions import DBConnectionError, OperationalError

from core.clock import Clock
from core.errors import RetryLater, TransientError

__all__ = [
    "UNREACHABLE",
    "WAITING",
    "OutageLog",
    "Wording",
    "describe",
    "is_outage",
    "is_service_outage",
]

#: The exception itself means "the other side is not there (right now)".
_SERVICE_OUTAGE_TYPES: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused, reset, aborted
    TimeoutError,
    asyncpg.PostgresConnectionError,  # the connection broke or could not be made
    asyncpg.exceptions.OperatorInterventionError,  # pg_terminate_backend, shutdown
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InternalClientError,  # a protocol state left by a cut mid-query
    redis.exceptions.ConnectionError,  # includes BusyLoadingError
    redis.exceptions.TimeoutError,
    redis.exceptions.ReadOnlyError,  # a replica during failover
    DBConnectionError,  # tortoise's own word for it
)
#: A messenger's network failure or 5xx, and its rate limit, as the adapters report them.
_MESSENGER_OUTAGE_TYPES: tuple[type[BaseException], ...] = (TransientError, RetryLater)

# asyncpg's InterfaceError also covers programming errors (wrong argument counts), which
# would fail forever: only these messages are about the connection.
_INTERFACE_OUTAGES = (
    "connection has been released back to the pool",
    "connection is closed",
    "connection was closed",
    "underlying connection is closed",
    "pool is closing",
    "another operation is in progress",
)

# SQLSTATE classes: connection exception, operator intervention (shutdown, restart),
# insufficient resources (too many connections, disk full)
_OUTAGE_STATES = ("08", "57P", "53")

# PostgreSQL refusing connections to one database (ALLOW_CONNECTIONS false, being
# dropped or restored) reports "object not in prerequisite state", a broad class.
_POSTGRES_OUTAGES = ("not currently accepting connections", "the database system is")

# sqlite3.OperationalError is also raised for SQL mistakes; these mean "try again later".
_SQLITE_OUTAGES = ("database is locked", "database table is locked", "unable to open", "disk i/o")


def _chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and the exceptions it was raised from or during, without loops.

    An exception passed as an argument counts too: tortoise wraps a driver's error as
    ``OperationalError(exc)``.
    """
    seen: set[int] = set()
    waiting: list[BaseException] = [error]
    while waiting:
        current = waiting.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = (current.__cause__, current.__context__, *current.args)
        waiting.extend(link for link in linked if isinstance(link, BaseException))


def _is_service_outage_itself(error: BaseException) -> bool:
    if isinstance(error, _SERVICE_OUTAGE_TYPES):
        return True
    if isinstance(error, OSError):
        # a refused or reset socket, an unreachable host; a missing file is no outage
        return not isinstance(error, FileNotFoundError | IsADirectoryError | PermissionError)
    text = str(error).lower()
    if isinstance(error, asyncpg.InterfaceError):
        return any(marker in text for marker in _INTERFACE_OUTAGES)
    if isinstance(error, asyncpg.PostgresError):
        state = str(getattr(error, "sqlstate", "") or "")
        return state.startswith(_OUTAGE_STATES) or any(m in text for m in _POSTGRES_OUTAGES)
    if isinstance(error, sqlite3.OperationalError | OperationalError):
        return any(marker in text for marker in _SQLITE_OUTAGES)
    return False


def is_service_outage(error: BaseException) -> bool:
    """True if ``error`` says the database or Redis could not be reached, not that the work
    was wrong.

    Work that met such an error passes by itself once the service is back: it is retried
    later, unchanged, and spends no attempt. The whole chain counts (``raise … from …``
    and exceptions raised while handling another): tortoise wraps asyncpg's and
    sqlite3's errors in its own.
    """
    return any(_is_service_outage_itself(link) for link in _chain(error))


def is_outage(error: BaseException, also: tuple[type[BaseException], ...] = ()) -> bool:
    """True if ``error`` means a service we depend on is unreachable, not that the work is bad.

    Services are the database and Redis (:func:`is_service_outage`) and the messengers, as
    the adapters report their network failures and rate limits. ``also`` adds types only
    an adapter knows (aiogram's network errors, say), since core imports no SDK. Anything
    else, a ``ValueError`` from bad data or a constraint violation, is not an outage:
    retrying it will fail the same way.
    """
    extra = _MESSENGER_OUTAGE_TYPES + also
    return any(isinstance(link, extra) for link in _chain(error)) or is_service_outage(error)


def describe(error: BaseException) -> str:
    """``Type: message`` of an exception, for one log line or a stored error."""
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


@dataclass(frozen=True, slots=True)
class Wording:
    """The two log lines of an outage: ``start`` (name, error), ``end`` (name, s, failures)."""

    start: str
    end: str


#: The work named waits on whatever service is out (the loops that take updates in).
WAITING = Wording(
    "%s wait: a service is unreachable (%s); retrying until it is back",
    "%s resume: the service answers again after %.0fs and %d retries",
)
#: The service named is out (the database, Telegram, VK as the outbox meets them).
UNREACHABLE = Wording(
    "%s unreachable: %s; retrying",
    "%s reachable again after %.1f s (%d failed tries)",
)


class OutageLog:
    """One WARNING when an outage starts and one INFO when it ends, however long it lasts.

    ``what`` names the work that waits (``"Telegram updates"``) or, with
    :data:`UNREACHABLE`, the service that is out (``"database"``), so the two lines read as
    a pair in the log. It also remembers since when the outage lasts (by ``clock``, or the
    monotonic clock) and how many failures it met, which pace the retries (:meth:`backoff`).
    """

    def __init__(
        self,
        what: str,
        logger: logging.Logger,
        *,
        wording: Wording = WAITING,
        clock: Clock | None = None,
    ) -> None:
        self.what, self.log, self.wording = what, logger, wording
        self.clock = clock
        self.since: float | None = None  # when the current outage began (None: none)
        self.failures = 0  # failures met since it began

    @property
    def ongoing(self) -> bool:
        """True between :meth:`failed` and :meth:`recovered`."""
        return self.since is not None

    def failed(self, error: BaseException) -> None:
        """The work failed for an outage; logged only the first time in a row."""
        self.failures += 1
        if self.since is None:
            self.since, self.failures = self._now(), 1
            self.log.warning(self.wording.start, self.what, _first_line(error))

    def recovered(self) -> None:
        """The work got through again; logs the end of an ongoing outage."""
        if self.since is None:
            return
        lasted = self._now() - self.since
        self.log.info(self.wording.end, self.what, lasted, self.failures)
        self.since, self.failures = None, 0

    def _now(self) -> float:
        return self.clock.now().timestamp() if self.clock else time.monotonic()

    def backoff(self, base: float, ceiling: float) -> float:
        """Seconds to wait before the next try: doubling per failure, up to ``ceiling``."""
        return float(min(ceiling, base * 2 ** min(max(self.failures - 1, 0), 20)))


def _first_line(error: BaseException) -> str:
    """``Type: first line of the message``: an outage's start is one line in the log."""
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0]}" if text else type(error).__name__
