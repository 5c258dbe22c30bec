"""Route VK community events (long poll or Callback API) to core's use cases.

Thin on purpose: each event is mapped to a core entity and handed to one use case.

* ``message_new`` from a customer → :func:`core.relay.ingest.ingest`; except the "Start"
  button (payload ``{"command": "start"}``) or the text ``/start`` alone, which get
  the greeting and open no ticket (spam must not flood the group with topics), and
  a text button carrying a choice (``{"choice": …}``), which is a :class:`ChoicePress`;
* ``message_edit`` from a customer → :func:`core.relay.ingest.ingest_edit`;
* ``message_event`` (a callback button) → a :class:`ChoicePress` for the injected
  ``on_choice``, whose answer is shown as a snackbar (``sendMessageEventAnswer``);
* ``message_deny`` / ``message_allow`` → :func:`core.relay.replies.set_customer_reachable`.

Messages of the community itself and of group chats are ignored: the desk serves
one-to-one dialogs. :meth:`VkDispatcher.handle` raises if a use case fails, so the
caller does not acknowledge the event and it comes again (core dedupes).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bots.vk.channel import VkChannel
from bots.vk.content import inbound_edit_of, inbound_of, profile_of
from bots.vk.errors import vk_errors
from bots.vk.peers import VkPeers
from bots.vk.text import parse_payload, plain_text
from core.context import DeskContext
from core.entities import ChoicePress, CustomerProfile
from core.errors import DeliveryError
from core.relay.greetings import greeting
from core.relay.ingest import ingest, ingest_edit
from core.relay.replies import set_customer_reachable

__all__ = ["ChoiceHandler", "VkDispatcher"]

log = logging.getLogger(__name__)

PREFETCH_TIMEOUT = 5.0  # seconds a long-poll batch may wait for its customers' names

ChoiceHandler = Callable[[ChoicePress], Awaitable[str | None]]
CHAT_PEERS = 2_000_000_000  # VK's peer ids of group chats start here
_SNACKBAR = 90  # VK cuts snackbar texts at 90 characters


def _is_customer(message: dict[str, Any]) -> bool:
    from_id, peer_id = int(message.get("from_id", 0)), int(message.get("peer_id", 0))
    return from_id > 0 and 0 < peer_id < CHAT_PEERS


def is_start(message: dict[str, Any]) -> bool:
    """The "Start" button or a lone ``/start``: answered with the greeting only."""
    if parse_payload(message.get("payload")).get("command") == "start":
        return True
    lone = not message.get("attachments") and not message.get("fwd_messages")
    return lone and str(message.get("text") or "").strip().lower() == "/start"


class VkDispatcher:
    """Handles one VK event at a time; raising means "not handled, deliver again"."""

    def __init__(
        self,
        channel: VkChannel,
        ctx: DeskContext,
        *,
        company: str,
        on_choice: ChoiceHandler | None = None,
    ) -> None:
        self.channel = channel
        self.api = channel.api
        self.peers: VkPeers = channel.peers
        self.ctx = ctx
        self.company = company
        self.on_choice = on_choice

    async def prepare(self, events: list[dict[str, Any]]) -> None:
        """Learn the names of a batch's new customers with one ``users.get``.

        Thirty customers writing at once would otherwise cost thirty calls of the
        community's 20 a second before a single message is stored. Best effort: a
        failure, or no answer within :data:`PREFETCH_TIMEOUT`, leaves each event to ask
        for its own customer.
        """
        ids = {
            int(obj["from_id"])
            for event in events
            if (obj := _message_of(event)) is not None and int(obj.get("from_id", 0)) > 0
        }
        try:
            # Never hold a batch up for long: a slow answer just means per-event calls.
            await asyncio.wait_for(self.peers.prefetch(ids), PREFETCH_TIMEOUT)
        except (DeliveryError, TimeoutError) as error:
            log.info("users.get for %s customers failed: %r", len(ids), error)

    async def handle(self, event: dict[str, Any]) -> None:
        """Dispatch one event (``{"type": …, "object": …}``); unknown types are skipped."""
        kind, obj = str(event.get("type", "")), event.get("object") or {}
        handler = {
            "message_new": self._message_new,
            "message_edit": self._message_edit,
            "message_event": self._message_event,
            "message_deny": self._deny,
            "message_allow": self._allow,
        }.get(kind)
        if handler is None:
            log.debug("VK event %s ignored", kind)
            return
        await handler(obj)

    async def _profile(self, user_id: int) -> CustomerProfile:
        return profile_of(await self.peers.user(user_id), self.peers.language(user_id))

    async def _message_new(self, obj: dict[str, Any]) -> None:
        message = obj.get("message") or obj  # API versions before 5.103 send the message
        if not _is_customer(message):
            return
        peer, user_id = int(message["peer_id"]), int(message["from_id"])
        self.peers.remember_client(peer, obj.get("client_info"))
        user = await self.peers.user(user_id)
        language = self.peers.language(peer)
        if is_start(message):
            html = greeting(
                self.ctx.customer_language(language),
                first_name=user.first_name,
                company=self.company,
            )
            await self.channel.send_text(peer, html, key=f"vk:greeting:{peer}:{message['id']}")
            return
        choice = parse_payload(message.get("payload")).get("choice")
        if choice is not None:
            press = ChoicePress(profile_of(user, language), peer, 0, str(choice))
            answer = await self._choose(press)
            if answer:
                await self.channel.send_text(peer, answer, key=f"vk:choice:{peer}:{message['id']}")
            return
        outcome = await ingest(inbound_of(message, user, language), self.ctx)
        log.debug("VK message %s/%s: %s", peer, message["id"], outcome)

    async def _message_edit(self, obj: dict[str, Any]) -> None:
        if not _is_customer(obj):
            return
        user_id = int(obj["from_id"])
        user = await self.peers.user(user_id)
        edit = inbound_edit_of(obj, user, self.peers.language(int(obj["peer_id"])))
        outcome = await ingest_edit(edit, self.ctx)
        log.debug("VK edit %s/%s: %s", obj["peer_id"], obj["id"], outcome)

    async def _choose(self, press: ChoicePress) -> str | None:
        if self.on_choice is None:
            log.warning("VK choice %r pressed, but no handler is configured", press.data)
            return None
        return await self.on_choice(press)

    async def _message_event(self, obj: dict[str, Any]) -> None:
        user_id, peer = int(obj["user_id"]), int(obj["peer_id"])
        choice = parse_payload(obj.get("payload")).get("choice")
        answer = None
        if choice is not None:
            press = ChoicePress(await self._profile(user_id), peer, 0, str(choice))
            answer = await self._choose(press)
        await self._answer_event(obj, answer)

    async def _answer_event(self, obj: dict[str, Any], text: str | None) -> None:
        """Stop the button's spinner, with a snackbar when there is something to say."""
        params: dict[str, Any] = {
            "event_id": obj["event_id"],
            "user_id": obj["user_id"],
            "peer_id": obj["peer_id"],
        }
        if text:
            snackbar = {"type": "show_snackbar", "text": plain_text(text)[:_SNACKBAR]}
            params["event_data"] = json.dumps(snackbar, ensure_ascii=False)
        try:
            async with vk_errors():
                await self.api.request("messages.sendMessageEventAnswer", params)
        except DeliveryError as error:
            # The press is recorded; an expired event only loses its snackbar.
            log.info("could not answer VK event %s: %s", obj.get("event_id"), error)

    async def _deny(self, obj: dict[str, Any]) -> None:
        profile = await self._profile(int(obj["user_id"]))
        await set_customer_reachable(profile, False, self.ctx)

    async def _allow(self, obj: dict[str, Any]) -> None:
        profile = await self._profile(int(obj["user_id"]))
        await set_customer_reachable(profile, True, self.ctx)


def _message_of(event: dict[str, Any]) -> dict[str, Any] | None:
    """The message object of a ``message_new`` or ``message_edit`` event, else None."""
    obj = event.get("object") or {}
    if event.get("type") == "message_new":
        message = obj.get("message")
        return message if isinstance(message, dict) else None
    return obj if event.get("type") == "message_edit" else None
