"""Wiring: database, bot, outbox worker, scheduler, routers, the web server; then updates.

This is the composition root: the only place that knows every adapter. It reads
:class:`core.config.Settings` and nothing else from the outside world.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial
from zoneinfo import ZoneInfo

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage
from aiohttp import web
from redis.asyncio import Redis

from botdesk.checks import preflight, start_line
from botdesk.instances import Instances, instances_for
from botdesk.isolation import build_isolation
from botdesk.readiness import CHECK_TIMEOUT, Readiness, TelegramSeen
from botdesk.redis_budgets import redis_budgets
from botdesk.routers import group_command_routers
from botdesk.telegram import build_bot
from botdesk.updates import poll, webhook_app
from botdesk.vk import VK_CALLBACK_PATH, VkSide, build_vk, vk_downloader
from botdesk.web import add_health_routes, serving
from bots.telegram.channel import TelegramChannel
from bots.telegram.content import operator_edit_of, operator_message_of
from bots.telegram.customer import CustomerMessages, build_customer_router
from bots.telegram.errors import telegram_errors
from core import db
from core.auto_reply_settings import auto_replies_from_settings
from core.business_calendar import calendar_from_settings
from core.clock import Clock, SystemClock
from core.config import Settings, parse_rate
from core.context import DeskContext
from core.digest_settings import digest_from_settings
from core.enums import Channel
from core.intake.containment import RetryPolicy
from core.messaging.send_journal import never_sent
from core.messaging.topics import announce_desk
from core.notices.deadlines import sla_handlers
from core.notices.digests import arm_digests, digest_handlers
from core.notices.operations import notice_operations
from core.notices.reminders import reminder_handlers
from core.outbox import OutboxSettings, OutboxWorker
from core.outbox.budgets import Budgets, Rate
from core.outbox.liveness import Liveness
from core.ports import CustomerChannel, Ports
from core.relay.nudges import waiting_handlers
from core.relay.operations import relay_operations
from core.rule_settings import rules_from_settings
from core.sla_policies import sla_policies
from core.tickets.hand_back import reassign_handlers
from core.timers.scheduler import DEFAULT_MAX_SLEEP, Handler, Scheduler
from core.workload_settings import workload_from_settings
from operators_group.desk import TelegramOperatorDesk
from operators_group.membership import MembersOnly
from operators_group.relay import build_operator_router
from operators_group.sent_journal import GroupSendJournal

log = logging.getLogger("botdesk")

WEBHOOK_PATH = "/telegram/webhook"
#: several processes: the longest a scheduler sleeps, so that it sees deadlines the
#: others stored (a process that dies leaves its deadlines to the rest)
SHARED_MAX_SLEEP = 10.0


def build_storage(settings: Settings) -> BaseStorage:
    """FSM storage: Redis when configured (shared by every instance), memory otherwise."""
    if settings.redis_url:
        return RedisStorage.from_url(settings.redis_url)
    return MemoryStorage()


def build_budgets(settings: Settings) -> Budgets:
    """The outbox's flood budgets from the settings."""
    vk = Rate(*parse_rate(settings.rate_vk))  # VK's limit is per community token
    return Budgets(
        telegram_private=Rate(*parse_rate(settings.rate_private_chat)),
        telegram_group=Rate(*parse_rate(settings.rate_group)),
        telegram_channel=Rate(*parse_rate(settings.rate_bot)),
        vk=vk,
        vk_channel=vk,
    )


def outbox_settings(settings: Settings, instances: Instances) -> OutboxSettings:
    """The outbox worker's settings; with several processes, claims carry this one's name
    and items another process wrote are looked for every second rather than every five."""
    if not instances.several:
        return OutboxSettings(hold_recheck=settings.hold_recheck_seconds)
    return OutboxSettings(
        hold_recheck=settings.hold_recheck_seconds, instance=instances.name, poll_interval=1.0
    )


def deadline_handlers(ports: Ports, ctx: DeskContext) -> dict[str, Handler]:
    """The scheduler's handlers, by deadline kind: the one place they are registered.

    The SLA clocks' warnings and breaches (kinds ``sla_warning`` and ``sla_breach``), task
    reminders and snooze wake-ups (``task_reminder``, ``snooze_wake``), REASSIGN_AFTER's
    moves and the reminder and auto-resolve of a ticket waiting on the customer are
    registered here, and so is anything else that stores deadlines. A deadline of a kind
    missing here is dropped with one ERROR log. ``ports`` is for handlers that call out
    directly; these only queue outbox items and change rows.
    """
    del ports
    return {
        **sla_handlers(ctx),
        **reminder_handlers(ctx),
        **reassign_handlers(ctx),
        **waiting_handlers(ctx),
        **digest_handlers(ctx),
    }


