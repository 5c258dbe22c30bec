"""VK's Callback API: the community's events pushed to our aiohttp server.

VK posts each event as JSON and expects the body ``ok``; anything else (or no answer
in time) makes it send the event again. So the answer is ``ok`` only after the event
was handled (committed by core) or, failing again and again, set aside as a dead
letter (:func:`core.intake.containment.contain`); during an outage (database, Redis
unreachable) it is a 500: a crash never loses an event, a redelivered one is a no-op
in core, and a poison one is not sent again and again.

* ``{"type": "confirmation"}`` is answered with the configured confirmation string
  (VK asks for it once, when the server address is set up);
* every event carries the ``secret`` set in the community's settings; one without
  the right secret is refused (403), so nobody else can inject messages.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from aiohttp import web

from bots.vk.polling import letter_of
from core.enums import Channel
from core.intake.containment import RetryPolicy, contain
from core.metrics import UPDATES_RECEIVED
from core.outages import OutageLog

__all__ = ["callback_app", "callback_handler"]

log = logging.getLogger(__name__)

EventHandler = Callable[[dict[str, Any]], Awaitable[None]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _group_of(event: dict[str, Any]) -> int | None:
    try:
        return int(event.get("group_id") or 0)
    except (TypeError, ValueError):
        return None


def callback_handler(
    handle: EventHandler,
    *,
    group_id: int,
    confirmation: str,
    secret: str | None,
    policy: RetryPolicy | None = None,
) -> Handler:
    """An aiohttp handler for the Callback API of community ``group_id``."""
    outage = OutageLog("VK callback events", log)
    never = asyncio.Event()  # a request is never cut short: VK waits for the answer

    async def receive(request: web.Request) -> web.StreamResponse:
        try:
            event = await request.json()
        except ValueError:
            return web.Response(status=400, text="not JSON")
        if not isinstance(event, dict):
            return web.Response(status=400, text="not an event")
        if _group_of(event) != group_id:
            # Not ours: "ok" stops VK from retrying something we will never handle.
            log.warning("VK callback for group %s ignored", event.get("group_id"))
            return web.Response(text="ok")
        if event.get("type") == "confirmation":
            # VK's confirmation request carries no secret; the answer is no secret either.
            return web.Response(text=confirmation)
        if secret and not hmac.compare_digest(str(event.get("secret", "")), secret):
            return web.Response(status=403, text="wrong secret")
        UPDATES_RECEIVED.labels(channel=Channel.VK.value).inc()
        try:
            await contain(
                partial(handle, event),
                # the letter keeps the event, not the community's secret
                letter_of({key: value for key, value in event.items() if key != "secret"}),
                never,
                outage=outage,
                policy=policy,
                patient=False,
            )
        except Exception as error:
            outage.failed(error)  # VK will send it again
            return web.Response(status=500, text="not handled")
        return web.Response(text="ok")

    return receive


def callback_app(
    handle: EventHandler,
    *,
    group_id: int,
    confirmation: str,
    secret: str | None,
    path: str = "/vk/callback",
) -> web.Application:
    """An aiohttp app serving the Callback API at ``path``."""
    app = web.Application()
    app.router.add_post(
        path,
        callback_handler(handle, group_id=group_id, confirmation=confirmation, secret=secret),
    )
    return app
