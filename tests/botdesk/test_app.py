"""Wiring: the dispatcher's FSM storage is shared through Redis when REDIS_URL is set."""

from __future__ import annotations

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisStorage

from botdesk.app import build_storage
from core.config import Settings


def test_without_redis_the_state_stays_in_memory() -> None:
    assert isinstance(build_storage(Settings(redis_url=None)), MemoryStorage)


@pytest.mark.redis
async def test_two_instances_share_conversation_state_through_redis(
    redis_url: str, redis_prefix: str
) -> None:
    settings = Settings(redis_url=redis_url)
    first, second = build_storage(settings), build_storage(settings)
    assert isinstance(first, RedisStorage) and isinstance(second, RedisStorage)
    # Same key scheme as production, isolated by a per-test prefix.
    first.key_builder = second.key_builder = DefaultKeyBuilder(prefix=redis_prefix)
    key = StorageKey(bot_id=1, chat_id=42, user_id=42)
    try:
        await first.set_state(key, "rating:waiting_comment")
        await first.set_data(key, {"ticket": 17})
        assert await second.get_state(key) == "rating:waiting_comment"
        assert await second.get_data(key) == {"ticket": 17}
    finally:
        await first.set_state(key, None)
        await first.set_data(key, {})
        await first.close()
        await second.close()
