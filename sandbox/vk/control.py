"""The Python control API: build the world, act as users, read chats, force failures.

:class:`VkControl` is mixed into :class:`~sandbox.vk.server.VkSandbox`.
Everything is synchronous except :meth:`VkControl.wait_for`. Messages handed
out are snapshots; pass them back (``reply_to=``, ``user_edits``...) freely.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from .callback import CallbackDelivery
from .errors import SandboxError
from .inbound import AttachmentSpecs, build_attachment
from .media import file_url
from .models import ALL_BUTTON_ACTIONS, LANG_IDS, AttachmentSpec, Community, VkMessage, VkUser
from .serialize import message_json
from .world import PendingEvent, VkWorld, snapshot

T = TypeVar("T")


class VkControl(AttachmentSpecs):
    """What a test (or the HTTP control API) can do to the sandbox."""

    world: VkWorld
    callbacks: CallbackDelivery
    _calls: list[tuple[str, dict[str, str]]]
    _fail: dict[str, list[int]]
    _drop: dict[str, int]

    # -- building ---------------------------------------------------------------

    def create_community(self, name: str = "Botdesk") -> Community:
        """A community with a fresh token (``community.token`` is what ``API`` takes)."""
        return self.world.add_community(name)

    def create_user(
        self,
        first_name: str,
        last_name: str = "",
        *,
        screen_name: str | None = None,
        lang: str = "ru",
    ) -> VkUser:
        """A person; ``screen_name`` defaults to ``id<N>`` as on VK."""
        return self.world.add_user(first_name, last_name, screen_name, lang)

    def set_privacy(self, user: VkUser, *, closed: bool = True) -> None:
        """Close (or reopen) the user's messages to communities: sends get error 902."""
        (self.world.privacy_closed.add if closed else self.world.privacy_closed.discard)(user.id)

    # -- the Callback API --------------------------------------------------------

    async def set_callback_server(
        self, community: Community, url: str, *, secret: str = ""
    ) -> bool:
        """Set the community's Callback API server and send it the confirmation request;
        whether it answered ``community.confirmation``.

        From now on the community's events go to this server, not the long poll; they
        wait in its queue until it is confirmed (:meth:`confirm_callback_server` asks
        again).
        """
        self.callbacks.set_server(community.id, url, secret)
        return await self.callbacks.confirm(community.id)

    async def confirm_callback_server(self, community: Community) -> bool:
        """Send the confirmation request again; whether the answer was right."""
        return await self.callbacks.confirm(community.id)

    def remove_callback_server(self, community: Community) -> None:
        """Back to the long poll, with the events the server has not acknowledged."""
        self.callbacks.remove_server(community.id)

    def callback_info(self, community: Community) -> dict[str, Any] | None:
        """The server's ``url, confirmed, pending, delivered, redelivered, last_error``."""
        server = self.world.callbacks.get(community.id)
        return None if server is None else server.info()

    # -- acting as users --------------------------------------------------------

    def user_writes(
        self,
        community: Community,
        user: VkUser,
        text: str = "",
        *,
        attachments: Iterable[AttachmentSpec] = (),
        reply_to: VkMessage | None = None,
        forward: Iterable[VkMessage] = (),
        payload: dict[str, Any] | None = None,
        callback_buttons: bool = True,
    ) -> VkMessage:
        """The user sends a message; the community gets ``message_new``.

        Writing to a community allows it to answer, as on VK.
        """
        conv = self.world.conversation(community, user)
        attached = [build_attachment(self.world.media, user.id, spec) for spec in attachments]
        if not text and not attached:
            raise SandboxError("a message needs text or attachments")
        message = self.world.add_message(
            conv, user.id, text, attachments=attached,
            reply_to=None if reply_to is None else self.world.stored(community, reply_to).id,
            fwd=[snapshot(self.world.stored(community, m)) for m in forward],
            payload=None if payload is None else json.dumps(payload),
        )  # fmt: skip
        conv.allowed = True
        actions = [a for a in ALL_BUTTON_ACTIONS if callback_buttons or a != "callback"]
        client_info = {"button_actions": actions, "keyboard": True, "inline_keyboard": True,
                       "carousel": True, "lang_id": LANG_IDS.get(user.lang, 0)}  # fmt: skip
        self._push(
            community,
            "message_new",
            {"message": message_json(message, conv), "client_info": client_info},
        )
        return snapshot(message)

    def user_edits(
        self, community: Community, user: VkUser, message: VkMessage, text: str
    ) -> VkMessage:
        """The user edits their message; the community gets ``message_edit``."""
        stored = self.world.stored(community, message)
        if stored.from_id != user.id:
            raise SandboxError("users can edit only their own messages")
        stored.text, stored.edited, stored.update_time = text, True, int(time.time())
        conv = self.world.conversation(community, user)
        self._push(community, "message_edit", message_json(stored, conv))
        return snapshot(stored)

    def press_button(
        self, community: Community, user: VkUser, message: VkMessage, payload: dict[str, Any]
    ) -> str:
        """Press a callback button of ``message``; returns the ``message_event`` event_id.

        The message must carry a callback button with this payload, as VK only
        emits ``message_event`` for callback buttons.
        """
        stored = self.world.stored(community, message)
        buttons = [b for row in (stored.keyboard or {}).get("buttons", []) for b in row]
        if not any(
            _button_payload(b) == payload for b in buttons if b["action"]["type"] == "callback"
        ):
            raise SandboxError(f"message {stored.id} has no callback button with payload {payload}")
        event_id = secrets.token_hex(6)
        self.world.events[event_id] = PendingEvent(community.id, user.id, user.id)
        self._push(community, "message_event", {
            "user_id": user.id, "peer_id": user.id, "event_id": event_id, "payload": payload,
            "conversation_message_id": stored.conversation_message_id,
        })  # fmt: skip
        return event_id

    def disallow_messages(self, community: Community, user: VkUser) -> None:
        """The user forbids the community to write (``message_deny``)."""
        self.world.conversation(community, user).allowed = False
        self._push(community, "message_deny", {"user_id": user.id})

    def allow_messages(self, community: Community, user: VkUser) -> None:
        """The user allows the community to write (``message_allow``)."""
        self.world.conversation(community, user).allowed = True
        self._push(community, "message_allow", {"user_id": user.id, "key": ""})

    # -- reading ----------------------------------------------------------------

    def chat(self, community: Community, user: VkUser) -> list[VkMessage]:
        """The conversation as VK shows it, both directions, oldest first."""
        return [snapshot(m) for m in self.world.conversation(community, user).messages]

    def reactions(self, community: Community, message: VkMessage) -> dict[int, int]:
        """Reactions on ``message`` now: reactor id (negative = a community) -> reaction id."""
        return dict(self.world.stored(community, message).reactions)

    def file_bytes(self, url_or_attachment: str | dict[str, Any]) -> bytes:
        """The bytes behind a sandbox URL or an attachment dict."""
        return self.world.media.by_url(file_url(url_or_attachment)).data

    def event_answers(self, community: Community) -> list[dict[str, Any]]:
        """``messages.sendMessageEventAnswer`` calls received, oldest first."""
        return list(self.world.answers[community.id])

    def longpoll_events(self, community: Community) -> list[dict[str, Any]]:
        """Long poll events still kept for ``community``, oldest first."""
        return [event for _, event in self.world.longpolls[community.id].events]

    def calls(self, method: str | None = None) -> list[tuple[str, dict[str, str]]]:
        """Every API call received (``access_token`` and ``v`` left out), in order."""
        return [(m, dict(p)) for m, p in self._calls if method is None or m == method]

    def refused(self) -> int:
        """How many API calls the per-token limit answered with error 6 so far."""
        return self.world.limiter.refused

    # -- failures ---------------------------------------------------------------

    def fail_next(self, method: str, error_code: int, count: int = 1) -> None:
        """The next ``count`` calls of ``method`` fail with ``error_code`` and do nothing."""
        self._fail.setdefault(method, []).extend([error_code] * count)

    def drop_next_response(self, method: str, count: int = 1) -> None:
        """The next ``count`` calls of ``method`` take effect, then the connection drops."""
        self._drop[method] = self._drop.get(method, 0) + count

    def longpoll_fail_next(self, community: Community, failed: int) -> None:
        """The next long poll request of ``community`` answers ``{"failed": failed}``."""
        self.world.longpolls[community.id].force(failed)

    async def wait_for(self, probe: Callable[[], T], timeout: float = 5.0) -> T:  # noqa: ASYNC109
        """Return ``probe()`` as soon as it is truthy; ``TimeoutError`` after ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = probe()
            if value:
                return value
            if loop.time() >= deadline:
                raise TimeoutError(f"condition not met within {timeout} s")
            await asyncio.sleep(0.02)  # probes may watch state outside the sandbox

    def _push(self, community: Community, kind: str, obj: dict[str, Any]) -> None:
        self.world.emit(community, kind, obj)


def _button_payload(button: dict[str, Any]) -> Any:
    raw = button["action"].get("payload")
    try:
        return json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return raw
