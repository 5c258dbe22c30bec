"""VK API errors with the codes and texts VK returns.

Handlers raise :class:`VkApiError`; the server answers
``{"error": {"error_code": N, "error_msg": "...", "request_params": [...]}}``.
The texts are copied from VK's published error list so that a test or the
product can match on exactly what the real service says.
"""

from __future__ import annotations

from typing import Any

# Code -> VK's text, as in the official errors.json.
MESSAGES: dict[int, str] = {
    1: "Unknown error occurred",
    3: "Unknown method passed",
    5: "User authorization failed",
    6: "Too many requests per second",
    7: "Permission to perform this action is denied",
    8: "Invalid request",
    9: "Flood control",
    10: "Internal server error",
    12: "Unable to compile code",
    13: "Runtime error occurred during code invocation",
    15: "Access denied",
    18: "User was deleted or banned",
    29: "Rate limit reached",
    100: "One of the parameters specified was missing or invalid",
    104: "Not found",
    113: "Invalid user id",
    129: "Invalid photo",
    900: "Can't send messages for users from blacklist",
    901: "Can't send messages for users without permission",
    902: "Can't send messages to this user due to their privacy settings",
    909: "Can't edit this message, because it's too old",
    911: "Keyboard format is invalid",
    912: "This is a chat bot feature, change this status in settings",
    914: "Message is too long",
    917: "You don't have access to this chat",
    921: "Can't forward these messages",
    1009: "Unknown reaction passed",
}


class VkApiError(Exception):
    """A VK API failure: numeric code and VK's message (plus optional detail)."""

    def __init__(self, code: int, detail: str | None = None) -> None:
        base = MESSAGES.get(code, MESSAGES[1])
        self.code = code
        self.message = f"{base}: {detail}" if detail else base
        super().__init__(self.message)

    def to_json(self, params: dict[str, str], method: str) -> dict[str, Any]:
        """The body VK sends: the error plus the echoed request parameters."""
        echoed = [{"key": "method", "value": method}, {"key": "oauth", "value": "1"}]
        echoed += [{"key": k, "value": str(v)} for k, v in params.items()]
        return {
            "error": {"error_code": self.code, "error_msg": self.message, "request_params": echoed}
        }


class SandboxError(ValueError):
    """A control-API call that makes no sense for the current world state."""


def bad_param(detail: str) -> VkApiError:
    """Error 100 with VK's ``<param> is ...`` detail."""
    return VkApiError(100, detail)


# Details VK appends to the base texts.
INVALID_TOKEN = "invalid access_token (4)."
NO_TOKEN = "no access_token passed."
NO_VERSION = "v (version) is required"
RANDOM_ID_REQUIRED = "random_id is a required parameter"
MESSAGE_EMPTY = "message is empty or invalid"
