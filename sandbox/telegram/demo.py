"""A ready-made world for ``botdesk sandbox`` and ``botdesk demo``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .handle import SandboxHandle
from .models import BotAccount, Chat, User


@dataclass
class DemoWorld:
    """The accounts of the demo: one desk bot, an operator forum, customers."""

    bot: BotAccount
    group: Chat
    owner: User
    operators: list[User]
    customers: list[User]

    def summary(self, base_url: str) -> dict[str, Any]:
        """What a CLI prints: addresses, token and ids."""
        return {
            "api_base": base_url,
            "bot_api": f"{base_url}/bot{self.bot.token}/getMe",
            "bot_token": self.bot.token,
            "bot_username": self.bot.username,
            "operator_group_id": self.group.id,
            "operators": {u.full_name: u.id for u in [self.owner, *self.operators]},
            "customers": {u.full_name: u.id for u in self.customers},
            "control": f"{base_url}/sandbox",
        }


def create_demo_world(sandbox: SandboxHandle, bot_username: str = "botdesk_demo_bot") -> DemoWorld:
    """A desk bot (admin with topic rights) in an operator forum, and three customers."""
    bot = sandbox.create_bot(bot_username, "Botdesk Demo")
    owner = sandbox.create_user("Olga", last_name="Manager", username="olga_mgr")
    operators = [
        sandbox.create_user("Ivan", last_name="Agent", username="ivan_agent"),
        sandbox.create_user("Maria", last_name="Senior", username="maria_senior"),
    ]
    group = sandbox.create_group("Support desk", owner=owner, admins=operators)
    sandbox.add_bot(group, bot, admin=True)
    customers = [
        sandbox.create_user("Alice", username="alice", language_code="en"),
        sandbox.create_user("Борис", username="boris", language_code="ru"),
        sandbox.create_user("Chen", language_code="en"),
    ]
    return DemoWorld(bot, group, owner, operators, customers)
