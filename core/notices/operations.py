"""The outbox operations of the notices, registered by operation name.

Kept apart from :func:`core.relay.operations.relay_operations` because the relay and the
notices are sibling packages that do not import each other; the composition root merges
both registries for the outbox worker.
"""

from __future__ import annotations

from core.context import DeskContext
from core.notices.digest_post import PostDigest
from core.notices.digests import POST_DIGEST
from core.notices.managers import PostToManagers
from core.notices.reminders import POST_REMINDER, PostReminder
from core.outbox import Operation
from core.outbox.queues import TO_MANAGERS
from core.ports import Ports


def notice_operations(ports: Ports, ctx: DeskContext) -> dict[str, Operation]:
    """Every operation the notices enqueue, ready for ``OutboxWorker``."""
    return {
        TO_MANAGERS: PostToManagers(ports, ctx),
        POST_REMINDER: PostReminder(ports, ctx),
        POST_DIGEST: PostDigest(ports, ctx),
    }
