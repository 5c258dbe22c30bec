"""Migration operations that keep SQLite's constraints and indexes.

tortoise's SQLite schema editor applies ``AlterField`` and ``RemoveField`` by rebuilding
the table, and the rebuilt table loses its unique constraints and indexes (the inbound
dedupe constraint among them). Where a change needs no table rebuild, use these instead;
``tests/core/test_migrations.py`` compares the migrated schema with the models' own and
fails when a migration loses anything.
"""

from __future__ import annotations

from typing import Any

from tortoise.migrations import operations as ops


class AlterFieldMetadata(ops.AlterField):
    """An ``AlterField`` that changes only what the database never sees (an enum's
    member list in the field description), so it updates the migration state only."""

    async def database_forward(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def database_backward(self, *args: Any, **kwargs: Any) -> None:
        return None


class DropColumn(ops.RemoveField):
    """``RemoveField`` as a plain ``ALTER TABLE … DROP COLUMN`` (SQLite ≥ 3.35, PostgreSQL)
    instead of a table rebuild; only for a column without an index or constraint."""

    def __init__(self, model_name: str, name: str, table: str) -> None:
        super().__init__(model_name=model_name, name=name)
        self.table = table

    async def database_forward(self, *args: Any, **kwargs: Any) -> None:
        editor = kwargs.get("state_editor") or (args[3] if len(args) > 3 else None)
        if editor is not None:
            await editor._run_sql(f'ALTER TABLE "{self.table}" DROP COLUMN "{self.name}"')

    async def database_backward(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("dropping a column cannot be undone")
