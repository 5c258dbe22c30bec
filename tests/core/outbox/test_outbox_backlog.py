"""The outbox backlog as /metrics and /readyz read it: one aggregate over unsent items."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import generate_latest

from core.enums import DestinationKind, OutboxStatus
from core.metrics import OUTBOX_BACKLOG, OUTBOX_HELD, OUTBOX_OLDEST_AGE, REGISTRY, SENDS
from core.models import OutboxItem
from core.outbox import HELD_UNTIL, OutboxCounters, enqueue
from core.outbox.backlog import Backlog, oldest_age, publish, read_backlog

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


async def add(kind: DestinationKind, *, at: datetime, **extra: object) -> OutboxItem:
    return await enqueue(
        destination=f"{kind.value}:1",
        kind=kind,
        budget_key="b",
        operation="mirror",
        payload={},
        now=at,
        **extra,  # type: ignore[arg-type]
    )


async def test_an_empty_outbox_has_no_backlog_of_any_kind(db: str) -> None:
    backlogs = await read_backlog()
    assert backlogs == {kind: Backlog() for kind in DestinationKind}
    assert oldest_age(backlogs, T0) == 0.0


async def test_the_backlog_counts_unsent_items_by_kind_and_holds_apart(db: str) -> None:
    group, private = DestinationKind.TELEGRAM_GROUP, DestinationKind.TELEGRAM_PRIVATE
    await add(group, at=T0 + timedelta(seconds=30))
    oldest = await add(group, at=T0)
    await add(group, at=T0 - timedelta(hours=5), not_before=HELD_UNTIL)  # held: apart
    flying = await add(private, at=T0 + timedelta(seconds=50))
    await OutboxItem.filter(id=flying.id).update(status=OutboxStatus.IN_FLIGHT)
    sent = await add(private, at=T0 - timedelta(hours=1))
    await OutboxItem.filter(id=sent.id).update(status=OutboxStatus.DONE)
    failed = await add(DestinationKind.VK, at=T0 - timedelta(hours=2))
    await OutboxItem.filter(id=failed.id).update(status=OutboxStatus.FAILED)
    retried = await add(DestinationKind.VK, at=T0 + timedelta(seconds=40))
    await OutboxItem.filter(id=retried.id).update(not_before=T0 + timedelta(minutes=3))

    backlogs = await read_backlog()

    assert backlogs[group] == Backlog(waiting=2, held=1, oldest=oldest.created_at)
    assert backlogs[private] == Backlog(waiting=1, held=0, oldest=T0 + timedelta(seconds=50))
    assert backlogs[DestinationKind.VK] == Backlog(1, 0, T0 + timedelta(seconds=40))
    now = T0 + timedelta(minutes=2)
    assert backlogs[group].age(now) == 120.0
    assert oldest_age(backlogs, now) == 120.0


def test_publishing_sets_the_gauges_of_every_kind() -> None:
    now = T0 + timedelta(seconds=90)
    publish(
        {
            DestinationKind.TELEGRAM_GROUP: Backlog(waiting=3, held=2, oldest=T0),
            DestinationKind.TELEGRAM_PRIVATE: Backlog(),
            DestinationKind.VK: Backlog(waiting=1, oldest=now + timedelta(seconds=5)),
        },
        now,
    )
    assert OUTBOX_BACKLOG.labels("telegram_group")._value.get() == 3
    assert OUTBOX_HELD.labels("telegram_group")._value.get() == 2
    assert OUTBOX_OLDEST_AGE.labels("telegram_group")._value.get() == 90
    assert OUTBOX_BACKLOG.labels("telegram_private")._value.get() == 0
    assert OUTBOX_OLDEST_AGE.labels("telegram_private")._value.get() == 0
    # a clock a little behind the writer's never makes a negative age
    assert OUTBOX_OLDEST_AGE.labels("vk")._value.get() == 0
    assert b'botdesk_outbox_held{destination="telegram_group"} 2.0' in generate_latest(REGISTRY)


def test_the_worker_counters_count_each_outcome_in_the_sends_metric() -> None:
    def sends(outcome: str) -> float:
        return float(SENDS.labels(outcome)._value.get())

    before = {outcome: sends(outcome) for outcome in ("sent", "held", "failed", "rate_limited")}
    counters = OutboxCounters()
    counters.sent += 3
    counters.held += 1
    counters.rate_limited += 1
    counters.runs += 5  # not an outcome
    assert sends("sent") == before["sent"] + 3
    assert sends("held") == before["held"] + 1
    assert sends("rate_limited") == before["rate_limited"] + 1
    assert sends("failed") == before["failed"]
    assert counters.snapshot()["sent"] == 3 and counters.snapshot()["runs"] == 5
