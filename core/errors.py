"""Domain errors that channel adapters raise instead of SDK exceptions.

Core never sees aiogram or vkbottle exceptions: adapters translate them into these,
and the outbox decides from the class alone whether to wait, retry, or give up.
"""

from __future__ import annotations


class DeliveryError(Exception):
    """Something went wrong talking to a messenger."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryLater(DeliveryError):
    """The messenger asked us to slow down (Telegram 429, VK 6/9): wait ``seconds``."""

    def __init__(self, seconds: float, reason: str = "flood limit") -> None:
        super().__init__(reason)
        self.seconds = seconds


class TransientError(DeliveryError):
    """A network error, a timeout or a 5xx: retrying with backoff may well succeed."""


class PermanentError(DeliveryError):
    """Retrying the same call will not help; the item ends with a visible outcome."""


class RecipientUnavailable(PermanentError):
    """The customer blocked the bot or disallowed messages from the community."""


class TopicGone(PermanentError):
    """The conversation's forum topic was deleted (or never existed)."""


class TopicClosed(PermanentError):
    """The conversation's forum topic is closed and the bot may not post in it."""


class AdminFixable(PermanentError):
    """A cause an administrator of the operator group can fix: the work waits for it.

    Retrying the same call fails until someone changes a setting of the group, so the
    outbox holds the items (re-probing now and then) instead of failing them.
    """


class MissingRights(AdminFixable):
    """The bot lacks a right it needs in the operator group (e.g. "Manage topics")."""


class NotAForum(AdminFixable):
    """The operator group has Topics turned off (or is not a supergroup)."""


class ChatNotFound(PermanentError):
    """The chat does not exist or the bot is not in it."""


class MessageGone(PermanentError):
    """The message to edit, copy or reply to no longer exists."""


class NotModified(DeliveryError):
    """An edit changed nothing; for an edit this counts as success."""


class ClaimLost(Exception):
    """This process may no longer act for the outbox items it claimed.

    Several processes share one outbox: one paused past its leases (a long GC pause, a
    frozen VM) has its claims handed to another process, and a sender whose turn at the
    operator group ended must not send there. Whatever it was doing is dropped; the
    items belong to whoever holds them now (or go back to their queue).
    """
