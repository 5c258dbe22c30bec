"""Webhook delivery: each bot's updates POSTed in order, retried with backoff.

An update leaves the queue only after the bot's server answers 2xx. Any other
answer or a connection error is recorded for ``getWebhookInfo`` and the same
update is tried again after a delay that doubles up to a maximum, so order is
always kept. Deliveries are sequential per bot (one connection), which is the
strictest reading of ``max_connections``.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp

from .models import BotAccount, Webhook
from .world import World


class WebhookDelivery:
    """Background delivery tasks, one per bot with a webhook set."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None

    def kick(self, bot: BotAccount) -> None:
        """Start or stop delivery for ``bot`` to match its webhook setting."""
        task = self._tasks.get(bot.id)
        if bot.webhook is None:
            if task is not None:
                task.cancel()
                del self._tasks[bot.id]
            return
        if task is None or task.done():
            self._tasks[bot.id] = asyncio.get_running_loop().create_task(self._run(bot))

    async def close(self) -> None:
        """Stop every delivery task and the HTTP client."""
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self, bot: BotAccount) -> None:
        delay = self.world.options.webhook_retry_delay
        while bot.webhook is not None:
            if not bot.updates.pending:
                await bot.updates.arrived.wait()
                continue
            hook = bot.webhook
            update = bot.updates.pending[0]
            error = await self._post(hook, update)
            if error is None:
                bot.updates.pop_first(update["update_id"])
                self.world.touch()
                delay = self.world.options.webhook_retry_delay
                continue
            hook.last_error_date = self.world.now()
            hook.last_error_message = error
            self.world.touch()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.world.options.webhook_retry_max_delay)

    async def _post(self, hook: Webhook, update: dict[str, Any]) -> str | None:
        """Deliver one update; the error text Telegram would report, or ``None``."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        timeout = aiohttp.ClientTimeout(total=self.world.options.webhook_timeout)
        try:
            async with self._session.post(
                hook.url, json=update, headers=headers, timeout=timeout
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except aiohttp.ClientError as exc:
            return f"Connection error: {type(exc).__name__}"
