"""The community's Bots Long Poll loop, acknowledging events only after handling them.

vkbottle's ``BotPolling`` hands events out as soon as they arrive and keeps its ``ts``
in a local file; botdesk needs the opposite: the ``ts`` that confirms a response is
stored in the database (``ChannelCursor`` ``vk:longpoll:<group>``) only after every
event of that response was handled, so a crash (even SIGKILL) means the response is
fetched again on restart (core dedupes), never that an event is lost.

Each event goes through :func:`core.intake.containment.contain`: an outage (database, Redis,
VK unreachable) is waited out without storing the ``ts``; an event that keeps failing
for reasons of its own is set aside as a dead letter after a few tries, so it never
blocks the ones after it. Network failures of the long poll itself are logged once
when they start and once when they end. VK's long-poll failures are handled as VK
documents them: ``failed: 1`` → continue from the new ``ts`` it sends (VK dropped the
history in between), ``2`` → a new key with the same ``ts``, ``3`` → a new key and ``ts``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from aiohttp import ClientTimeout
from vkbottle import API

from bots.vk.errors import vk_errors
from core.enums import Channel
from core.errors import DeliveryError, RetryLater
from core.intake.containment import RetryPolicy, contain
from core.intake.dead_letters import Letter
from core.metrics import UPDATES_RECEIVED
from core.models import ChannelCursor
from core.outages import OutageLog, describe, is_outage
from core.stopping import sleep_or_stop, unless_stopped

__all__ = ["VkLongPoll", "cursor_name", "letter_of"]

log = logging.getLogger(__name__)

BatchHandler = Callable[[list[dict[str, Any]]], Awaitable[None]]
EventHandler = Callable[[dict[str, Any]], Awaitable[None]]
Backlog = Callable[[], Awaitable[list[dict[str, Any]]]]
MAX_BACKOFF = 30.0


def letter_of(event: dict[str, Any]) -> Letter:
    """The dead letter a VK event would become (its ``event_id`` names it)."""
    return Letter(Channel.VK, str(event.get("event_id") or "?")[:64], event)


def cursor_name(group_id: int) -> str:
    """The ``ChannelCursor`` row holding the community's long-poll ``ts``."""
    return f"vk:longpoll:{group_id}"


class VkLongPoll:
    """Long-polls one community and feeds each event to ``handle``, in order."""

    def __init__(
        self,
        api: API,
        group_id: int,
        handle: EventHandler,
        *,
        wait: int = 25,
        prepare: BatchHandler | None = None,
        backlog: Backlog | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.api = api
        self.group_id = group_id
        self.handle = handle
        self.prepare = prepare  # sees a response's events first (one users.get for all)
        # on the very first start: what was written before (bots.vk.backlog)
        self.backlog = backlog
        self._catching_up = False
        self.wait = min(wait, 90)
        self._server: dict[str, Any] = {}
        self.ts: str | None = None
        self.policy = policy
        self.outage = OutageLog("VK events", log)
        self.reachable = OutageLog("VK long poll", log)

    async def load_ts(self) -> str | None:
        """The stored ``ts`` (None before the first run)."""
        row = await ChannelCursor.get_or_none(name=cursor_name(self.group_id))
        return row.value if row is not None and row.value else None

    async def save_ts(self, ts: str) -> None:
        """Remember ``ts``: every event before it has been handled."""
        await ChannelCursor.update_or_create(
            name=cursor_name(self.group_id), defaults={"value": ts}
        )
        self.ts = ts

    async def _new_server(self, *, keep_ts: bool) -> None:
        async with vk_errors():
            response = await self.api.request(
                "groups.getLongPollServer", {"group_id": self.group_id}
            )
        self._server = response["response"]
        if self._catching_up and self.ts is None:
            self.ts = str(self._server["ts"])  # stored once the backlog is handled
        elif not keep_ts or self.ts is None:
            await self.save_ts(str(self._server["ts"]))

    async def _check(self) -> dict[str, Any]:
        params = {"act": "a_check", "key": self._server["key"], "ts": self.ts, "wait": self.wait}
        async with vk_errors():
            return await self.api.http_client.request_json(
                self._server["server"],
                method="GET",
                params=params,
                timeout=ClientTimeout(total=self.wait + 10),
            )

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; a stop mid-response leaves it unacknowledged."""
        self.ts = await self.load_ts()
        self._catching_up = self.ts is None and self.backlog is not None
        delay = 1.0
        while not stop.is_set():
            response: dict[str, Any] | None
            try:
                if not self._server:
                    await self._new_server(keep_ts=True)
                if self._catching_up and self.backlog is not None:
                    # handled like one long-poll answer whose ts is the first one stored
                    response = {"ts": self.ts, "updates": await self.backlog()}
                    self._catching_up = False
                else:
                    response = await unless_stopped(self._check(), stop)
            except DeliveryError as error:
                pause = error.seconds if isinstance(error, RetryLater) else delay
                self.reachable.failed(error)
                await sleep_or_stop(pause, stop)
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            except Exception as error:
                if not is_outage(error):
                    raise
                self.outage.failed(error)  # the ts could not be read or stored
                await sleep_or_stop(delay, stop)
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            if response is None:
                return  # stopped while waiting
            self.reachable.recovered()
            delay = 1.0
            try:
                if not await self._process(response, stop):
                    return
            except Exception as error:
                # The ts could not be stored (or VK's answer made no sense): the same
                # events come again with the old ts, and core dedupes them.
                self.outage.failed(error)
                self._server = {}
                await sleep_or_stop(delay, stop)

    async def _process(self, response: dict[str, Any], stop: asyncio.Event) -> bool:
        """Handle one a_check answer; False if stopped before it was acknowledged."""
        failed = response.get("failed")
        if failed == 1:
            log.warning("VK long poll history lost; continuing from ts %s", response.get("ts"))
            await self.save_ts(str(response["ts"]))
        elif failed == 2:
            self._server = {}  # new key, same ts
        elif failed == 3:
            self._server = {}
            self.ts = None  # new key and ts
        elif failed is not None:
            log.warning("VK long poll answered %r; asking for a new server", response)
            self._server = {}
        else:
            events = response.get("updates") or []
            UPDATES_RECEIVED.labels(channel=Channel.VK.value).inc(len(events))
            await self._prepare(events)
            for event in events:
                if not await self._until_handled(event, stop):
                    return False
            await self.save_ts(str(response["ts"]))
        return True

    async def _prepare(self, events: list[dict[str, Any]]) -> None:
        """Best effort: a failure here only means each event does its own look-ups."""
        if self.prepare is None or not events:
            return
        try:
            await self.prepare(events)
        except Exception as error:
            log.info("preparing %d VK events failed (%s)", len(events), describe(error))

    async def _until_handled(self, event: dict[str, Any], stop: asyncio.Event) -> bool:
        """Handle ``event`` or set it aside; False if stopped before either."""
        if not isinstance(event, dict):
            event = {"type": "not_an_event", "object": {"value": event}}
        outcome = await contain(
            partial(self.handle, event),
            letter_of(event),
            stop,
            outage=self.outage,
            policy=self.policy,
        )
        return outcome is not None
