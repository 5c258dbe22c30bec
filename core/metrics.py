"""The desk's Prometheus metrics: one registry, the names every part of botdesk counts in.

The objects live here, at the foundation, so that any layer may count (an adapter the
updates it receives, the outbox its sends, the poller its dead letters) without
importing the web server that exposes them. ``/metrics`` renders :data:`REGISTRY`.
Gauges that describe stored state (the outbox backlog and its oldest item) are set
just before each scrape by whoever serves ``/metrics``: they are read from the
database, not counted in memory, so several processes report the same backlog.

A private registry (not prometheus-client's global one) keeps the tests independent:
building a second desk in the same process does not register the names twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

__all__ = [
    "BUILD",
    "DEADLINES_FIRED",
    "DEADLINE_FAILURES",
    "DEADLINE_LATENESS",
    "DEAD_LETTERS",
    "DELIVERY_LATENCY",
    "LEASE_HELD",
    "MESSAGES_STORED",
    "OUTBOX_BACKLOG",
    "OUTBOX_HELD",
    "OUTBOX_OLDEST_AGE",
    "REGISTRY",
    "SENDS",
    "UPDATES_RECEIVED",
    "observe_delivered",
]

REGISTRY = CollectorRegistry(auto_describe=True)

LEASE_HELD = Gauge(
    "botdesk_lease_held",
    "1 while this process holds the lease (several processes): poll, group, instance",
    ["lease"],
    registry=REGISTRY,
)

UPDATES_RECEIVED = Counter(
    "botdesk_updates_received",
    "Updates received from a channel (Telegram updates, VK events).",
    ["channel"],
    registry=REGISTRY,
)
MESSAGES_STORED = Counter(
    "botdesk_messages_stored",
    "Customer and operator messages stored (a redelivered duplicate is not counted).",
    ["direction"],
    registry=REGISTRY,
)
OUTBOX_BACKLOG = Gauge(
    "botdesk_outbox_backlog",
    "Outbox items not yet sent, by destination kind (held items are counted apart).",
    ["destination"],
    registry=REGISTRY,
)
OUTBOX_OLDEST_AGE = Gauge(
    "botdesk_outbox_oldest_age_seconds",
    "Age of the oldest outbox item not yet sent, by destination kind (0 when none).",
    ["destination"],
    registry=REGISTRY,
)
# Held items wait for something outside the desk (a customer who blocked the bot, a right
# an admin must give back) for as long as it takes: counted apart, so that neither the
# backlog nor its oldest age stays high for one customer who never comes back.
OUTBOX_HELD = Gauge(
    "botdesk_outbox_held",
    "Outbox items held until their destination is reachable again, by destination kind.",
    ["destination"],
    registry=REGISTRY,
)
SENDS = Counter(
    "botdesk_sends",
    "Outbox send attempts by outcome: sent, rate_limited (429), retried, held, failed.",
    ["outcome"],
    registry=REGISTRY,
)
DELIVERY_LATENCY = Histogram(
    "botdesk_delivery_latency_seconds",
    "From an outbox item's creation to its delivery.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
    registry=REGISTRY,
)
DEAD_LETTERS = Counter(
    "botdesk_dead_letters",
    "Updates set aside after their handling failed repeatedly.",
    ["channel"],
    registry=REGISTRY,
)
DEADLINES_FIRED = Counter(
    "botdesk_deadlines_fired",
    "Deadlines fired by the scheduler (SLA warnings and breaches, reminders …), by kind.",
    ["kind"],
    registry=REGISTRY,
)
DEADLINE_LATENESS = Histogram(
    "botdesk_deadline_lateness_seconds",
    "From a deadline's due time to the commit of its work.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600),
    registry=REGISTRY,
)
DEADLINE_FAILURES = Counter(
    "botdesk_deadline_failures",
    "Deadlines that failed a try (their handler raised) or were dropped (unknown kind).",
    registry=REGISTRY,
)
BUILD = Info(
    "botdesk_build",
    "The running botdesk: its version (the value is always 1).",
    registry=REGISTRY,
)


def observe_delivered(created: Iterable[datetime], now: datetime) -> None:
    """Record the delivery latency of items created at ``created`` and delivered ``now``."""
    for moment in created:
        DELIVERY_LATENCY.observe(max(0.0, (now - moment).total_seconds()))
