"""getMe, commands, getUpdates and the webhook settings."""

from __future__ import annotations

import re
from typing import Any

from .. import errors as E
from ..errors import bad_request, conflict
from ..models import Webhook
from ..serialize import user_json
from ..updates import DEFAULT_UPDATE_TYPES
from .base import Call, method


@method("getMe")
async def get_me(call: Call) -> dict[str, Any]:
    """getMe."""
    return user_json(call.bot.user, call.bot)


def _scope_key(call: Call) -> tuple[str, str]:
    scope = call.p.json("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    parts = [str(scope["type"]), str(scope.get("chat_id", "")), str(scope.get("user_id", ""))]
    return ":".join(parts), call.p.str("language_code") or ""


@method("setMyCommands")
async def set_my_commands(call: Call) -> bool:
    """setMyCommands: validated like Telegram (lowercase names, 1-256 char descriptions)."""
    commands = call.p.json("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("commands is empty" if commands is None else "too many commands")
    clean = []
    for item in commands:
        name, description = str(item.get("command", "")), str(item.get("description", ""))
        if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        clean.append({"command": name, "description": description})
    call.bot.commands[_scope_key(call)] = clean
    return True


@method("getMyCommands")
async def get_my_commands(call: Call) -> list[dict[str, str]]:
    """getMyCommands for a scope and language."""
    return call.bot.commands.get(_scope_key(call), [])


@method("deleteMyCommands")
async def delete_my_commands(call: Call) -> bool:
    """deleteMyCommands for a scope and language."""
    call.bot.commands.pop(_scope_key(call), None)
    return True


@method("getUpdates")
async def get_updates(call: Call) -> list[dict[str, Any]]:
    """getUpdates with offset confirmation, long polling and the 409 conflicts."""
    bot, p = call.bot, call.p
    if bot.webhook is not None:
        raise conflict(E.WEBHOOK_ACTIVE)
    limit = min(max(p.int("limit", 100) or 100, 1), 100)
    timeout = max(p.int("timeout", 0) or 0, 0)
    allowed = p.json("allowed_updates")
    bot.updates.set_allowed(allowed if isinstance(allowed, list) else None)
    return await bot.updates.poll(p.int("offset"), limit, float(timeout))


@method("setWebhook")
async def set_webhook(call: Call) -> bool:
    """setWebhook; http:// loopback URLs are accepted, unlike on Telegram."""
    bot, p = call.bot, call.p
    url = p.str("url") or ""
    if not url:
        return await delete_webhook(call)
    if not re.match(r"https?://[^/\s]+", url):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.str("secret_token")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = p.int("max_connections", 40) or 40
    allowed = p.json("allowed_updates")
    bot.updates.set_allowed(allowed if isinstance(allowed, list) else None)
    if p.bool("drop_pending_updates"):
        bot.updates.drop_all()
    bot.updates.terminate_poll("terminated by setWebhook request")
    bot.webhook = Webhook(url=url, secret_token=secret, max_connections=max_connections)
    call.world.on_update(bot)
    return True


@method("deleteWebhook")
async def delete_webhook(call: Call) -> bool:
    """deleteWebhook (optionally dropping pending updates)."""
    call.bot.webhook = None
    if call.p.bool("drop_pending_updates"):
        call.bot.updates.drop_all()
    call.world.on_update(call.bot)
    return True


@method("getWebhookInfo")
async def get_webhook_info(call: Call) -> dict[str, Any]:
    """getWebhookInfo: url, pending count and the last delivery error."""
    hook = call.bot.webhook
    info: dict[str, Any] = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(call.bot.updates.pending),
    }
    if hook is not None:
        info["max_connections"] = hook.max_connections
        info["ip_address"] = "127.0.0.1"
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
        if call.bot.updates.allowed != DEFAULT_UPDATE_TYPES:
            info["allowed_updates"] = sorted(call.bot.updates.allowed)
    return info


@method("logOut", "close")
async def log_out(call: Call) -> bool:
    """logOut / close: accepted and ignored."""
    return True
