"""Translate vkbottle's and the network's exceptions into :mod:`core.errors`.

Every VK API call of the VK adapter runs inside :func:`vk_errors`, so core and the
outbox only ever see domain errors. VK tells situations apart by a numeric
``error_code`` (see VK's ``errors.json``); the ones that matter to delivery:

* 6 (too many requests per second) and 9 (flood control) → :class:`RetryLater`;
* 10 (internal server error) → :class:`TransientError`;
* 901 (no permission to write to this user) and 902 (the user's privacy settings
  forbid messages) → :class:`RecipientUnavailable`;
* any other code → :class:`PermanentError` carrying VK's own message.

Network failures (aiohttp errors, timeouts) are :class:`TransientError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from vkbottle import VKAPIError
from vkbottle.api import ABCAPI
from vkbottle.api.request_rescheduler import ABCRequestRescheduler

from core.errors import (
    DeliveryError,
    PermanentError,
    RecipientUnavailable,
    RetryLater,
    TransientError,
)

__all__ = ["FLOOD_PAUSE", "FailFastRescheduler", "by_code", "translate", "vk_call", "vk_errors"]

# VK names no wait time for its rate limits; its per-second window is over in a second.
FLOOD_PAUSE = 1.0
# Flood control (9) counts identical or too many messages over minutes, not seconds.
FLOOD_CONTROL_PAUSE = 5.0

_RATE_LIMITED = {6: FLOOD_PAUSE, 9: FLOOD_CONTROL_PAUSE}
_UNREACHABLE = frozenset({901, 902})
_SERVER_TROUBLE = frozenset({10})


def _code(error: VKAPIError) -> int:
    return int(getattr(error, "code", 0) or 0)


def translate(error: BaseException) -> DeliveryError | None:
    """The domain error for a vkbottle or network exception; None if it is neither."""
    if isinstance(error, DeliveryError):
        return error
    if isinstance(error, VKAPIError):
        return by_code(_code(error), str(error.error_msg))
    if isinstance(error, TimeoutError | aiohttp.ClientError):
        return TransientError(f"{type(error).__name__}: {error}".rstrip(": "))
    return None


def by_code(code: int, message: str) -> DeliveryError:
    """The domain error for VK error ``code`` (also for a call inside ``execute``)."""
    text = f"VK error {code}: {message}"
    if code in _RATE_LIMITED:
        return RetryLater(_RATE_LIMITED[code], text)
    if code in _SERVER_TROUBLE:
        return TransientError(text)
    if code in _UNREACHABLE:
        return RecipientUnavailable(text)
    return PermanentError(text)


@asynccontextmanager
async def vk_errors() -> AsyncIterator[None]:
    """Raise domain errors instead of vkbottle's around VK API calls.

    ``async with vk_errors(): await api.request(...)``; the original exception stays
    attached as ``__cause__`` for logs.
    """
    try:
        yield
    except DeliveryError:
        raise
    except (TimeoutError, VKAPIError, aiohttp.ClientError) as error:
        domain = translate(error)
        if domain is None:  # pragma: no cover - every caught class is translated
            raise
        raise domain from error


async def vk_call(api: ABCAPI, method: str, params: dict[str, Any]) -> Any:
    """One API call with domain errors: its ``response``."""
    async with vk_errors():
        answer = await api.request(method, params)
    return answer["response"]


class FailFastRescheduler(ABCRequestRescheduler):
    """Give a garbled (non-JSON) VK answer back as a :class:`TransientError`.

    vkbottle's default rescheduler repeats such a request in a loop with growing
    sleeps, which would stall an outbox worker on one item; the outbox has its own
    backoff, so the adapter's API is built with this one instead.
    """

    async def reschedule(
        self, ctx_api: ABCAPI, method: str, data: dict[str, Any], recent_response: Any
    ) -> dict[str, Any]:
        """Refuse to retry here: the caller's retry policy decides."""
        raise TransientError(f"VK answered {method} with {str(recent_response)[:80]!r}")
