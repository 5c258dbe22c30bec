"""The method registry and what every Bot API handler receives."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ..models import BotAccount, Chat, Member
from ..params import Params
from ..world import World


@dataclass
class Call:
    """One Bot API request: who calls, with what, against which world."""

    world: World
    bot: BotAccount
    p: Params

    def me(self, chat: Chat) -> Member | None:
        """The calling bot's membership of ``chat``."""
        return chat.member(self.bot.id)


Handler = Callable[[Call], Awaitable[Any]]
METHODS: dict[str, Handler] = {}


def method(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler under Bot API method ``names`` (matched case-insensitively)."""

    def register(handler: Handler) -> Handler:
        for name in names:
            METHODS[name.lower()] = handler
        return handler

    return register


def find(name: str) -> Handler | None:
    """The handler of method ``name`` (Telegram ignores case in method names)."""
    return METHODS.get(name.lower())
