"""Event isolation: one update of a chat member at a time, across instances through Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisEventIsolation, RedisStorage
from aiogram.types import Chat, Message, Update, User

from botdesk.app import Desk, build_storage
from botdesk.isolation import build_isolation
from core.config import isolated_settings

TOKEN = "123456789:AAEexampleexampleexampleexample"
TTL = 0.6


def _desk(redis_url: str | None) -> Desk:
    return Desk(
        isolated_settings(bot_token=TOKEN, operator_group_id=-1001234567890, redis_url=redis_url)
    )


async def test_without_redis_a_desk_isolates_updates_in_its_own_process() -> None:
    desk = _desk(None)
    try:
        assert isinstance(desk.dispatcher.fsm.events_isolation, SimpleEventIsolation)
    finally:
        await desk.bot.session.close()


@pytest.mark.redis
async def test_with_redis_a_desk_isolates_updates_through_redis(redis_url: str) -> None:
    desk = _desk(redis_url)
    try:
        isolation = desk.dispatcher.fsm.events_isolation
        assert isinstance(isolation, RedisEventIsolation)
        storage = desk.dispatcher.storage
        assert isinstance(storage, RedisStorage)
        assert isolation.redis is storage.redis  # one connection pool, closed with the storage
    finally:
        await desk.dispatcher.storage.close()
        await desk.bot.session.close()


def _message(update_id: int, chat_id: int) -> Update:
    person = User(id=chat_id, is_bot=False, first_name="Anna")
    chat = Chat(id=chat_id, type="private")
    message = Message(
        message_id=update_id, date=datetime.now(UTC), chat=chat, from_user=person, text="hi"
    )
    return Update(update_id=update_id, message=message)


class Recorder:
    """A handler that notes when each update enters and leaves; update 1 waits to be let go."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.first_in = asyncio.Event()
        self.let_go = asyncio.Event()

    async def handle(self, message: Message) -> None:
        """Note the update's entering and leaving."""
        self.events.append(f"enter {message.message_id}")
        if message.message_id == 1:
            self.first_in.set()
            await self.let_go.wait()
        self.events.append(f"exit {message.message_id}")


@pytest.fixture
async def instances(redis_url: str, redis_prefix: str) -> AsyncIterator[list[Dispatcher]]:
    """Two dispatchers as two instances build them on one Redis (keys under a test prefix)."""
    dispatchers = []
    for _ in range(2):
        storage = build_storage(isolated_settings(redis_url=redis_url))
        assert isinstance(storage, RedisStorage)
        storage.key_builder = DefaultKeyBuilder(prefix=redis_prefix)
        isolation = build_isolation(storage, TTL)
        dispatchers.append(Dispatcher(storage=storage, events_isolation=isolation))
    yield dispatchers
    for dispatcher in dispatchers:
        await dispatcher.storage.close()


@pytest.mark.redis
async def test_two_instances_handle_one_chats_updates_one_at_a_time(
    instances: list[Dispatcher],
) -> None:
    recorder = Recorder()
    for dispatcher in instances:
        router = Router()
        router.message()(recorder.handle)
        dispatcher.include_router(router)
    bot = Bot(TOKEN)
    first, second = instances
    try:
        one = asyncio.create_task(first.feed_update(bot, _message(1, chat_id=42)))
        await asyncio.wait_for(recorder.first_in.wait(), 10)
        two = asyncio.create_task(second.feed_update(bot, _message(2, chat_id=42)))
        # another customer is not held up by the first one's update ...
        await asyncio.wait_for(second.feed_update(bot, _message(3, chat_id=77)), 10)
        # ... while the same customer's next update waits on the other instance, also
        # past the lock's ttl: it is renewed while the update is handled
        await asyncio.sleep(3 * TTL)
        assert recorder.events == ["enter 1", "enter 3", "exit 3"]
        recorder.let_go.set()
        await asyncio.wait_for(asyncio.gather(one, two), 10)
    finally:
        recorder.let_go.set()
        await bot.session.close()
    assert recorder.events == ["enter 1", "enter 3", "exit 3", "exit 1", "enter 2", "exit 2"]


@pytest.mark.redis
async def test_a_held_lock_is_renewed_yet_never_outlasts_the_ttl(
    instances: list[Dispatcher], redis_prefix: str
) -> None:
    """What a process killed in the middle of an update leaves behind is its lock's
    remaining time: never more than the ttl, however long the update has been running."""
    isolation = instances[0].fsm.events_isolation
    assert isinstance(isolation, RedisEventIsolation)
    key = StorageKey(bot_id=1, chat_id=42, user_id=42)
    name = f"{redis_prefix}:42:42:lock"
    async with isolation.lock(key):
        for _ in range(4):
            remaining = await isolation.redis.pttl(name)
            assert 0 < remaining <= TTL * 1000
            await asyncio.sleep(TTL / 2)
    assert await isolation.redis.exists(name) == 0  # released at the end
