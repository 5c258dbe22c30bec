"""Posting a digest: the outbox operation that draws it and sends it to the managers.

The outbox item holds only the period (``{"kind": "daily", "first": "2026-03-01"}``): the
figures, the text and the chart are made when the item is sent, outside any transaction,
so the scheduler's claim stays short and the queue's rows stay small. The chart is drawn
in a worker thread (``asyncio.to_thread``), so the event loop keeps serving updates.

The chart goes as a photo whose caption is the whole text when it fits Telegram's caption
limit; otherwise the caption is the title and the text follows as messages of its own,
queued (with the photo's done mark) as ordinary posts to the managers: a failure of the
text never sends the photo twice. Flood budgets and retries are the outbox's, on the
managers' queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

from core.notices.digests import digest_period
from core.notices.managers import PostToManagers
from core.outbox import Completion, Job
from core.outbox.queues import TO_MANAGERS, enqueue_on, managers_queue
from core.reports.digest import build_digest
from core.reports.digest_chart import draw_digest_chart
from core.reports.digest_text import CAPTION_LIMIT, digest_text, split_text


def caption_and_rest(text: str) -> tuple[str, list[str]]:
    """The photo's caption and the messages after it (none when the text fits the caption)."""
    if len(text) <= CAPTION_LIMIT:
        return text, []
    return text.split("\n", 1)[0], split_text(text)


class PostDigest(PostToManagers):
    """Draw a period's digest and post it in the managers' place: photo, then text."""

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        kind, period = digest_period(jobs[0].payload, self.ctx)
        digest = await build_digest(kind, period, self.ctx)
        text = digest_text(digest, self.ctx.locale, self.ctx.group_chat_id)
        png = await asyncio.to_thread(draw_digest_chart, digest, self.ctx.locale)
        caption, rest = caption_and_rest(text)
        desk = self.ports.desk

        async def post(thread_id: int | None, chat_id: int | None) -> int:
            return await desk.post_picture(
                png, caption=caption, thread_id=thread_id, chat_id=chat_id
            )

        await self.in_place(post)
        if not rest:
            return None
        queue = managers_queue(self.ctx.group_chat_id, self.ctx.managers_chat_id)
        now = self.ctx.clock.now()

        async def then(connection: BaseDBAsyncClient) -> None:
            for part in rest:
                await enqueue_on(queue, TO_MANAGERS, {"html": part}, now=now, using_db=connection)

        return then
