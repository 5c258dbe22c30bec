"""Which operator-group command routers the desk runs, in order.

They are included before the relay router, whose catch-all handler takes every message
in the group: a command must reach its own router first.
"""

from __future__ import annotations

from aiogram import Router

from bots.telegram.content import content_of
from core.config import Settings
from core.context import DeskContext
from operators_group.callbacks import build_card_router, build_unknown_press_router
from operators_group.commands import build_commands_router
from operators_group.commands_presence import build_presence_router
from operators_group.commands_team import build_team_router
from operators_group.held import build_held_router
from operators_group.reports import build_reports_router
from operators_group.tasks import build_tasks_router
from operators_group.templates import build_templates_router


def group_command_routers(settings: Settings, ctx: DeskContext) -> list[Router]:
    """The routers of the operator group's commands and buttons, the unknown-press one last."""
    routers: list[Router] = []
    routers.append(build_team_router(ctx, admin_ids=settings.admin_ids))
    routers.append(build_presence_router(ctx, admin_ids=settings.admin_ids))
    routers.append(
        build_templates_router(
            ctx,
            to_content=content_of,
            company=settings.company_name,
            admin_ids=settings.admin_ids,
        )
    )
    routers.append(build_card_router(ctx, admin_ids=settings.admin_ids))
    routers.append(build_held_router(ctx))
    routers.append(build_tasks_router(ctx))
    routers.append(build_reports_router(ctx, admin_ids=settings.admin_ids))
    # Last of the command routers: its catch-all answers commands nobody else took.
    routers.append(build_commands_router(ctx, admin_ids=settings.admin_ids))
    # After every button's own router: a press nobody took still gets an answer.
    routers.append(build_unknown_press_router(ctx))
    return routers