class Desk:
    """Everything that runs: the bot, the outbox worker, the scheduler and the dispatcher."""

    def __init__(
        self,
        settings: Settings,
        bot: Bot | None = None,
        *,
        clock: Clock | None = None,
        instances: Instances | None = None,
    ) -> None:
        """Build the desk; ``clock`` (the wall clock by default) is the one time source,
        ``instances`` says whether other processes share its database (see
        :mod:`botdesk.instances`)."""
        settings.require("bot_token", "operator_group_id", purpose="botdesk run")
        assert settings.operator_group_id is not None
        timezone = ZoneInfo(settings.timezone)
        self.bot = bot or build_bot(settings)
        self.instances = instances = instances or instances_for(settings)
        # inside the retry middleware: a flood wait sleeps without holding the group
        journal, self.send_lock = instances.send_lock(settings.operator_group_id)
        self.sent_journal = GroupSendJournal(settings.operator_group_id, journal, self.send_lock)
        self.bot.session.middleware(self.sent_journal)
        self.ctx = DeskContext(
            group_chat_id=settings.operator_group_id,
            locale=settings.operator_language,
            customer_locale=settings.default_language,
            timezone=timezone,
            clock=clock or SystemClock(),
            wake=self._wake,
            admin_ids=tuple(settings.admin_ids),
            collision_mode=settings.collision_mode,
            reopen_window=timedelta(hours=settings.reopen_window_hours),
            sla=sla_policies(settings),
            calendar=calendar_from_settings(settings),
            managers_chat_id=settings.managers_chat_id,
            digest=digest_from_settings(settings),
            auto_replies=auto_replies_from_settings(settings.acknowledgement, settings.off_hours),
            workload=workload_from_settings(settings),
            rules=rules_from_settings(settings),
            company_name=settings.company_name,
        )
        downloader = vk_downloader(settings)
        desk = TelegramOperatorDesk(
            self.bot,
            settings.operator_group_id,
            errors=telegram_errors,
            locale=settings.operator_language,
            timezone=timezone,
            fetchers={Channel.VK: downloader.fetch} if downloader else None,
        )
        channels: dict[Channel, CustomerChannel] = {Channel.TELEGRAM: TelegramChannel(self.bot)}
        self.vk: VkSide | None = None
        if downloader is not None:
            self.vk = build_vk(settings, self.ctx, downloader, desk.download)
            channels[Channel.VK] = self.vk.channel
        ports = self.ports = Ports(desk=desk, channels=channels)
        # with Redis, the flood budgets hold for every process of the desk together
        self.shared_budgets = redis_budgets(settings)
        self.liveness = None
        if instances.several:
            self.liveness = Liveness(
                instances.name,
                instances.ttl,
                clock=self.ctx.clock,
                on_recovered=lambda: self.worker.wake(),
            )
        self.worker = OutboxWorker(
            {**relay_operations(ports, self.ctx), **notice_operations(ports, self.ctx)},
            clock=self.ctx.clock,
            budgets=build_budgets(settings),
            settings=outbox_settings(settings, instances),
            shared=self.shared_budgets,
            group_turn=self.send_lock.ready,
            liveness=self.liveness.lease if self.liveness is not None else None,
        )
        if self.vk is not None:
            self.vk.pace_with(self.worker.budgets, self.ctx.clock)
        # a fired deadline writes its notices to the outbox: send them at once
        self.scheduler = Scheduler(
            deadline_handlers(ports, self.ctx),
            clock=self.ctx.clock,
            on_fired=self.worker.wake,
            # deadlines another process stored are seen within this many seconds
            max_sleep=SHARED_MAX_SLEEP if instances.several else DEFAULT_MAX_SLEEP,
        )
        storage = build_storage(settings)
        # a lock of a process that dies holding it lasts no longer than its leases
        isolation = build_isolation(storage, instances.ttl)
        self.dispatcher = Dispatcher(storage=storage, events_isolation=isolation)
        self.dispatcher.callback_query.outer_middleware(
            MembersOnly(self.bot, settings.operator_group_id, locale=settings.operator_language)
        )
        self.dispatcher.include_router(build_customer_router(settings, self.ctx))
        # Commands and buttons first: the relay's catch-all takes every group message.
        for router in group_command_routers(settings, self.ctx):
            self.dispatcher.include_router(router)
        self.dispatcher.include_router(
            build_operator_router(
                self.ctx, to_message=operator_message_of, to_edit=operator_edit_of
            )
        )

    def _wake(self) -> None:
        # a use case committed: new outbox items, and perhaps a nearer deadline
        self.worker.wake()
        self.scheduler.wake()


