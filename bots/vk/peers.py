"""What the VK adapter remembers about its customers, in memory.

* Names: ``users.get`` is asked once per user and the answer kept, so a busy chat
  costs one API call per customer per process, not one per message.
* Clients: ``message_new`` carries ``client_info`` (the customer's language and the
  button types their app supports); only that event does, so the last one seen is
  kept for edits, presses and for choosing the kind of buttons to send.

Nothing here needs to survive a restart: names are fetched again, and a customer
whose client is unknown gets callback buttons, which every current VK app supports.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from vkbottle import API

from bots.vk.content import VkUser, language_of
from bots.vk.errors import vk_errors
from core.errors import PermanentError

__all__ = ["VkPeers"]

log = logging.getLogger(__name__)

USERS_PER_CALL = 1000  # VK's limit for user_ids in one users.get


class VkPeers:
    """Names and client capabilities of the VK users the community talks to."""

    def __init__(self, api: API) -> None:
        self.api = api
        self._users: dict[int, VkUser] = {}
        self._clients: dict[int, dict[str, Any]] = {}

    def remember_client(self, peer_id: int, client_info: dict[str, Any] | None) -> None:
        """Keep the ``client_info`` of a ``message_new`` event from ``peer_id``."""
        if client_info:
            self._clients[peer_id] = client_info

    def language(self, peer_id: int) -> str:
        """The language of the customer's VK app as last seen ("" if never)."""
        return language_of(self._clients.get(peer_id))

    def supports_callback(self, peer_id: int) -> bool:
        """Whether callback buttons work for ``peer_id`` (unknown clients: assume yes)."""
        client = self._clients.get(peer_id)
        if client is None or "button_actions" not in client:
            return True
        return "callback" in (client.get("button_actions") or [])

    async def prefetch(self, user_ids: Iterable[int]) -> None:
        """Ask ``users.get`` once for every one of ``user_ids`` not known yet."""
        unknown = sorted({i for i in user_ids if i not in self._users})[:USERS_PER_CALL]
        if not unknown:
            return
        async with vk_errors():
            response = await self.api.request(
                "users.get", {"user_ids": ",".join(map(str, unknown)), "fields": "screen_name"}
            )
        for found in response.get("response") or []:
            self._remember(found)

    def _remember(self, found: dict[str, Any]) -> VkUser:
        user = VkUser(
            id=int(found["id"]),
            first_name=str(found.get("first_name") or ""),
            last_name=str(found.get("last_name") or ""),
            screen_name=str(found.get("screen_name") or "") or None,
        )
        self._users[user.id] = user
        return user

    async def user(self, user_id: int) -> VkUser:
        """The names of ``user_id``, from the cache or ``users.get``.

        A user VK refuses to describe (deleted, banned) still gets a profile: their
        message must reach the desk all the same.
        """
        known = self._users.get(user_id)
        if known is not None:
            return known
        try:
            async with vk_errors():
                response = await self.api.request(
                    "users.get", {"user_ids": user_id, "fields": "screen_name"}
                )
        except PermanentError as error:
            # Flood limits and network trouble propagate: the event is retried.
            log.warning("users.get %s failed (%s); using the bare id", user_id, error)
            return VkUser(id=user_id)
        found = (response.get("response") or [{}])[0]
        return self._remember({**found, "id": user_id})
