"""Translate aiogram's exceptions into :mod:`core.errors`.

Every Bot call of the Telegram adapters runs inside :func:`telegram_errors`, so core
and the outbox only ever see domain errors and can decide from the class alone whether
to wait (``RetryLater``), retry (``TransientError``) or give up (``PermanentError`` and
its subclasses). Telegram tells situations apart only by the description text, so the
texts below are matched as substrings, case-insensitively.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiogram.exceptions import (
    AiogramError,
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from core.errors import (
    ChatNotFound,
    DeliveryError,
    MessageGone,
    MissingRights,
    NotAForum,
    NotModified,
    PermanentError,
    RecipientUnavailable,
    RetryLater,
    TopicClosed,
    TopicGone,
    TransientError,
)

__all__ = ["telegram_errors", "translate"]

# Checked in order: the first needle found in the description decides. "message thread
# not found" must come before the generic "not found" texts it would also match.
_BAD_REQUEST: tuple[tuple[str, type[PermanentError] | type[NotModified]], ...] = (
    ("message thread not found", TopicGone),
    ("topic_deleted", TopicGone),
    ("topic_id_invalid", TopicGone),
    ("topic_closed", TopicClosed),
    # createForumTopic and friends in a group with Topics off
    ("not a forum", NotAForum),
    ("chat_not_forum", NotAForum),
    ("forum_missing", NotAForum),
    ("not enough rights", MissingRights),
    ("chat_admin_required", MissingRights),
    ("chat not found", ChatNotFound),
    ("peer_id_invalid", ChatNotFound),
    ("message is not modified", NotModified),
    ("message to edit not found", MessageGone),
    ("message to copy not found", MessageGone),
    ("message to delete not found", MessageGone),
    ("message to forward not found", MessageGone),
    ("message to be replied not found", MessageGone),
    ("message_id_invalid", MessageGone),
)


def _forbidden(description: str) -> DeliveryError:
    text = description.lower()
    if "not enough rights" in text:
        return MissingRights(description)
    if "kicked" in text and "group" in text:
        # Kicked from the operator group: the desk lost its workplace, not a customer.
        return MissingRights(description)
    if "not a member" in text:
        return MissingRights(description)
    # Blocked by the user, deactivated user, kicked from a private chat, can't initiate
    # a conversation: the customer cannot be reached, whatever the exact wording.
    return RecipientUnavailable(description)


def _bad_request(description: str) -> DeliveryError:
    text = description.lower()
    for needle, error in _BAD_REQUEST:
        if needle in text:
            return error(description)
    return PermanentError(description)


def translate(error: BaseException) -> DeliveryError | None:
    """The domain error for an SDK or network exception; None if it is not one of those."""
    if isinstance(error, DeliveryError):
        return error
    if isinstance(error, TelegramRetryAfter):
        return RetryLater(float(error.retry_after), error.message)
    if isinstance(error, TelegramForbiddenError):
        return _forbidden(error.message)
    if isinstance(error, TelegramBadRequest):
        return _bad_request(error.message)
    # A file too large is reported as a network error by aiogram, yet it never succeeds.
    if isinstance(error, TelegramEntityTooLarge):
        return PermanentError(error.message)
    if isinstance(error, TelegramNetworkError | TelegramServerError):
        return TransientError(error.message)
    if isinstance(error, TelegramAPIError):
        # Unauthorized (revoked token), not found, conflict, migrated chat: no retry helps.
        return PermanentError(error.message)
    if isinstance(error, ClientDecodeError):
        # A garbled answer usually comes from a proxy or an overloaded front: try again.
        return TransientError(error.message)
    if isinstance(error, TimeoutError | aiohttp.ClientError):
        return TransientError(f"{type(error).__name__}: {error}".rstrip(": "))
    if isinstance(error, AiogramError):
        return PermanentError(str(error))
    return None


@asynccontextmanager
async def telegram_errors() -> AsyncIterator[None]:
    """Raise domain errors instead of aiogram's around a Bot call.

    Use it as ``async with telegram_errors(): await bot.send_message(...)`` or as a
    decorator of a coroutine function: ``@telegram_errors()``. The original exception
    stays attached as ``__cause__`` for logs.
    """
    try:
        yield
    except DeliveryError:
        raise
    except (TimeoutError, AiogramError, aiohttp.ClientError) as error:
        domain = translate(error)
        if domain is None:  # pragma: no cover - every caught class is translated
            raise
        raise domain from error
