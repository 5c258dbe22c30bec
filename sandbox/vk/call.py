"""One API call: who makes it and with which parameters, plus the method registry.

VK passes everything as strings (query or form); the helpers here parse them
and raise error 100 with VK's wording when a parameter is missing or invalid.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import bad_param
from .models import Community

if TYPE_CHECKING:
    from .world import VkWorld

Handler = Callable[["Call"], Awaitable[Any]]
METHODS: dict[str, Handler] = {}


def method(name: str) -> Callable[[Handler], Handler]:
    """Register an API method handler under its VK name."""

    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = handler
        return handler

    return register


def find(name: str) -> Handler | None:
    """The handler for ``name`` (VK method names are case-insensitive)."""
    return METHODS.get(name.lower())


@dataclass
class Call:
    """The world, the calling community and the call's parameters."""

    world: VkWorld
    community: Community
    params: dict[str, str]
    base_url: str

    def get(self, name: str, default: str | None = None) -> str | None:
        """A parameter as sent, with empty strings treated as absent."""
        value = self.params.get(name)
        return default if value in (None, "") else value

    def required(self, name: str) -> str:
        """A parameter that must be present."""
        value = self.get(name)
        if value is None:
            raise bad_param(f"{name} is a required parameter")
        return value

    def int(self, name: str, default: int | None = None) -> int | None:
        """An integer parameter (error 100 when it is not a number)."""
        value = self.get(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise bad_param(f"{name} not integer") from None

    def ints(self, name: str) -> list[int]:
        """A comma-separated list of integers."""
        value = self.get(name) or ""
        try:
            return [int(part) for part in value.split(",") if part.strip()]
        except ValueError:
            raise bad_param(f"{name} not integer") from None
