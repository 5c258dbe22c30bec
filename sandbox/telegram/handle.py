"""The sandbox without its HTTP face: :class:`SandboxHandle`, everything it can do.

It owns the world and its webhook delivery, and carries the Python control API (build
the world, act as users, pin, read chats). :class:`~sandbox.telegram.server.TelegramSandbox`
serves it over HTTP; the control routes (``control_http.py``) and the demo world
(``demo.py``) drive it. They all import this module and the server imports them, never
the other way round, so no module needs the server to know what a sandbox can do.
"""

from __future__ import annotations

from .clock import Clock
from .control import WorldControl
from .interactions import UserInteractions
from .limits import Limits
from .pins import PinActions
from .webhook import WebhookDelivery
from .world import Options, World


class SandboxHandle(WorldControl, UserInteractions, PinActions):
    """An offline Telegram world with its control API, not yet served over HTTP.

    ``limits`` defaults to Telegram's flood limits; pass ``Limits.off()`` to
    disable them or ``Limits().scaled(0.05)`` to make windows short.
    """

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        clock: Clock | None = None,
        options: Options | None = None,
    ) -> None:
        self.world = World(limits, clock, options)
        self.webhooks = WebhookDelivery(self.world)
        self.world.on_update = self.webhooks.kick
        # Set by the server once it listens; the demo summary and control answers use it.
        self.base_url = ""

    @property
    def limits(self) -> Limits:
        """The flood limits in force (assignable at any time)."""
        return self.world.flood.limits

    @limits.setter
    def limits(self, value: Limits) -> None:
        self.world.flood.limits = value
