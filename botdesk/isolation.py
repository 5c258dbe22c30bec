"""One Telegram update per chat member at a time, also across several ``botdesk run``.

aiogram's FSM middleware takes an *event isolation* lock around each update, keyed like
the conversation state (bot, chat, user). In webhook mode behind a load balancer two
updates of one customer may reach two instances at once; with ``REDIS_URL`` the lock is
a Redis lock every instance shares, so the second waits until the first is handled (its
state read after the first one wrote it). Without Redis there is one instance: an
in-process lock does, for webhook calls that arrive side by side.

aiogram's Redis lock lasts 60 s. A process killed while it handles an update leaves its
lock behind for that long, and the next update of that person waits it out: in long
polling, where updates are handled in order, every update behind it waits too, so the
process that took over from a dead leader would stand still for a minute. Here a lock
lasts ``ttl`` seconds (``LEADER_TTL_SECONDS``) and is renewed every third of that while
its update is handled, so a dead holder's lock is gone as soon as its leases are.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StorageKey
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, RedisError

log = logging.getLogger(__name__)

#: how often a lock nobody holds is asked for again (aiogram's default is 0.1 s)
RETRY = 0.05


class RenewedIsolation(RedisEventIsolation):
    """aiogram's Redis event isolation with locks of ``ttl`` seconds, renewed while held."""

    def __init__(self, storage: RedisStorage, ttl: float) -> None:
        if ttl <= 0:
            raise ValueError(f"a lock needs a positive ttl, not {ttl}")
        super().__init__(storage.redis, storage.key_builder, {"timeout": ttl})
        self.ttl = ttl

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        """Hold the lock of ``key`` while the update is handled."""
        lock = Lock(self.redis, self.key_builder.build(key, "lock"), self.ttl, sleep=RETRY)
        await lock.acquire()
        renewal = asyncio.create_task(self._renew(lock), name="renew event isolation lock")
        try:
            yield None
        finally:
            renewal.cancel()
            await asyncio.gather(renewal, return_exceptions=True)
            # lapsed (Redis was out longer than the ttl): the update was handled all the
            # same, and failing it now would only handle it a second time
            with contextlib.suppress(LockError):
                await lock.release()

    async def _renew(self, lock: Lock) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                await lock.reacquire()
            except LockError:
                log.warning("the event isolation lock %s lapsed while in use", lock.name)
                return
            except RedisError:
                continue  # Redis is out: the next renewal tries again


def build_isolation(storage: BaseStorage, ttl: float) -> BaseEventIsolation:
    """The event isolation that goes with ``storage`` (see :func:`botdesk.app.build_storage`).

    Redis storage: a Redis lock of ``ttl`` seconds on the storage's own connection and key
    scheme, shared by every instance (and closed with the storage). Otherwise: a lock
    inside this process.
    """
    if isinstance(storage, RedisStorage):
        return RenewedIsolation(storage, ttl)
    return SimpleEventIsolation()
