"""botdesk's PostgreSQL client: tortoise's asyncpg client, surviving dropped connections.

tortoise 1.1 starts a pooled transaction in three steps: take a connection from the
pool, make the transaction the task's current connection, send ``BEGIN``. When
``BEGIN`` fails, because the server ended that connection (``pg_terminate_backend``, a
restart, a failover), ``__aexit__`` never runs; when the connection dies inside the
transaction, giving it back to the pool raises in ``__aexit__`` before the task's current
connection is reset. Either way the task keeps the dead transaction as its current
connection. Every later
``in_transaction()`` of that task nests into the dead one ("connection has been released
back to the pool"), so a long-lived loop (a poller, the outbox worker) is wedged until
the process restarts.

:class:`AsyncpgDBClient` always resets the task's connection (and gives the pool its
connection back) however ``BEGIN``, the transaction or the release ended, so the failure is one
error for the caller to retry, and the pool replaces the connection. ``core.db`` selects
this module as the engine of every PostgreSQL URL.
"""

from __future__ import annotations

import logging
from typing import Any

from tortoise.backends.asyncpg.client import AsyncpgDBClient as _TortoiseAsyncpgClient
from tortoise.backends.asyncpg.client import TransactionWrapper
from tortoise.backends.base.client import TransactionContext, TransactionContextPooled
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError

__all__ = ["AsyncpgDBClient", "client_class"]

log = logging.getLogger(__name__)


class _PooledTransaction(TransactionContextPooled):
    """A pooled transaction that cleans up after a failed ``BEGIN``."""

    async def __aenter__(self) -> Any:
        await self.ensure_connection()
        client: Any = self.client
        pool = client._parent._pool
        client._connection = await pool.acquire()
        self.token = get_connections().set(self.connection_name, client)
        try:
            await client.begin()
        except BaseException:
            # give the task its own connection back and the pool its (dead) connection
            get_connections().reset(self.token)
            await pool.release(client._connection)
            raise
        return client

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        try:
            await self._finish(exc_type)
        finally:
            try:
                await self._release()
            finally:
                # whatever happened above, the task must not keep the transaction
                get_connections().reset(self.token)

    async def _finish(self, exc_type: Any) -> None:
        client: Any = self.client
        if client._finalized:
            return
        if exc_type is None:
            await client.commit()
        elif exc_type is not TransactionManagementError:
            await client.rollback()  # a transaction that failed cannot be rolled back

    async def _release(self) -> None:
        client: Any = self.client
        pool = client._parent._pool
        if pool is None:
            return
        try:
            await pool.release(client._connection)
        except Exception as exc:
            # asyncpg has terminated the broken connection already; the pool opens a
            # new one when it needs it
            log.debug("a broken database connection was dropped: %s", exc)


class AsyncpgDBClient(_TortoiseAsyncpgClient):
    """tortoise's asyncpg client whose transactions survive a terminated connection."""

    def _in_transaction(self) -> TransactionContext:
        return _PooledTransaction(TransactionWrapper(self), self._pool_init_lock)


#: what tortoise looks up in an engine module
client_class = AsyncpgDBClient
