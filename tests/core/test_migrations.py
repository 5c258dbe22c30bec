"""The committed migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection
from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector
from tortoise.models import Model

from core import models
from core.db import (
    DatabaseURLError,
    close_db,
    init_db,
    is_initialised,
    migrate,
    sqlite_path,
    tortoise_config,
)

#: Every model of the app (anything tortoise would create a table for).
MODEL_CLASSES = sorted(
    {
        value
        for value in vars(models).values()
        if isinstance(value, type) and issubclass(value, Model) and value is not Model
    },
    key=lambda model: model.__name__,
)
EXPECTED_TABLES = {model._meta.db_table for model in MODEL_CLASSES} | {"tortoise_migrations"}

#: Every migration file in core/migrations, in the order they apply.
ALL_MIGRATIONS = sorted(
    f"botdesk.{path.stem}"
    for path in (Path(__file__).resolve().parents[2] / "core" / "migrations").glob("[0-9]*.py")
)


def _connection() -> BaseDBAsyncClient:
    return get_connection("default")


def _rows(result: tuple[int, list[Any]]) -> list[dict[str, Any]]:
    return [dict(row) for row in result[1]]


async def _tables_and_columns(url: str) -> dict[str, set[str]]:
    conn = _connection()
    if url.startswith("sqlite"):
        tables = _rows(
            await conn.execute_query(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        )
        result: dict[str, set[str]] = {}
        for table in tables:
            name = table["name"]
            columns = _rows(await conn.execute_query(f'PRAGMA table_info("{name}")'))
            result[name] = {column["name"] for column in columns}
        return result
    columns = _rows(
        await conn.execute_query(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public'"
        )
    )
    pg_result: dict[str, set[str]] = {}
    for column in columns:
        pg_result.setdefault(column["table_name"], set()).add(column["column_name"])
    return pg_result


async def test_migrations_create_the_schema_from_empty(database_url: str) -> None:
    applied = await migrate(database_url)
    assert applied == ALL_MIGRATIONS

    await init_db(database_url, run_migrations=False)
    try:
        schema = await _tables_and_columns(database_url)
    finally:
        await close_db()

    assert set(schema) == EXPECTED_TABLES
    for model in MODEL_CLASSES:
        table = model._meta.db_table
        expected_columns = set(model._meta.fields_db_projection.values())
        assert schema[table] == expected_columns, table
    # spot checks of names other parts of the code rely on
    assert {"customer_chat_id", "customer_message_id", "group_message_id"} <= schema["messages"]
    assert {"destination", "not_before", "coalesce_key", "message_id"} <= schema["outbox"]


async def test_running_migrate_twice_is_a_no_op(database_url: str) -> None:
    assert await migrate(database_url) == ALL_MIGRATIONS
    assert await migrate(database_url) == []
    # and init_db's own migration step finds nothing to do either
    await init_db(database_url)
    try:
        rows = _rows(await _connection().execute_query('SELECT * FROM "tortoise_migrations"'))
    finally:
        await close_db()
    assert [f"{row['app']}.{row['name']}" for row in rows] == ALL_MIGRATIONS


async def test_processes_starting_at_once_on_postgres_migrate_once(
    postgres_database_url: str,
) -> None:
    """Several instances started together: one applies the migrations, the rest wait."""
    results = await asyncio.gather(*(migrate(postgres_database_url) for _ in range(3)))
    assert sorted(len(applied) for applied in results)[:2] == [0, 0]
    assert max(len(applied) for applied in results) == len(ALL_MIGRATIONS)


async def test_init_db_migrates_unless_told_not_to(database_url: str) -> None:
    await init_db(database_url, run_migrations=False)
    try:
        assert "customers" not in await _tables_and_columns(database_url)
    finally:
        await close_db()

    await init_db(database_url)
    try:
        assert await models.Customer.all().count() == 0
    finally:
        await close_db()


async def test_init_and_close_work_repeatedly(database_url: str) -> None:
    for round_ in range(3):
        await init_db(database_url)
        assert is_initialised()
        await models.ChannelCursor.create(name=f"cursor-{round_}", value=str(round_))
        assert await models.ChannelCursor.all().count() == round_ + 1
        await close_db()
        assert not is_initialised()
    await close_db()  # closing twice is harmless


async def test_sqlite_runs_in_wal_mode_and_creates_the_directory(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "desk.sqlite3"
    url = f"sqlite://{path}"
    assert sqlite_path(url) == path
    await init_db(url)
    try:
        conn = _connection()
        journal = _rows(await conn.execute_query("PRAGMA journal_mode"))
        foreign_keys = _rows(await conn.execute_query("PRAGMA foreign_keys"))
    finally:
        await close_db()
    assert path.is_file()
    assert list(journal[0].values()) == ["wal"]
    assert list(foreign_keys[0].values()) == [1]


async def test_a_url_cannot_turn_wal_off(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'desk.sqlite3'}?journal_mode=DELETE"
    await init_db(url)
    try:
        journal = _rows(await _connection().execute_query("PRAGMA journal_mode"))
    finally:
        await close_db()
    assert list(journal[0].values()) == ["wal"]


async def test_in_memory_sqlite_is_migrated_on_its_own_connection() -> None:
    await init_db("sqlite://:memory:")
    try:
        operator = await models.Operator.create(telegram_id=1, name="Ann")
        assert await models.Operator.get(telegram_id=1) == operator
    finally:
        await close_db()


async def test_sqlite_indexes_name_real_columns(tmp_path: Path) -> None:
    # SQLite reads a double-quoted unknown name as a string literal, so an index written
    # with a relation name ("conversation") instead of its column ("conversation_id")
    # would silently index a constant. Every indexed column must be a real column.
    url = f"sqlite://{tmp_path / 'desk.sqlite3'}"
    await init_db(url)
    try:
        conn = _connection()
        checked = 0
        for model in MODEL_CLASSES:
            table = model._meta.db_table
            for index in _rows(await conn.execute_query(f'PRAGMA index_list("{table}")')):
                info = _rows(await conn.execute_query(f'PRAGMA index_info("{index["name"]}")'))
                names = [column["name"] for column in info]
                assert names and None not in names, (table, index["name"], names)
                checked += 1
    finally:
        await close_db()
    assert checked >= 10


async def test_models_and_migrations_are_in_sync() -> None:
    # What `tortoise makemigrations` would write now: nothing, or a migration is missing.
    config = tortoise_config("sqlite://:memory:")
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        assert ctx.apps is not None
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    assert writers == [], "models changed without a migration: run makemigrations"


@pytest.mark.parametrize(
    ("url", "engine", "credentials"),
    [
        (
            "sqlite://data/desk.sqlite3",
            "tortoise.backends.sqlite",
            {"file_path": "data/desk.sqlite3"},
        ),
        (
            "sqlite:///var/lib/desk.sqlite3",
            "tortoise.backends.sqlite",
            {"file_path": "/var/lib/desk.sqlite3"},
        ),
        ("sqlite://:memory:", "tortoise.backends.sqlite", {"file_path": ":memory:"}),
        (
            "postgres://desk:secret@db.example:6432/botdesk",
            "core.db_asyncpg",  # tortoise's asyncpg client that survives dropped connections
            {"host": "db.example", "port": 6432, "user": "desk", "database": "botdesk"},
        ),
        (
            "postgresql://postgres@127.0.0.1/botdesk",
            "core.db_asyncpg",
            {
                "host": "127.0.0.1",
                "port": 5432,
                "user": "postgres",
                "database": "botdesk",
                "minsize": 0,
            },
        ),
    ],
)
def test_tortoise_config_understands_the_supported_urls(
    url: str, engine: str, credentials: dict[str, Any]
) -> None:
    config = tortoise_config(url)
    connection = config["connections"]["default"]
    assert connection["engine"] == engine
    assert connection["credentials"].items() >= credentials.items()
    if engine.endswith("sqlite"):
        assert connection["credentials"]["journal_mode"] == "WAL"
    assert config["apps"] == {
        "botdesk": {
            "models": ["core.models"],
            "default_connection": "default",
            "migrations": "core.migrations",
        }
    }
    assert config["use_tz"] is True
    assert config["timezone"] == "UTC"


@pytest.mark.parametrize(
    "url", ["mysql://localhost/desk", "sqlite://", "postgres://localhost", "nonsense"]
)
def test_unsupported_urls_are_refused(url: str) -> None:
    with pytest.raises(DatabaseURLError):
        tortoise_config(url)


def _sqlite_constraints(path: Path) -> set[tuple[str, tuple[str, ...], bool]]:
    """(table, indexed columns, unique) for every index and unique constraint."""
    import sqlite3

    with sqlite3.connect(path) as connection:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            if row[0] != "tortoise_migrations" and not row[0].startswith("sqlite_")
        ]
        found = set()
        for table in tables:
            for _seq, name, unique, _origin, _partial in connection.execute(
                f'PRAGMA index_list("{table}")'
            ):
                columns = tuple(r[2] for r in connection.execute(f'PRAGMA index_info("{name}")'))
                found.add((table, columns, bool(unique)))
    return found


async def test_migrated_sqlite_keeps_every_constraint_and_index_of_the_models(
    tmp_path: Path,
) -> None:
    """A table rebuild in an SQLite migration must not lose a unique constraint or index."""
    migrated, generated = tmp_path / "migrated.sqlite3", tmp_path / "generated.sqlite3"
    await migrate(f"sqlite://{migrated}")
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(f"sqlite://{generated}"))
        await context.generate_schemas()
    expected = _sqlite_constraints(generated)
    assert ("messages", ("channel", "customer_chat_id", "customer_message_id"), True) in expected
    assert _sqlite_constraints(migrated) == expected
