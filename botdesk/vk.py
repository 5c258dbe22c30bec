"""Wiring of the optional VK channel: the API client, the channel, the event intake.

Without ``VK_TOKEN`` none of this is built and vkbottle is never imported, so a
Telegram-only desk does not pay for it (its models cost memory). With a token, events
come through the Bots Long Poll API, or through the Callback API when
``VK_CALLBACK_SECRET`` and ``VK_CONFIRMATION`` are set.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from core.clock import Clock
from core.config import Settings
from core.context import DeskContext
from core.entities import Attachment, ChoicePress
from core.outbox.shared_budgets import SharedLedger
from core.tickets.csat import handle_choice

if TYPE_CHECKING:
    from bots.vk.channel import VkChannel
    from bots.vk.dispatch import VkDispatcher
    from bots.vk.paced import PacedAPI
    from bots.vk.uploads import VkDownloader

log = logging.getLogger("botdesk.vk")

VK_CALLBACK_PATH = "/vk/callback"
Fetch = Callable[[Attachment], Awaitable[bytes]]


@dataclass
class VkSide:
    """The VK channel of a running desk and how its events come in."""

    settings: Settings
    channel: VkChannel
    dispatcher: VkDispatcher
    downloader: VkDownloader

    @property
    def group_id(self) -> int:
        assert self.settings.vk_group_id is not None
        return self.settings.vk_group_id

    @property
    def uses_callback(self) -> bool:
        """Events come over the Callback API (a web endpoint) instead of long polling."""
        return self.settings.vk_callback_secret is not None

    def add_callback_route(self, app: web.Application) -> None:
        """Serve VK's Callback API at :data:`VK_CALLBACK_PATH` on ``app``."""
        from bots.vk.callback_api import callback_handler

        secret = self.settings.vk_callback_secret
        handler = callback_handler(
            self.dispatcher.handle,
            group_id=self.group_id,
            confirmation=self.settings.vk_confirmation or "",
            secret=secret.get_secret_value() if secret else None,
        )
        app.router.add_post(VK_CALLBACK_PATH, handler)

    async def poll(self, stop: asyncio.Event) -> None:
        """Long-poll the community until ``stop`` is set."""
        from bots.vk.backlog import waiting_events
        from bots.vk.polling import VkLongPoll

        dispatcher, api = self.dispatcher, self.channel.api
        poll = VkLongPoll(
            api,
            self.group_id,
            dispatcher.handle,
            prepare=dispatcher.prepare,
            backlog=lambda: waiting_events(api),
        )
        await poll.run(stop)

    def pace_with(self, budgets: SharedLedger, clock: Clock) -> None:
        """Make calls outside the outbox (intake, button answers) share its VK budget."""
        from bots.vk.paced import PacedAPI

        api = self.channel.api
        assert isinstance(api, PacedAPI)
        api.pace_with(budgets, clock)

    async def close(self) -> None:
        """Close the API client and the file downloader."""
        await self.downloader.close()
        await self.channel.api.http_client.close()


def vk_downloader(settings: Settings) -> VkDownloader | None:
    """The VK file downloader the operator desk needs, or None without VK."""
    if settings.vk_token is None:
        return None
    from bots.vk.uploads import VkDownloader

    return VkDownloader()


def build_vk_api(settings: Settings) -> PacedAPI:
    """The VK API client for ``settings`` (which must have ``VK_TOKEN``), at ``VK_API_BASE``."""
    from vkbottle import AiohttpClient

    from bots.vk.errors import FailFastRescheduler
    from bots.vk.paced import PacedAPI

    assert settings.vk_token is not None
    api = PacedAPI(
        settings.vk_token.get_secret_value(),
        http_client=AiohttpClient(),
        request_rescheduler=FailFastRescheduler(),
    )
    if settings.vk_api_base:
        api.API_URL = settings.vk_api_base.rstrip("/") + "/method/"
    return api


def build_vk(
    settings: Settings, ctx: DeskContext, downloader: VkDownloader, fetch_operator_file: Fetch
) -> VkSide:
    """The VK channel for ``settings`` (which must have ``VK_TOKEN``)."""
    from bots.vk.channel import VkChannel
    from bots.vk.dispatch import VkDispatcher

    channel = VkChannel(build_vk_api(settings), fetch_operator_file)

    async def on_choice(press: ChoicePress) -> str | None:
        return await handle_choice(press, ctx)

    dispatcher = VkDispatcher(channel, ctx, company=settings.company_name, on_choice=on_choice)
    log.info("VK community %s connected", settings.vk_group_id)
    return VkSide(settings, channel, dispatcher, downloader)
