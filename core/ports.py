"""The ports core talks through; adapters implement them (DESIGN.md, arrows inward).

Every method raises only :mod:`core.errors` exceptions, never an SDK's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from core.clock import Clock
from core.entities import Attachment, Choice, Content, Delivery, DeliveryEdit, Mirror, TicketCard
from core.enums import Channel
from core.errors import PermanentError

__all__ = ["Clock", "CustomerChannel", "OperatorDesk", "Ports"]


class CustomerChannel(Protocol):
    """Where customers of one channel (Telegram, VK) are reached."""

    channel: Channel

    async def deliver(self, delivery: Delivery) -> tuple[int, ...]:
        """Send operator messages to the customer; return their ids in the customer chat."""
        ...

    async def edit(self, edit: DeliveryEdit) -> None:
        """Apply an operator's edit to the copy the customer received."""
        ...

    async def send_text(self, chat_id: int, html: str, *, key: str) -> int:
        """Send a message of the desk itself (not an operator's) to the customer.

        ``key`` is stable across retries of one outbox item; a channel that can
        deduplicate on it (VK's ``random_id``) uses it so a retry never sends twice.
        """
        ...

    async def send_choices(
        self, chat_id: int, html: str, choices: Sequence[Choice], *, key: str
    ) -> int:
        """Send a desk message with quick-reply buttons (a rating, say); return its id.

        A press comes back to core as a :class:`~core.entities.ChoicePress` whose
        ``data`` is the pressed :class:`~core.entities.Choice`'s ``data``.
        """
        ...

    async def react(self, chat_id: int, message_id: int, emoji: str, *, key: str) -> None:
        """Acknowledge a customer's message without words (a 👍 on a thank-you)."""
        ...


class OperatorDesk(Protocol):
    """The operator side: one forum topic per conversation in the operator group."""

    async def open_topic(self, title: str) -> int:
        """Create a topic; return its ``message_thread_id``."""
        ...

    async def rename_topic(self, thread_id: int, title: str) -> None:
        """Change a topic's title."""
        ...

    async def reopen_topic(self, thread_id: int) -> None:
        """Reopen a topic someone closed."""
        ...

    async def delete_topic(self, thread_id: int) -> None:
        """Delete a topic of ours that no conversation uses (one opened twice)."""
        ...

    async def mirror(self, mirror: Mirror) -> tuple[int, ...]:
        """Show customer messages in their topic; return their ids in the group."""
        ...

    async def post(self, thread_id: int, html: str, *, reply_to: int | None = None) -> int:
        """Post a message of the desk itself (card, notice, merged texts) in a topic."""
        ...

    async def post_choices(
        self, thread_id: int | None, html: str, choices: Sequence[Choice], *, reply_to: int | None
    ) -> int:
        """Post a desk message with one row of buttons for operators; return its id.

        A press comes back as the pressed choice's ``data`` (see ``operators_group``).
        ``thread_id`` None posts in General (a personal task's reminder).
        """
        ...

    async def post_file(
        self, thread_id: int, attachment: Attachment, *, caption: str | None
    ) -> int:
        """Post a file of the desk itself (a template's attachment) with an HTML caption."""
        ...

    async def post_card(self, thread_id: int, card: TicketCard) -> int:
        """Post a ticket card in a topic; return its message id."""
        ...

    async def edit_card(self, message_id: int, card: TicketCard) -> None:
        """Show a ticket's new state on its card."""
        ...

    async def edit_post(self, message_id: int, html: str) -> None:
        """Change the text of a message the desk posted."""
        ...

    async def edit_mirror(self, message_id: int, content: Content) -> None:
        """Apply a customer's edit to its mirrored copy (raises if the kind can't change)."""
        ...

    async def pin(self, message_id: int) -> None:
        """Pin a message of the group (the ticket card)."""
        ...

    async def mark_delivered(self, message_id: int) -> None:
        """Show on an operator's message that the customer received it."""
        ...

    async def alert(self, html: str) -> int:
        """Post in the General topic (problems of the desk as a whole)."""
        ...

    async def post_picture(
        self, png: bytes, *, caption: str | None, thread_id: int | None, chat_id: int | None
    ) -> int:
        """Post an image the desk drew (a digest's chart) with an HTML caption.

        In the group's topic ``thread_id``, or in another chat ``chat_id`` (the managers'
        chat: its errors, like :meth:`post_in_chat`'s, are that chat's).
        """
        ...

    async def post_in_chat(self, chat_id: int, html: str) -> int:
        """Post the desk's own message in another chat the bot is in (the managers' chat).

        Raises :class:`~core.errors.ChatNotFound` when the bot is not (or no longer) there.
        """
        ...


@dataclass(frozen=True, slots=True)
class Ports:
    """The adapters the outbox operations talk through."""

    desk: OperatorDesk
    channels: Mapping[Channel, CustomerChannel]

    def channel(self, channel: Channel) -> CustomerChannel:
        """The adapter of ``channel``; a missing one is a permanent configuration error."""
        try:
            return self.channels[channel]
        except KeyError:
            raise PermanentError(f"the {channel} channel is not configured") from None
