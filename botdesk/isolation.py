"""One Telegram update per chat member at a time, also across several ``botdesk run``.

aiogram's FSM middleware takes an *event isolation* lock around each update, keyed like
the conversation state (bot, chat, user). In webhook mode behind a load balancer two
updates of one customer may reach two instances at once; with ``REDIS_URL`` the lock is
a Redis lock every instance shares, so the second waits until the first is handled (its
state read after the first one wrote it). Without Redis there is one instance: an
in-process lock does, for webhook calls that arrive side by side.

A Redis lock expires after aiogram's 60 s, so one left by an instance that died holding
it delays that chat for at most that long.
"""

from __future__ import annotations

from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisStorage


def build_isolation(storage: BaseStorage) -> BaseEventIsolation:
    """The event isolation that goes with ``storage`` (see :func:`botdesk.app.build_storage`).

    Redis storage: a Redis lock on the storage's own connection and key scheme, shared by
    every instance (and closed with the storage). Otherwise: a lock inside this process.
    """
    if isinstance(storage, RedisStorage):
        return storage.create_isolation()
    return SimpleEventIsolation()
