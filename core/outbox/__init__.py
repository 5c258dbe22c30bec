"""The durable outbound queue: no message lost, the messengers' limits respected.

Every outbound call (mirror a customer message into its topic, deliver an operator's
reply, edit a ticket card, rename a topic …) is an :class:`~core.models.OutboxItem` row,
written by :func:`enqueue` in the same transaction as the domain change that causes it.
After the commit the use case calls :meth:`OutboxWorker.wake`, and the worker sends it:

* FIFO per ``destination`` (one queue per private chat or per topic): at most one item
  or batch of a destination is in flight, the next one waits for it;
* within the flood budgets (:class:`~core.outbox.budgets.Budgets`) of its chat
  (``budget_key``) and of the whole channel; among the destinations that may send, the
  oldest head item goes first;
* with the :class:`Operation` registered for its ``operation``, which may batch
  neighbouring items (albums, merged plain texts) and returns a :data:`Completion` that
  commits together with the done mark;
* ``RetryLater`` pauses the chat, ``TransientError`` (and any unexpected exception)
  backs off and retries up to ``max_attempts``, ``PermanentError`` ends in the
  operation's :meth:`~Operation.on_failure`: fail, or hold the destination until
  :func:`release_held` or a probe gets through; ``NotModified`` is a success;
* outages are waited out (:mod:`core.outbox.outages`): while Telegram or VK is
  unreachable the items wait without spending attempts, and while the database is,
  scans pause and outcomes are written once it is back; each outage logs one WARNING
  when it starts and one INFO when it ends.

Delivery is at least once: a crash between the messenger accepting a send and the done
mark leaves the item ``in_flight``, and :func:`recover` (run by :meth:`OutboxWorker.start`)
sends it again. What the messenger shows is made exactly once below the port: VK
deduplicates on the ``random_id`` derived from the item, and in the operator group the
first copy is found and deleted (:mod:`core.messaging.send_journal`); adapters learn
which attempt a call belongs to from :func:`~core.outbox.attempt.current_attempt`. On
SQLite one worker per database is assumed; on PostgreSQL a claim is a conditional update
that only one instance can win, so instances could share the table (with the flood
budgets shared through :mod:`core.outbox.shared_budgets`), but the operator group's send
journal assumes one botdesk process per group.

Usage inside a use case::

    async with in_transaction() as connection:
        ...  # the domain change
        await enqueue(destination=f"tg:topic:{conversation.id}",
                      kind=DestinationKind.TELEGRAM_GROUP, budget_key=f"tg:chat:{group_id}",
                      operation="mirror_message", payload={...}, message_id=message.id,
                      now=clock.now(), using_db=connection)
    worker.wake()

Here too: :mod:`core.outbox.budgets` (the flood budgets), :mod:`core.outbox.shared_budgets`
(their port for several processes) and :mod:`core.outbox.queues` (queue and operation
names). The package uses only ``core.models`` and the foundation; it knows operations by
name, never the use cases that register them.
"""

from __future__ import annotations

from core.outbox.budgets import Budgets, Rate
from core.outbox.operations import Completion, FailureAction, FailureDecision, Job, Operation
from core.outbox.outcomes import OutboxCounters, OutboxSettings
from core.outbox.store import HELD_PREFIX, HELD_UNTIL, SUPERSEDED, enqueue, recover, release_held
from core.outbox.worker import OutboxWorker

__all__ = [
    "HELD_PREFIX",
    "HELD_UNTIL",
    "SUPERSEDED",
    "Budgets",
    "Completion",
    "FailureAction",
    "FailureDecision",
    "Job",
    "Operation",
    "OutboxCounters",
    "OutboxSettings",
    "OutboxWorker",
    "Rate",
    "enqueue",
    "recover",
    "release_held",
]
