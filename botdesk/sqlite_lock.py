"""One ``botdesk run`` per SQLite file: a second desk on the same file refuses to start.

SQLite has no way to share a desk's work between processes (no ``SKIP LOCKED``, one
writer), and two desks on one file would both poll Telegram and send every outbox item
twice. So ``botdesk run`` on a ``sqlite://`` file holds an exclusive ``flock`` on
``<file>.lock`` beside it for its whole life, taken before anything touches the database.
The kernel drops the lock when the process ends in any way (SIGKILL and crashes too), so
a stale lock file never blocks the next start: only a living holder does.

The short-lived admin commands (``migrate``, ``digest``, ``dead-letters``, ``check``)
take no lock: SQLite in WAL mode lets them work beside a running desk. ``botdesk demo``
runs on a database of its own in a temporary directory.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core import db
from core.config import ConfigError

#: the README section the refusal points to
SEVERAL_INSTANCES = "Running several instances"


class SqliteInUse(ConfigError):
    """Another living process holds the SQLite file: the command line prints it, exit 2."""


def lock_path(database: Path) -> Path:
    """The lock file of the SQLite database ``database``: ``<file>.lock`` beside it."""
    return database.with_name(database.name + ".lock")


def _holder(fd: int) -> str:
    """The pid written into the lock file by its holder, or an empty string."""
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return text if text.isdigit() else ""


def refusal(database_url: str, database: Path, pid: str) -> str:
    """The paragraph for a second desk on ``database``, held by process ``pid``."""
    holder = f"process {pid}" if pid else "another process"
    return (
        "Start-up check failed: another botdesk is already running on the SQLite database "
        f"{database.resolve()} ({holder} holds {lock_path(database).resolve()}; "
        f"DATABASE_URL is {database_url}). SQLite serves one botdesk process: stop that "
        "one first, or give this one a database file of its own. To run several "
        "instances of one desk, use PostgreSQL and Redis (DATABASE_URL=postgres://..., "
        f'REDIS_URL=redis://...), as the README\'s section "{SEVERAL_INSTANCES}" describes.'
    )


@contextmanager
def one_desk_per_sqlite_file(database_url: str) -> Iterator[Path | None]:
    """Hold the lock of ``database_url``'s SQLite file while the block runs.

    Yields the lock file, or None when there is nothing to lock (PostgreSQL, or an
    in-memory SQLite database, which no other process can see). Raises
    :class:`SqliteInUse` at once, without waiting, when a living process holds it.
    """
    database = db.sqlite_path(database_url)
    if database is None:
        yield None
        return
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SqliteInUse(refusal(database_url, database, _holder(fd))) from None
        # The pid is only for the message above: the lock itself is the flock.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)  # still held: no other process reads a pid half-erased
    finally:
        # Closing drops the flock. The file stays: removing it would let a process that
        # opened it a moment ago lock a file nobody else can find any more.
        os.close(fd)
