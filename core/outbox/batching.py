"""Which items go out together: the batch a queue's head leads.

An operation that batches (albums, merged texts) names a batch key per item; the items
right behind the head with the same operation and key, already due, join it, up to the
operation's ``max_batch``. A batch that may still grow waits until its newest part is
the operation's ``settle`` time old, so a customer's burst goes out as one message.
"""

from __future__ import annotations

from datetime import datetime

from core.models import OutboxItem
from core.outbox import store
from core.outbox.operations import Job, Operation

__all__ = ["gather"]


async def gather(
    head: OutboxItem, depth: int, operation: Operation, now: datetime
) -> tuple[list[OutboxItem], datetime | None]:
    """The batch led by ``head``, and when it will have settled (None: it has).

    ``depth`` is how many items its destination has queued (``head`` included).
    """
    key = operation.batch_key(Job.of(head))
    if key is None or operation.max_batch <= 1:
        return [head], None
    rows = [head]
    # nothing queued behind the head (the usual case): no need to look for followers
    behind = await store.followers(head, operation.max_batch - 1) if depth > 1 else []
    for row in behind:
        if (
            row.operation != head.operation
            or row.not_before > now
            or operation.batch_key(Job.of(row)) != key
        ):
            break
        rows.append(row)
    if len(rows) < operation.max_batch:
        # a batch that may still grow waits until its newest part is `settle` old
        settled_at = max(row.created_at for row in rows) + operation.settle_for(key)
        if settled_at > now:
            return rows, settled_at
    return rows, None
