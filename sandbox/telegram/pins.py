"""Pinning and unpinning, shared by the Bot API methods and the control API.

A pin posts the ``pinned_message`` service message Telegram posts, in the pinned
message's topic; the bot that pinned gets it as an update like everyone else, as on
Telegram. Unpinning posts nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from .errors import SandboxError, bad_request
from .models import Chat, Message, User
from .serialize import message_json
from .views import MessageView
from .world import World


def pin(world: World, chat: Chat, actor: User, message: Message, *, silent: bool = False) -> None:
    """Mark ``message`` pinned and post the ``pinned_message`` notice."""
    if message.is_service:
        raise bad_request("message can't be pinned")  # ids of service messages
    message.pinned = True
    world.post(
        chat,
        actor,
        "pinned_message",
        {"pinned_message": message_json(message, with_reply=False)},
        thread_id=message.thread_id,
        is_service=True,
        silent=silent,
    )


def unpin_where(world: World, chat: Chat, picked: Callable[[Message], bool]) -> int:
    """Unpin every pinned message ``picked`` accepts; returns how many were pinned."""
    found = [m for m in chat.messages.values() if m.pinned and picked(m)]
    for message in found:
        message.pinned = False
    world.touch()
    return len(found)


class PinActions:
    """People pinning messages (the control API)."""

    world: World

    def pin_message(self, user: User, group: Chat, message: Message | MessageView | int) -> None:
        """A group member with the "Pin messages" right pins a message of ``group``."""
        member = group.member(user.id)
        if member is None or not member.can("can_pin_messages"):
            raise SandboxError(f"{user.full_name} may not pin messages in {group.title}")
        message_id = message if isinstance(message, int) else message.message_id
        found = group.messages.get(message_id)
        if found is None:
            raise SandboxError(f"message {message_id} is not in {group.title}")
        pin(self.world, group, user, found)
