"""What the tests of the start-up checks share: an operator group to check, and the type
of the ``check`` fixture (see ``conftest.py`` beside this file)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sandbox.telegram import BotAccount, Chat, TelegramSandbox
from tests.botdesk.processes import Finished

Check = Callable[..., Awaitable[Finished]]


def setup(sb: TelegramSandbox, account: BotAccount, *, forum: bool = True, **rights: bool) -> Chat:
    """An operator group with the bot in it (an administrator unless ``admin=False``)."""
    group = sb.create_group("Support desk", owner=sb.create_user("Olga"), forum=forum)
    admin = rights.pop("admin", True)
    sb.add_bot(group, account, admin=admin, **rights)
    return group
