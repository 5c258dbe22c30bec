"""The Callback API: a community's events POSTed to the server address set for it.

As VK does it (Manage → API usage → Callback API):

* a server is an address and an optional secret key. It is *confirmed* once it answers
  VK's ``{"type": "confirmation", "group_id": N}`` with the community's confirmation
  string (:attr:`~sandbox.vk.models.Community.confirmation`); nothing else is sent to
  it before;
* from the moment a server is set, the community's events go to it instead of the Bots
  Long Poll, so no event reaches both. Each is POSTed as JSON: the long poll's event
  (``type, object, group_id, event_id, v``) plus the server's ``secret``;
* the answer must be a 2xx with the body ``ok``. Anything else (another status or body,
  no connection, no answer within ``timeout``) and the same event is sent again after
  ``retry_delay`` seconds, with VK's ``X-Retry-Counter`` header, until it is
  acknowledged. Events go one at a time per community, so their order is kept;
* removing the server hands the events it has not delivered to the long poll, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp

from .errors import SandboxError
from .longpoll import LongPoll
from .models import Community

RETRY_HEADER = "X-Retry-Counter"


@dataclass(eq=False)
class CallbackServer:
    """One community's server address, its delivery queue and its report."""

    url: str
    secret: str = ""
    confirmed: bool = False
    pending: deque[dict[str, Any]] = field(default_factory=deque)
    delivered: int = 0  # events acknowledged with "ok"
    redelivered: int = 0  # repeated POSTs of an event that was not acknowledged
    attempts: int = 0  # POSTs of the first pending event so far
    last_error: str | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def add(self, event: dict[str, Any]) -> None:
        """Queue an event and wake the delivery."""
        self.pending.append(event)
        self.arrived.set()

    def info(self) -> dict[str, Any]:
        """What a test or the control API may read about this server."""
        return {
            "url": self.url,
            "confirmed": self.confirmed,
            "pending": len(self.pending),
            "delivered": self.delivered,
            "redelivered": self.redelivered,
            "last_error": self.last_error,
        }


class World(Protocol):
    """What delivery needs of :class:`~sandbox.vk.world.VkWorld` (which holds the servers)."""

    callbacks: dict[int, CallbackServer]
    longpolls: dict[int, LongPoll]

    def community(self, community_id: int) -> Community:
        """A known community or :class:`SandboxError`."""
        ...


class CallbackDelivery:
    """The confirmation requests and one delivery task per confirmed server."""

    def __init__(self, world: World, *, retry_delay: float = 1.0, timeout: float = 10.0):
        self.world = world
        self.retry_delay = retry_delay
        self.timeout = timeout
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None

    def server(self, community_id: int) -> CallbackServer:
        """The server set for the community, or :class:`SandboxError`."""
        server = self.world.callbacks.get(community_id)
        if server is None:
            raise SandboxError(f"community {community_id} has no Callback API server")
        return server

    def set_server(self, community_id: int, url: str, secret: str) -> CallbackServer:
        """Set (or change) the address: unconfirmed until :meth:`confirm` succeeds.

        A changed address keeps the events not delivered yet, as VK keeps a server's.
        """
        self.world.community(community_id)
        self._halt(community_id)
        server = self.world.callbacks.get(community_id)
        if server is None:
            server = self.world.callbacks[community_id] = CallbackServer(url, secret)
        server.url, server.secret, server.confirmed = url, secret, False
        return server

    async def confirm(self, community_id: int) -> bool:
        """Send the confirmation request; whether the answer was the right string."""
        server = self.server(community_id)
        expected = self.world.community(community_id).confirmation
        body = {"type": "confirmation", "group_id": community_id}
        url = server.url
        status, answer = await self._send(url, body, {})
        if self.world.callbacks.get(community_id) is not server or server.url != url:
            return False  # removed or moved meanwhile: this answer confirms nothing
        if status is not None and 200 <= status < 300 and answer == expected:
            server.confirmed, server.last_error = True, None
            self._start(community_id, server)
            return True
        server.last_error = answer if status is None else f"Invalid response code: {answer!r}"
        return False

    def remove_server(self, community_id: int) -> None:
        """Drop the server; what it has not delivered goes to the long poll, in order.

        An event being POSTed at this moment goes there too: it may be handled twice,
        as any event sent again.
        """
        self._halt(community_id)
        server = self.world.callbacks.pop(community_id, None)
        if server is not None:
            poll = self.world.longpolls[community_id]
            for event in server.pending:
                poll.append(event)
            server.pending.clear()

    def resume(self) -> None:
        """Start the delivery of every confirmed server (a restarted sandbox)."""
        for community_id, server in self.world.callbacks.items():
            if server.confirmed:
                self._start(community_id, server)

    async def close(self) -> None:
        """Stop every delivery task and the HTTP client; the queues stay."""
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _start(self, community_id: int, server: CallbackServer) -> None:
        task = self._tasks.get(community_id)
        if task is None or task.done():
            self._tasks[community_id] = asyncio.get_running_loop().create_task(
                self._run(server), name=f"vk-callback-{community_id}"
            )

    def _halt(self, community_id: int) -> None:
        task = self._tasks.pop(community_id, None)
        if task is not None:
            task.cancel()

    async def _run(self, server: CallbackServer) -> None:
        """Deliver the queue's first event until it is acknowledged, then the next."""
        while True:
            if not server.pending:
                server.arrived.clear()
                await server.arrived.wait()
                continue
            event = server.pending[0]
            payload = {**event, "secret": server.secret} if server.secret else event
            headers = {RETRY_HEADER: str(server.attempts)} if server.attempts else {}
            if server.attempts:
                server.redelivered += 1
            server.attempts += 1
            status, answer = await self._send(server.url, payload, headers)
            if status is not None and 200 <= status < 300 and answer == "ok":
                server.pending.popleft()
                server.delivered += 1
                server.attempts = 0
                continue
            if status is None:
                server.last_error = answer
            elif 200 <= status < 300:
                server.last_error = f"Wrong answer: {answer[:100]!r} instead of 'ok'"
            else:
                server.last_error = f"Wrong response: HTTP {status}"
            await asyncio.sleep(self.retry_delay)

    async def _send(
        self, url: str, body: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int | None, str]:
        """POST ``body``: the status and the answer, or ``None`` and what went wrong."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        try:
            async with self._session.post(
                url, json=body, headers=headers, timeout=timeout
            ) as response:
                answer = (await response.read()).decode("utf-8", errors="replace")
                return response.status, answer
        except TimeoutError:
            return None, "Read timeout expired"
        except aiohttp.ClientConnectorError:
            return None, "Connection refused"
        except aiohttp.ClientError as error:
            return None, f"Connection error: {type(error).__name__}"
