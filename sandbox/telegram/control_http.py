"""The control API over HTTP, under ``/sandbox/...`` (documented in README.md).

Bodies and answers are JSON. A private chat is addressed by ``bot_id`` plus the
user's id as ``chat_id``; a group by its negative ``chat_id``.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .actions import AlbumItem
from .demo import create_demo_world
from .errors import ApiError, SandboxError
from .handle import SandboxHandle
from .limits import Limits, Rate
from .models import Chat, Message, User

Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


class _Control:
    """Route handlers bound to one sandbox."""

    def __init__(self, sandbox: SandboxHandle) -> None:
        self.sb = sandbox
        self.world = sandbox.world

    # -- lookups ------------------------------------------------------------------

    def user(self, body: dict[str, Any], key: str = "user_id") -> User:
        user = self.world.users.get(int(body[key]))
        if user is None:
            raise SandboxError(f"unknown user {body[key]}")
        return user

    def chat(self, body: dict[str, Any]) -> Chat:
        chat_id = int(body.get("chat_id", 0) or 0)
        if chat_id < 0:
            group = self.world.groups.get(chat_id)
            if group is None:
                raise SandboxError(f"unknown group {chat_id}")
            return group
        bot = self.world.bots.get(int(body["bot_id"]))
        if bot is None:
            raise SandboxError(f"unknown bot {body['bot_id']}")
        user_id = chat_id or int(body["user_id"])
        return self.world.private_chat(bot, self.user({"user_id": user_id}))

    def message(self, body: dict[str, Any]) -> Message:
        chat = self.chat(body)
        found = chat.messages.get(int(body["message_id"]))
        if found is None:
            raise SandboxError(f"no message {body['message_id']} in chat {chat.id}")
        return found

    def destination(self, body: dict[str, Any]) -> Any:
        if int(body.get("chat_id", 0) or 0) < 0:
            return self.chat(body)
        return self.world.bots[int(body["bot_id"])]

    # -- handlers -----------------------------------------------------------------

    async def describe(self, body: dict[str, Any]) -> Any:
        return self.sb.describe()

    async def create_bot(self, body: dict[str, Any]) -> Any:
        bot = self.sb.create_bot(
            body.get("username", "botdesk_bot"),
            body.get("first_name", "Botdesk"),
            privacy=body.get("privacy", True),
        )
        return {"id": bot.id, "username": bot.username, "token": bot.token}

    async def create_user(self, body: dict[str, Any]) -> Any:
        fields = {k: body[k] for k in ("last_name", "username", "language_code") if k in body}
        user = self.sb.create_user(body["first_name"], **fields)
        return {"id": user.id, "first_name": user.first_name}

    async def create_group(self, body: dict[str, Any]) -> Any:
        users = lambda key: [self.user({"u": i}, "u") for i in body.get(key, [])]  # noqa: E731
        chat = self.sb.create_group(
            body["title"],
            owner=self.user(body, "owner_id"),
            forum=body.get("forum", True),
            members=users("member_ids"),
            admins=users("admin_ids"),
            username=body.get("username"),
        )
        return {"id": chat.id, "title": chat.title}

    async def bot_rights(self, body: dict[str, Any]) -> Any:
        bot = self.world.bots[int(body["bot_id"])]
        group = self.chat({"chat_id": body["chat_id"]})
        if body.get("remove"):
            self.sb.remove_bot(group, bot)
        else:
            self.sb.set_bot_rights(
                group, bot, admin=body.get("admin", True), **body.get("rights", {})
            )
        return True

    async def forum(self, body: dict[str, Any]) -> Any:
        group = self.chat({"chat_id": body["chat_id"]})
        self.sb.set_forum(group, bool(body["is_forum"]))
        return True

    async def add_member(self, body: dict[str, Any]) -> Any:
        group = self.chat({"chat_id": body["chat_id"]})
        self.sb.add_member(group, self.user(body), admin=body.get("admin", False))
        return True

    async def send(self, body: dict[str, Any]) -> Any:
        user, to = self.user(body), self.destination(body)
        kind = body.get("type", "text")
        common = {
            "topic": body.get("thread_id"),
            "reply_to": self.message({**body, "message_id": body["reply_to"]})
            if body.get("reply_to")
            else None,
        }
        if kind == "text":
            view = self.sb.send_text(
                user,
                to,
                body["text"],
                entities=body.get("entities"),
                parse_mode=body.get("parse_mode"),
                **common,
            )
        elif kind == "album":
            items = [
                AlbumItem(
                    i["type"], base64.b64decode(i["file"]), i.get("file_name"), i.get("caption")
                )
                for i in body["items"]
            ]
            return [v.to_dict() for v in self.sb.send_album(user, to, items, **common)]
        elif "file" in body:
            view = self.sb.send_media(
                user,
                to,
                kind,
                base64.b64decode(body["file"]),
                file_name=body.get("file_name"),
                mime_type=body.get("mime_type"),
                caption=body.get("caption"),
                **common,
            )
        else:
            view = self.sb.send_other(user, to, kind, body["payload"], **common)
        return view.to_dict()

    async def edit(self, body: dict[str, Any]) -> Any:
        view = self.sb.edit_message(
            self.user(body), self.message(body), body.get("text"), caption=body.get("caption")
        )
        return view.to_dict()

    async def press(self, body: dict[str, Any]) -> Any:
        record = self.sb.press_button(
            self.user(body),
            self.message(body),
            data=body.get("data"),
            text=body.get("text"),
            forge=bool(body.get("forge", False)),
        )
        return {"callback_query_id": record.id}

    async def callback(self, request: web.Request) -> Any:
        record = self.world.callbacks.get(request.match_info["query_id"])
        if record is None:
            raise SandboxError("unknown callback query")
        return {
            "answered": record.answered,
            "text": record.answer_text,
            "show_alert": record.show_alert,
            "url": record.url,
        }

    async def react(self, body: dict[str, Any]) -> Any:
        self.sb.react(self.user(body), self.message(body), *body.get("emoji", []))
        return True

    async def block(self, body: dict[str, Any]) -> Any:
        bot = self.world.bots[int(body["bot_id"])]
        if body.get("blocked", True):
            self.sb.block_bot(self.user(body), bot)
        else:
            self.sb.unblock_bot(self.user(body), bot)
        return True

    async def topic(self, body: dict[str, Any]) -> Any:
        user, group, action = self.user(body), self.chat(body), body["action"]
        if action == "create":
            topic = self.sb.create_topic(user, group, body["name"], body.get("icon_color"))
            return {"message_thread_id": topic.thread_id, "name": topic.name}
        thread = int(body["thread_id"])
        if action == "rename":
            self.sb.rename_topic(user, group, thread, body["name"])
        else:
            {
                "close": self.sb.close_topic,
                "reopen": self.sb.reopen_topic,
                "delete": self.sb.delete_topic,
            }[action](user, group, thread)
        return True

    async def limits(self, body: dict[str, Any]) -> Any:
        if body.get("off"):
            self.sb.limits = Limits.off()
        else:
            rate = lambda key: Rate(*body[key]) if body.get(key) else None  # noqa: E731
            self.sb.limits = Limits(rate("private_chat"), rate("group_chat"), rate("per_bot"))
        return True

    async def demo(self, body: dict[str, Any]) -> Any:
        return create_demo_world(self.sb).summary(self.sb.base_url)


def _json_route(action: Callable[[dict[str, Any]], Awaitable[Any]]) -> Route:
    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json() if request.can_read_body else {}
            return web.json_response({"ok": True, "result": await action(body)})
        except (SandboxError, KeyError, ValueError, TypeError) as error:
            return web.json_response({"ok": False, "description": str(error)}, status=400)
        except ApiError as error:
            return web.json_response(error.to_json(), status=error.code)

    return handle


def add_control_routes(app: web.Application, sandbox: SandboxHandle) -> None:
    """Register the ``/sandbox`` routes of ``sandbox`` on ``app``."""
    c = _Control(sandbox)
    posts = {
        "bots": c.create_bot,
        "users": c.create_user,
        "groups": c.create_group,
        "bot-rights": c.bot_rights,
        "forum": c.forum,
        "members": c.add_member,
        "messages": c.send,
        "edit": c.edit,
        "press": c.press,
        "react": c.react,
        "block": c.block,
        "topics": c.topic,
        "limits": c.limits,
        "demo": c.demo,
    }
    for name, action in posts.items():
        app.router.add_post(f"/sandbox/{name}", _json_route(action))
    app.router.add_get("/sandbox", _json_route(c.describe))

    async def messages(request: web.Request) -> web.StreamResponse:
        query = dict(request.query)
        try:
            chat = c.chat({**query, "chat_id": request.match_info["chat_id"]})
            topic = int(query["thread_id"]) if query.get("thread_id") else None
            if request.match_info["what"] == "transcript":
                return web.Response(text=sandbox.transcript(chat, topic=topic))
            return web.json_response(
                {"ok": True, "result": sandbox.messages_json(chat, topic=topic)}
            )
        except (SandboxError, KeyError, ValueError) as error:
            return web.json_response({"ok": False, "description": str(error)}, status=400)

    async def callback(request: web.Request) -> web.StreamResponse:
        try:
            return web.json_response({"ok": True, "result": await c.callback(request)})
        except SandboxError as error:
            return web.json_response({"ok": False, "description": str(error)}, status=404)

    async def file(request: web.Request) -> web.StreamResponse:
        try:
            return web.Response(body=sandbox.file_bytes(request.match_info["file_id"]))
        except SandboxError as error:
            return web.json_response({"ok": False, "description": str(error)}, status=404)

    app.router.add_get("/sandbox/chats/{chat_id}/{what:messages|transcript}", messages)
    app.router.add_get("/sandbox/callbacks/{query_id}", callback)
    app.router.add_get("/sandbox/files/{file_id}", file)
