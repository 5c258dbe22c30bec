"""Database set-up: tortoise configuration, migrations, and the process-wide connection.

Supported database URLs:

* ``sqlite://data/botdesk.sqlite3`` — a file relative to the working directory;
* ``sqlite:///var/lib/botdesk/botdesk.sqlite3`` — an absolute path (three slashes);
* ``sqlite://:memory:`` — a private in-memory database (tests only: every new
  connection sees an empty database);
* ``postgres://user:password@host:5432/name`` or ``postgresql://…`` — PostgreSQL via asyncpg.

SQLite always runs in WAL mode (readers do not block the writer) with foreign keys on;
the parent directory of the file is created when missing.

The schema is owned by the migrations in ``core/migrations``; nothing here creates tables
from the models directly. After changing ``core/models.py`` generate the next migration
with tortoise's own tool (see ``core/migrations/__init__.py``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tortoise import Tortoise
from tortoise.backends.base import executor as _tortoise_executor
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.connection import get_connection
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate as _tortoise_migrate
from tortoise.migrations.executor import MigrationExecutor

__all__ = [
    "APP_LABEL",
    "MIGRATIONS_MODULE",
    "MODELS_MODULE",
    "TORTOISE_ORM",
    "DatabaseURLError",
    "close_db",
    "init_db",
    "is_initialised",
    "migrate",
    "pending_migrations",
    "sqlite_path",
    "tortoise_config",
]

log = logging.getLogger(__name__)

APP_LABEL = "botdesk"
MODELS_MODULE = "core.models"
MIGRATIONS_MODULE = "core.migrations"
CONNECTION_NAME = "default"

_SQLITE_PRAGMAS: dict[str, Any] = {
    "journal_mode": "WAL",
    "foreign_keys": "ON",
    # WAL makes NORMAL durable against application crashes; only an OS crash or power
    # loss can roll back the last transactions.
    "synchronous": "NORMAL",
    # Wait for a competing writer instead of failing with "database is locked".
    "busy_timeout": 5000,
    # Index pages of the busy tables stay in memory (the default cache is 2 MB).
    "cache_size": -32000,
}

_POSTGRES_SCHEMES = ("postgres", "postgresql", "asyncpg")
POSTGRES_ENGINE = "core.db_asyncpg"


class DatabaseURLError(ValueError):
    """The database URL is not one botdesk supports."""


def _scheme(database_url: str) -> str:
    return urlsplit(database_url).scheme.lower()


def is_postgres(database_url: str) -> bool:
    """Whether ``database_url`` names a PostgreSQL database (several processes may share it)."""
    return _scheme(database_url) in _POSTGRES_SCHEMES


def _connection_config(database_url: str) -> dict[str, Any]:
    scheme = _scheme(database_url)
    if scheme == "sqlite":
        try:
            config: dict[str, Any] = expand_db_url(database_url)
        except Exception as exc:  # tortoise raises ConfigurationError for a missing path
            raise DatabaseURLError(f"invalid SQLite URL {database_url!r}: {exc}") from exc
        credentials: dict[str, Any] = config["credentials"]
        for pragma, value in _SQLITE_PRAGMAS.items():
            credentials.setdefault(pragma, value)
        # tortoise defaults journal_mode to WAL; a URL may not turn it off.
        credentials["journal_mode"] = "WAL"
        return config
    if scheme in _POSTGRES_SCHEMES:
        try:
            config = expand_db_url(database_url)
        except Exception as exc:
            raise DatabaseURLError(f"invalid PostgreSQL URL: {exc}") from exc
        if not config["credentials"].get("database"):
            raise DatabaseURLError("a PostgreSQL URL must name the database")
        # tortoise's asyncpg client, fixed to survive terminated connections
        config["engine"] = POSTGRES_ENGINE
        # no floor of idle connections: asyncpg would log a traceback each time it fails
        # to restore one during an outage; connections are opened when work needs them
        config["credentials"].setdefault("minsize", 0)
        return config
    raise DatabaseURLError(
        f"unsupported database URL scheme {scheme!r}: use sqlite://… or postgres://…"
    )


def sqlite_path(database_url: str) -> Path | None:
    """The file a ``sqlite://`` URL points at, or None for ``:memory:`` and other engines."""
    if _scheme(database_url) != "sqlite":
        return None
    file_path = str(_connection_config(database_url)["credentials"]["file_path"])
    if file_path == ":memory:" or file_path.startswith("file:"):
        return None
    return Path(file_path)


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The tortoise configuration for botdesk's single app on ``database_url``."""
    return {
        "connections": {CONNECTION_NAME: _connection_config(database_url)},
        "apps": {
            APP_LABEL: {
                "models": [MODELS_MODULE],
                "default_connection": CONNECTION_NAME,
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


#: Configuration for tortoise's own command-line tool, which needs a ``module.VARIABLE``.
#: ``makemigrations`` compares the models with the migration files only, so an empty
#: in-memory database is enough:
#: ``.venv/bin/tortoise -c core.db.TORTOISE_ORM makemigrations``
TORTOISE_ORM: dict[str, Any] = tortoise_config("sqlite://:memory:")


def _prepare(database_url: str) -> dict[str, Any]:
    config = tortoise_config(database_url)
    path = sqlite_path(database_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    return config


def _is_memory(database_url: str) -> bool:
    return _scheme(database_url) == "sqlite" and sqlite_path(database_url) is None


class _Progress:
    """Collects the names of applied migrations from tortoise's progress events."""

    def __init__(self) -> None:
        self.applied: list[str] = []

    def __call__(self, event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            self.applied.append(f"{app_label}.{name}")
            log.info("applied migration %s.%s", app_label, name)
        elif event == "rollback_done":
            log.info("rolled back migration %s.%s", app_label, name)


async def migrate(database_url: str) -> list[str]:
    """Apply every pending migration; return the applied ones as ``app.name``.

    Uses tortoise's migration API in its own short-lived tortoise context, so it can run
    before :func:`init_db` or from a CLI command without disturbing an initialised app.
    On an up-to-date database it applies nothing and returns ``[]``. Each applied
    migration is also logged (``applied migration botdesk.0001_initial``).

    ``sqlite://:memory:`` is private to one connection, so migrating it here is
    pointless: :func:`init_db` migrates such a database on its own connection.
    """
    config = _prepare(database_url)
    progress = _Progress()
    async with _one_migration_at_a_time(database_url), TortoiseContext():
        await _tortoise_migrate(config=config, progress=progress)
    return progress.applied


#: the PostgreSQL advisory lock held while migrating (any number, fixed for botdesk)
MIGRATION_LOCK = 0x626F7464  # "botd"


@asynccontextmanager
async def _one_migration_at_a_time(database_url: str) -> AsyncIterator[None]:
    """Several processes starting at once on PostgreSQL: one migrates, the others wait
    and then find nothing left to do (a session lock, dropped with its connection)."""
    if not is_postgres(database_url):
        yield
        return
    import asyncpg

    parts = urlsplit(database_url)
    connection = await asyncpg.connect(urlunsplit(parts._replace(scheme="postgresql", query="")))
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        yield
    finally:
        await connection.close()


async def pending_migrations(database_url: str) -> list[str]:
    """The migrations not yet applied to ``database_url``, as ``app.name``; changes nothing.

    It queries the server first, so an unreachable or refusing database raises (an
    ``OSError`` or a tortoise ``BaseORMException``) instead of being reported as one on
    which nothing was applied: tortoise reads a history it cannot read as an empty one.
    """
    config = tortoise_config(database_url)
    async with TortoiseContext():
        await Tortoise.init(config=config, init_connections=False)
        connection = get_connection(CONNECTION_NAME)
        await connection.execute_query("SELECT 1")
        steps = await MigrationExecutor(connection, config["apps"]).plan()
    return [f"{s.migration.app_label}.{s.migration.name}" for s in steps if not s.backward]


async def _migrate_in(context: TortoiseContext, config: dict[str, Any]) -> list[str]:
    """Apply pending migrations over the connection of an initialised ``context``."""
    progress = _Progress()
    with context:
        executor = MigrationExecutor(context.db(CONNECTION_NAME), config["apps"])
        await executor.migrate(progress=progress)
    return progress.applied


_context: TortoiseContext | None = None


def _forget_cached_sql() -> None:
    """Drop tortoise's cached INSERT/UPDATE/DELETE statements of our connection.

    tortoise keeps them in a process-wide dict keyed by (connection name, schema, table),
    not by engine. Without this, switching the ``default`` connection from SQLite to
    PostgreSQL in one process (the test suite does) would send SQLite's ``?`` placeholders
    to PostgreSQL.
    """
    cache = _tortoise_executor.EXECUTOR_CACHE
    for key in [key for key in cache if key[0] == CONNECTION_NAME]:
        del cache[key]


async def init_db(database_url: str, *, run_migrations: bool = True) -> None:
    """Connect the process to ``database_url``, migrating it first unless told not to.

    The connection is registered as tortoise's process-wide context, so models work from
    any task (web handlers, pollers, outbox workers). Calling it again switches to the
    new URL after closing the previous connection. Call :func:`close_db` on shutdown.
    """
    global _context
    if _context is not None:
        await close_db()
    memory = _is_memory(database_url)
    if run_migrations and not memory:
        await migrate(database_url)
    config = _prepare(database_url)
    _forget_cached_sql()
    context = TortoiseContext()
    # tortoise resolves connections through the *current* context while it loads the
    # models, so make it current for the set-up only; afterwards every task finds it
    # through the process-wide fallback.
    with context:
        await context.init(config=config, _enable_global_fallback=True)
    _context = context
    try:
        # Connect now, so a wrong URL or an unreachable server fails at start-up.
        await context.db(CONNECTION_NAME).execute_query("SELECT 1")
        if run_migrations and memory:
            await _migrate_in(context, config)
    except BaseException:
        await close_db()
        raise


def is_initialised() -> bool:
    """True between :func:`init_db` and :func:`close_db`."""
    return _context is not None


async def close_db() -> None:
    """Close the connection opened by :func:`init_db`, a no-op when none is open."""
    global _context
    context, _context = _context, None
    if context is not None:
        await context.close_connections()
