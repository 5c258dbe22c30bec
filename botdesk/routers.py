"""Which operator-group command routers the desk runs, in order.

They are included before the relay router, whose catch-all handler takes every message
in the group: a command must reach its own router first.
"""

from __future__ import annotations

from aiogram import Router

from core.config import Settings
from core.context import DeskContext


def group_command_routers(settings: Settings, ctx: DeskContext) -> list[Router]:
    """The routers of the operator group's commands and buttons."""
    routers: list[Router] = []
    return routers
