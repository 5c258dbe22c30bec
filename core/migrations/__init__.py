"""Schema migrations of the ``botdesk`` app (tortoise-orm built-in migrations).

Apply them with ``core.db.migrate(url)`` (``botdesk migrate``); ``core.db.init_db`` does it
on start-up. After a change to ``core/models.py``, generate the next migration from the
repository root and commit it together with the model change:

    .venv/bin/tortoise -c core.db.TORTOISE_ORM makemigrations --name <what_changed>

Read the generated file before committing; it must apply on SQLite and PostgreSQL
(``tests/core/test_migrations.py`` runs it on both).
"""