async def run_app(
    settings: Settings,
    stop: asyncio.Event | None = None,
    *,
    on_built: Callable[[Desk], None] | None = None,
    retry: RetryPolicy | None = None,
    clock: Clock | None = None,
) -> None:
    """Run botdesk until ``stop`` is set (or forever): database, worker, updates.

    ``on_built`` sees the desk once it is built (the demo watches its flood budgets);
    ``retry`` says how often a failing update is tried before it is set aside; ``clock``
    replaces the wall clock (end-to-end tests of time-dependent rules).
    """
    settings.require("bot_token", "operator_group_id", purpose="botdesk run")
    # Migrates, then checks Telegram, the database, Redis and VK: a problem an admin must
    # fix stops here with its paragraph (exit 2), not with a traceback later.
    bot = build_bot(settings)
    report = await preflight(settings, bot)
    await db.init_db(settings.database_url)
    desk = Desk(settings, bot, clock=clock)
    if on_built is not None:
        on_built(desk)
    # Everything built so far (aiogram's many models above all) lives as long as the
    # process: keep it out of the collector's way so full collections stay short.
    gc.freeze()
    stop = stop or asyncio.Event()
    await desk.sent_journal.load()
    if desk.liveness is not None:
        await desk.liveness.start()  # before the first claim: claims of the living stay
    try:
        await desk.worker.start()
        # after the worker: what fell due while the desk was down fires now, and its
        # notices need the worker running to go out
        await desk.scheduler.start()
        async with _web_server(settings, desk, retry):
            log.info("%s", start_line(report, settings))
            if settings.webhook_url:
                await _use_webhook(settings, desk)
            await desk.instances.lead(stop, partial(_lead, settings, desk, retry))
    finally:
        stop.set()
        await desk.scheduler.stop()
        await desk.worker.stop(grace=5.0)
        if desk.liveness is not None:
            await desk.liveness.stop()
        await desk.send_lock.close()
        if desk.shared_budgets is not None:
            await desk.shared_budgets.close()
        if desk.vk is not None:
            await desk.vk.close()
        await desk.dispatcher.storage.close()
        await desk.bot.session.close()
        await db.close_db()


@asynccontextmanager
async def _web_server(
    settings: Settings, desk: Desk, retry: RetryPolicy | None = None
) -> AsyncIterator[None]:
    """The process's one web server: probes and metrics in every mode, with the Telegram
    webhook (webhook mode) and VK's Callback API (when used) on the same port."""
    seen = TelegramSeen()
    desk.bot.session.middleware(seen)
    redis = None
    if settings.redis_url:
        redis = Redis.from_url(
            settings.redis_url, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT
        )
    readiness = Readiness(
        bot=desk.bot,
        seen=seen,
        clock=desk.ctx.clock,
        max_outbox_age=settings.ready_outbox_max_age,
        redis=redis,
    )
    if settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        app = webhook_app(desk.bot, desk.dispatcher, WEBHOOK_PATH, secret, policy=retry)
    else:
        app = web.Application()
    add_health_routes(app, readiness)
    if desk.vk is not None and desk.vk.uses_callback:
        desk.vk.add_callback_route(app)
        log.info("VK Callback API at %s", VK_CALLBACK_PATH)
    try:
        async with serving(app, settings.web_host, settings.web_port):
            yield
    finally:
        await readiness.close()


async def _use_webhook(settings: Settings, desk: Desk) -> None:
    """Point Telegram at the webhook route (every process: they all serve it)."""
    assert settings.webhook_url is not None
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    await desk.bot.set_webhook(settings.webhook_url + WEBHOOK_PATH, secret_token=secret)


async def _lead(
    settings: Settings,
    desk: Desk,
    retry: RetryPolicy | None,
    ended: asyncio.Event,
    leading: Callable[[], bool],
) -> None:
    """What the leading process does until ``ended``: a new desk's first words, the
    digests' deadlines, and long polling (Telegram unless webhooks, VK unless callbacks)."""
    if await never_sent(settings.operator_group_id or 0):
        await announce_desk(desk.ports, desk.ctx)  # the first start on this group
    await arm_digests(desk.ctx)
    vk_poll = None
    if desk.vk is not None and not desk.vk.uses_callback:
        vk_poll = asyncio.create_task(desk.vk.poll(ended), name="vk-long-poll")
    try:
        if settings.webhook_url:
            await ended.wait()
        else:
            await desk.bot.delete_webhook(drop_pending_updates=False)
            bulk = CustomerMessages(desk.ctx)
            await poll(desk.bot, desk.dispatcher, ended, bulk=bulk, policy=retry, leading=leading)
    finally:
        ended.set()
        if vk_poll is not None:
            await asyncio.gather(vk_poll, return_exceptions=True)
