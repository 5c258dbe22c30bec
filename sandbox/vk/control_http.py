"""The control API over HTTP, under ``/sandbox/...`` (documented in README.md).

Bodies and answers are JSON: ``{"ok": true, "result": ...}`` or
``{"ok": false, "description": "..."}``. Communities and users are addressed by
id, messages by their VK ``id`` within the community's chat with the user.
Attachment bytes travel base64-encoded.

The routes drive the Python control API (:class:`~sandbox.vk.control.VkControl`) only;
the server registers them and this module never imports the server.
"""

from __future__ import annotations

import base64
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from aiohttp import web

from .control import VkControl
from .errors import SandboxError
from .models import AttachmentSpec, Community, VkMessage, VkUser

Action = Callable[[dict[str, Any]], Any]


class _Control:
    """Route handlers bound to one sandbox."""

    def __init__(self, sandbox: VkControl) -> None:
        self.sb = sandbox

    def community(self, body: dict[str, Any]) -> Community:
        return self.sb.world.community(int(body["community_id"]))

    def user(self, body: dict[str, Any]) -> VkUser:
        return self.sb.world.user(int(body["user_id"]))

    def message(self, body: dict[str, Any], key: str = "message_id") -> VkMessage:
        conv = self.sb.world.conversation(self.community(body), self.user(body))
        found = conv.find(int(body[key]))
        if found is None:
            raise SandboxError(f"no message {body[key]} in this chat")
        return found

    def spec(self, item: dict[str, Any]) -> AttachmentSpec:
        kind = item.pop("type")
        if "data" in item:
            item["data"] = base64.b64decode(item["data"])
        factory = getattr(self.sb, kind, None)
        if kind.startswith("_") or not callable(factory):
            raise SandboxError(f"unknown attachment type {kind}")
        return factory(**item)

    def create_community(self, body: dict[str, Any]) -> Any:
        return asdict(self.sb.create_community(body.get("name", "Botdesk")))

    def create_user(self, body: dict[str, Any]) -> Any:
        fields = {k: body[k] for k in ("screen_name", "lang") if k in body}
        return asdict(self.sb.create_user(body["first_name"], body.get("last_name", ""), **fields))

    def write(self, body: dict[str, Any]) -> Any:
        msg = self.sb.user_writes(
            self.community(body), self.user(body), body.get("text", ""),
            attachments=[self.spec(dict(a)) for a in body.get("attachments", [])],
            reply_to=self.message(body, "reply_to") if body.get("reply_to") else None,
            forward=[self.message({**body, "message_id": i}) for i in body.get("forward", [])],
            payload=body.get("payload"), callback_buttons=body.get("callback_buttons", True),
        )  # fmt: skip
        return asdict(msg)

    def edit(self, body: dict[str, Any]) -> Any:
        return asdict(
            self.sb.user_edits(
                self.community(body), self.user(body), self.message(body), body["text"]
            )
        )

    def press(self, body: dict[str, Any]) -> Any:
        event_id = self.sb.press_button(
            self.community(body), self.user(body), self.message(body), body["payload"]
        )
        return {"event_id": event_id}

    def allow(self, body: dict[str, Any]) -> Any:
        if body.get("allowed", True):
            self.sb.allow_messages(self.community(body), self.user(body))
        else:
            self.sb.disallow_messages(self.community(body), self.user(body))
        return True

    def fail_next(self, body: dict[str, Any]) -> Any:
        self.sb.fail_next(body["method"], int(body["error_code"]), int(body.get("count", 1)))
        return True

    def drop_next(self, body: dict[str, Any]) -> Any:
        self.sb.drop_next_response(body["method"], int(body.get("count", 1)))
        return True

    def longpoll_fail(self, body: dict[str, Any]) -> Any:
        self.sb.longpoll_fail_next(self.community(body), int(body["failed"]))
        return True

    async def callback_server(self, body: dict[str, Any]) -> Any:
        community = self.community(body)
        if not body.get("url"):
            self.sb.remove_callback_server(community)
            return True
        secret = str(body.get("secret") or "")
        return await self.sb.set_callback_server(community, body["url"], secret=secret)

    async def callback_confirm(self, body: dict[str, Any]) -> Any:
        return await self.sb.confirm_callback_server(self.community(body))

    def callback_info(self, body: dict[str, Any]) -> Any:
        return self.sb.callback_info(self.community(body))

    def chat(self, body: dict[str, Any]) -> Any:
        return [asdict(m) for m in self.sb.chat(self.community(body), self.user(body))]

    def answers(self, body: dict[str, Any]) -> Any:
        return self.sb.event_answers(self.community(body))

    def calls(self, body: dict[str, Any]) -> Any:
        return [{"method": m, "params": p} for m, p in self.sb.calls(body.get("method"))]

    def refused(self, body: dict[str, Any]) -> Any:
        return self.sb.refused()


def _route(
    action: Action, *, query: bool = False
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            body = dict(request.query) | dict(request.match_info)
            if not query and request.can_read_body:
                body |= await request.json()
            result = action(body)
            if inspect.isawaitable(result):
                result = await result
            return web.json_response({"ok": True, "result": result})
        except (SandboxError, KeyError, ValueError, TypeError) as error:
            return web.json_response({"ok": False, "description": str(error)}, status=400)

    return handle


def add_control_routes(app: web.Application, sandbox: VkControl) -> None:
    """Register the ``/sandbox`` routes of ``sandbox`` on ``app``."""
    c = _Control(sandbox)
    posts: dict[str, Action] = {
        "communities": c.create_community,
        "users": c.create_user,
        "write": c.write,
        "edit": c.edit,
        "press": c.press,
        "allow": c.allow,
        "fail-next": c.fail_next,
        "drop-next": c.drop_next,
        "longpoll-fail": c.longpoll_fail,
        "callback-server": c.callback_server,
        "callback-confirm": c.callback_confirm,
    }
    for name, action in posts.items():
        app.router.add_post(f"/sandbox/{name}", _route(action))
    app.router.add_get("/sandbox/chats/{community_id}/{user_id}", _route(c.chat, query=True))
    app.router.add_get("/sandbox/event-answers/{community_id}", _route(c.answers, query=True))
    app.router.add_get("/sandbox/calls", _route(c.calls, query=True))
    app.router.add_get(
        "/sandbox/callback-server/{community_id}", _route(c.callback_info, query=True)
    )
    app.router.add_get("/sandbox/refused", _route(c.refused, query=True))
