"""Leases: what one botdesk process holds at a time, for a while, with a fencing token.

Several ``botdesk run`` processes share one PostgreSQL database. A lease names a job
that only one of them may do at a time — long polling the messengers, sending to the
operator group — or says that a process is alive (``instance:<name>``). See
:mod:`core.leases` for how they are taken, kept and checked.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

__all__ = ["Lease"]


class Lease(Model):
    """One named lease: who holds it, until when, and its fencing token.

    ``token`` grows by one whenever the lease passes to another holder, so a holder that
    was paused past its expiry finds its token outdated and stops (the *fencing token*).
    ``expires_at`` is in seconds since the epoch on the database server's clock, so the
    clocks of the processes' machines never matter.
    """

    name = fields.CharField(max_length=128, primary_key=True)
    holder = fields.CharField(max_length=128, default="")
    token = fields.BigIntField(default=0)
    expires_at = fields.FloatField(default=0.0)

    class Meta:
        table = "leases"

    def __str__(self) -> str:
        return f"Lease({self.name}, {self.holder}, {self.token})"
