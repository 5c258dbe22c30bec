"""The managers' place: where escalations (and the reports) are posted.

``MANAGERS_CHAT_ID`` names a chat of its own (a managers' group, or a manager's private
chat with the bot). Unset, the desk keeps a "📊 Reports" topic in the operator group: it
creates the topic the first time something is posted, remembers its thread in a
``ChannelCursor`` row (``reports_topic:<group id>``) and creates a new one when someone
deletes it. Posts go through the outbox on their own FIFO queue
(:func:`core.outbox.queues.managers_queue`): in the group they spend the group's flood
budget, in another chat that chat's own.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.errors import DeliveryError, TopicClosed, TopicGone
from core.i18n import _
from core.messaging.mirroring import TopicOperation
from core.messaging.usecase import notice_text
from core.models import ChannelCursor
from core.outbox import Completion, FailureDecision, Job
from core.outbox.queues import TO_MANAGERS, enqueue_on, managers_queue

log = logging.getLogger(__name__)

#: Posts one message given the Reports topic's thread, or the managers' own chat.
Post = Callable[[int | None, int | None], Awaitable[int]]

#: The title of the topic the desk keeps for managers in the operator group.
REPORTS_TOPIC_TITLE = _("📊 Reports")


def reports_topic_key(group_chat_id: int) -> str:
    """The ``ChannelCursor`` name that remembers the Reports topic's thread id."""
    return f"reports_topic:{group_chat_id}"


async def to_managers(connection: BaseDBAsyncClient, ctx: DeskContext, html: str) -> None:
    """Queue ``html`` (the desk's own, already escaped) for the managers' place.

    Runs in the caller's transaction: the post is sent once the transaction commits, in
    order with everything else queued for managers.
    """
    await enqueue_on(
        managers_queue(ctx.group_chat_id, ctx.managers_chat_id),
        TO_MANAGERS,
        {"html": html},
        now=ctx.clock.now(),
        using_db=connection,
    )


async def reports_thread(ctx: DeskContext) -> int | None:
    """The remembered thread id of the group's Reports topic, if there is one."""
    cursor = await ChannelCursor.get_or_none(name=reports_topic_key(ctx.group_chat_id))
    return int(cursor.value) if cursor is not None and cursor.value else None


class PostToManagers(TopicOperation):
    """Post one message in the managers' place (their chat, or the Reports topic).

    In the operator group a cause an admin can fix holds the queue like any topic's
    (see :class:`~core.messaging.mirroring.TopicOperation`); a managers' chat of its own
    that fails (the bot was removed from it) fails the item and says so in the log.
    """

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        html = str(jobs[0].payload["html"])
        desk = self.ports.desk

        async def post(thread_id: int | None, chat_id: int | None) -> int:
            if chat_id is not None:
                return await desk.post_in_chat(chat_id, html)
            assert thread_id is not None
            return await desk.post(thread_id, html)

        await self.in_place(post)
        return None

    async def in_place(self, post: Post) -> int:
        """Make ``post`` in the managers' place: their chat, or the Reports topic.

        ``post`` gets the topic's thread (chat None) or the managers' chat (thread None).
        """
        if self.ctx.managers_chat_id is not None:
            return await post(None, self.ctx.managers_chat_id)
        thread_id = await self._thread()
        try:
            return await post(thread_id, None)
        except TopicGone:  # someone deleted the topic: managers get a new one
            log.info("the Reports topic %s is gone; creating a new one", thread_id)
            await ChannelCursor.filter(name=reports_topic_key(self.ctx.group_chat_id)).delete()
            return await post(await self._thread(), None)
        except TopicClosed:  # closed by hand: it is still where managers look
            await self.ports.desk.reopen_topic(thread_id)
            return await post(thread_id, None)

    async def _thread(self) -> int:
        """The Reports topic's thread, created (and remembered at once) when there is none.

        Remembered outside the outbox's completion: a topic that exists must never be
        created twice because the post after it failed.
        """
        known = await reports_thread(self.ctx)
        if known is not None:
            return known
        thread_id = await self.ports.desk.open_topic(notice_text(self.ctx, REPORTS_TOPIC_TITLE))
        await ChannelCursor.update_or_create(
            name=reports_topic_key(self.ctx.group_chat_id), defaults={"value": str(thread_id)}
        )
        return thread_id

    async def on_failure(self, jobs: Sequence[Job], error: DeliveryError) -> FailureDecision:
        """In the group: hold on what an admin can fix; in another chat: fail, logged."""
        if self.ctx.managers_chat_id is None:
            return await super().on_failure(jobs, error)
        log.warning(
            "could not post in the managers' chat %s (MANAGERS_CHAT_ID): %s",
            self.ctx.managers_chat_id,
            error,
        )
        return FailureDecision.fail()
