"""Shared cast for the VK sandbox tests: a community, a user and a bound ``API``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from vkbottle import API

from sandbox.vk import Community, VkSandbox, VkUser
from tests.fixtures.vk_sandbox import sandbox_api


@pytest.fixture
def community(vk_sandbox: VkSandbox) -> Community:
    """The desk's community."""
    return vk_sandbox.create_community("Acme")


@pytest.fixture
def ivan(vk_sandbox: VkSandbox) -> VkUser:
    """A customer who has not written yet."""
    return vk_sandbox.create_user("Ivan", "Petrov", screen_name="ivan", lang="ru")


@pytest.fixture
async def api(vk_sandbox: VkSandbox, community: Community) -> AsyncIterator[API]:
    """``vkbottle.API`` with the community's token, closed afterwards."""
    bound = sandbox_api(vk_sandbox, community)
    yield bound
    await bound.http_client.close()
