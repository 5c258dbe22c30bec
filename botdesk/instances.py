"""Several ``botdesk run`` processes on one PostgreSQL database: who does what.

On SQLite there is one process (``botdesk.sqlite_lock``) and all of this stays out of
the way. On PostgreSQL any number of processes serve one desk:

* every process handles webhooks (Telegram, VK Callback API), claims outbox items and
  fires due deadlines (``FOR UPDATE SKIP LOCKED`` both);
* every process renews ``instance:<name>``, and returns the outbox items of processes
  that stopped renewing theirs (``core.outbox.liveness``);
* one process at a time, the holder of the lease ``poll``, long-polls Telegram and VK
  and does what a desk does once at its start (the first message in a new group, arming
  the digests); the others stand by and one takes over within ``LEADER_TTL_SECONDS``
  and a second of the leader's death;
* sends to the operator group take turns under the lease ``group:<chat>``
  (``core.messaging.group_lease``).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.config import Settings
from core.db import is_postgres
from core.leadership import HeldLease, lead
from core.messaging.group_lease import GroupLease, LocalSendLock, SendLock
from core.messaging.send_journal import SendJournal

__all__ = ["Instances", "instances_for"]

#: a job done while leading: it returns soon after the event it is given is set, and
#: asks the check it is given before each step
Job = Callable[[asyncio.Event, Callable[[], bool]], Awaitable[None]]

#: how often a standing-by process asks for the polling lease (seconds)
STAND_BY_RETRY = 1.0


@dataclass(frozen=True, slots=True)
class Instances:
    """How this process shares the desk: its name, and whether others may share it."""

    name: str
    several: bool
    ttl: float

    def send_lock(self, chat_id: int) -> tuple[SendJournal, SendLock]:
        """The operator group's send journal and the lock its sends take turns under."""
        if not self.several:
            return SendJournal(chat_id), LocalSendLock()
        lease: GroupLease

        def fence() -> tuple[str, str, int] | None:
            return lease.fence()

        journal = SendJournal(chat_id, fence=fence)
        lease = GroupLease(chat_id, self.name, self.ttl, reload=journal.load)
        return journal, lease

    async def lead(self, stop: asyncio.Event, job: Job) -> None:
        """Run ``job`` whenever this process leads, until ``stop`` (alone: it always leads).

        The job gets the event that ends it and a check of the lease by the local clock,
        for the moments in between (a process paused past its lease acts no more).
        """
        if not self.several:
            await job(stop, _always)
            return
        lease = HeldLease("poll", self.name, self.ttl)
        await lead(lease, stop, lambda ended: job(ended, lease.held), retry=STAND_BY_RETRY)


def _always() -> bool:
    return True


def instances_for(settings: Settings) -> Instances:
    """This process's part in the desk, from ``DATABASE_URL`` and ``INSTANCE_NAME``."""
    name = settings.instance_name or (
        f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
    )
    return Instances(name, is_postgres(settings.database_url), settings.leader_ttl_seconds)
