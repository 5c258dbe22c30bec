"""The tags operators may put on tickets: the list admins keep with ``/tag add``.

A tag name is one word of letters, digits, ``_`` or ``-`` (at most 32 characters),
kept in lower case so ``#Billing`` and ``#billing`` are one tag. Only an operator
allowed :attr:`~core.staff.permissions.Action.MANAGE_TAGS` may add one; a refusal is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from enum import StrEnum

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import OperatorProfile
from core.enums import OperatorRole
from core.limits import max_length
from core.messaging.usecase import atomically
from core.models import Tag
from core.staff.operators import refuse, upsert_operator
from core.staff.permissions import Action, allowed

#: One word of letters, digits, ``_`` or ``-``, as long as the column allows.
TAG_NAME = re.compile(rf"^[\w-]{{1,{max_length(Tag, 'name')}}}$")


class TagOutcome(StrEnum):
    """What ``/tag add`` did."""

    ADDED = "added"
    EXISTS = "exists"
    INVALID = "invalid"
    NOT_ALLOWED = "not_allowed"


def normalize_tag(name: str) -> str | None:
    """The stored form of a tag name (``#Billing`` → ``billing``), or None if invalid."""
    clean = name.strip().removeprefix("#").lower()
    return clean if TAG_NAME.fullmatch(clean) else None


async def add_tag(
    actor: OperatorProfile, name: str, ctx: DeskContext, *, admins: Collection[int] = ()
) -> TagOutcome:
    """Add the tag ``name`` to the list operators choose from."""

    async def work(connection: BaseDBAsyncClient) -> TagOutcome:
        now = ctx.clock.now()
        me = await upsert_operator(connection, actor, now, admins=admins)
        if not allowed(OperatorRole(me.role), Action.MANAGE_TAGS):
            await refuse(connection, me, Action.MANAGE_TAGS, now, details={"tag": name})
            return TagOutcome.NOT_ALLOWED
        clean = normalize_tag(name)
        if clean is None:
            return TagOutcome.INVALID
        _tag, created = await Tag.get_or_create(
            name=clean, defaults={"created_at": now}, using_db=connection
        )
        return TagOutcome.ADDED if created else TagOutcome.EXISTS

    return await atomically(work)


async def tag_names() -> list[str]:
    """The tags operators may put on tickets, by name."""
    return [tag.name for tag in await Tag.all().order_by("name")]
