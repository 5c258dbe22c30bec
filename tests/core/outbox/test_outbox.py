"""The outbox rows: enqueue in the caller's transaction, coalescing, hold/release, claims."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from tortoise.transactions import in_transaction

from core.enums import DestinationKind, OutboxStatus
from core.models import OutboxItem
from core.outbox import HELD_UNTIL, SUPERSEDED, enqueue, recover, release_held
from core.outbox.store import claim, queue_heads, scan

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


async def add(destination: str, name: str, *, at: datetime = T0, **extra: object) -> OutboxItem:
    return await enqueue(
        destination=destination,
        kind=DestinationKind.TELEGRAM_GROUP,
        budget_key="tg:-100",
        operation="mirror",
        payload={"n": name},
        now=at,
        **extra,  # type: ignore[arg-type]
    )


async def test_enqueue_stores_the_call(db: str) -> None:
    item = await add("tg:topic:1", "a", message_id=None)
    row = await OutboxItem.get(id=item.id)
    assert row.destination == "tg:topic:1"
    assert row.destination_kind is DestinationKind.TELEGRAM_GROUP
    assert row.budget_key == "tg:-100"
    assert row.payload == {"n": "a"}
    assert row.status is OutboxStatus.PENDING
    assert row.attempts == 0
    assert row.created_at == T0
    assert row.not_before == T0  # due at once unless told otherwise


async def test_enqueue_commits_or_rolls_back_with_the_domain_change(db: str) -> None:
    with pytest.raises(RuntimeError):
        async with in_transaction() as connection:
            await enqueue(
                destination="tg:private:7",
                kind=DestinationKind.TELEGRAM_PRIVATE,
                budget_key="tg:7",
                operation="deliver",
                payload={},
                now=T0,
                using_db=connection,
            )
            raise RuntimeError("the domain change failed")
    assert await OutboxItem.all().count() == 0


async def test_enqueue_rejects_naive_times(db: str) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await add("tg:topic:1", "a", at=datetime(2025, 1, 1))


async def test_coalescing_keeps_only_the_newest_pending_item(db: str) -> None:
    in_flight = await add("tg:topic:1", "card-0", coalesce_key="card:5")
    await OutboxItem.filter(id=in_flight.id).update(status=OutboxStatus.IN_FLIGHT)
    other = await add("tg:topic:1", "title", coalesce_key="title:5")
    for n in range(1, 6):
        newest = await add(
            "tg:topic:1", f"card-{n}", coalesce_key="card:5", at=T0 + timedelta(seconds=n)
        )
    rows = {row.payload["n"]: row for row in await OutboxItem.all()}
    assert [name for name, row in rows.items() if row.status is OutboxStatus.PENDING] == [
        "title",
        "card-5",
    ]
    assert rows["card-0"].status is OutboxStatus.IN_FLIGHT  # being sent: left alone
    for n in range(1, 5):
        assert rows[f"card-{n}"].status is OutboxStatus.DONE
        assert rows[f"card-{n}"].last_error == SUPERSEDED
    assert rows["title"].id == other.id and rows["card-5"].id == newest.id


async def test_release_held_makes_only_held_items_of_that_destination_due(db: str) -> None:
    held = await add("tg:private:1", "held", not_before=HELD_UNTIL)
    later = await add("tg:private:1", "later", not_before=T0 + timedelta(minutes=5))
    elsewhere = await add("tg:private:2", "elsewhere", not_before=HELD_UNTIL)
    now = T0 + timedelta(hours=1)
    assert await release_held("tg:private:1", now=now) == 1
    assert (await OutboxItem.get(id=held.id)).not_before == now
    assert (await OutboxItem.get(id=later.id)).not_before == T0 + timedelta(minutes=5)
    assert (await OutboxItem.get(id=elsewhere.id)).not_before == HELD_UNTIL
    assert await release_held("tg:private:1", now=now) == 0


async def test_recover_returns_in_flight_items_to_the_queue(db: str) -> None:
    items = [await add("tg:topic:1", str(n)) for n in range(3)]
    await OutboxItem.filter(id__in=[items[0].id, items[1].id]).update(status=OutboxStatus.IN_FLIGHT)
    assert await recover(T0) == 2
    assert await OutboxItem.filter(status=OutboxStatus.PENDING).count() == 3
    assert await recover(T0) == 0


async def test_queue_heads_are_the_first_item_of_each_free_destination(db: str) -> None:
    a1 = await add("a", "a1", at=T0 + timedelta(seconds=3))
    await add("a", "a2", at=T0 + timedelta(seconds=4))
    b1 = await add("b", "b1", at=T0 + timedelta(seconds=1))
    c1 = await add("c", "c1", at=T0 + timedelta(seconds=2))
    await add("c", "c2", at=T0 + timedelta(seconds=5))
    await add("d", "d1", not_before=HELD_UNTIL)
    await add("d", "d2")
    done = await add("e", "e1")
    await OutboxItem.filter(id=done.id).update(status=OutboxStatus.DONE)
    e2 = await add("e", "e2", at=T0 + timedelta(seconds=6))
    heads = await queue_heads()
    assert [head.id for head in heads] == [b1.id, c1.id, a1.id, e2.id]  # oldest first
    await OutboxItem.filter(id=c1.id).update(status=OutboxStatus.IN_FLIGHT)
    assert [head.payload["n"] for head in await queue_heads()] == ["b1", "a1", "e2"]


async def test_only_one_of_two_competing_claims_wins(db: str) -> None:
    items = [await add("tg:topic:1", str(n)) for n in range(3)]
    ids = [int(item.id) for item in items]
    first, second = await asyncio.gather(claim(items, T0), claim(items, T0))
    assert (first is None) != (second is None)
    won = first or second
    assert won is not None and [int(row.id) for row in won] == ids
    assert await OutboxItem.filter(status=OutboxStatus.IN_FLIGHT).count() == 3
    assert await claim(items[:1], T0) is None


async def test_a_claim_of_one_item_is_one_update(db: str) -> None:
    item = await add("tg:topic:1", "a")
    await OutboxItem.filter(id=item.id).update(attempts=2)
    claimed = await claim([item], T0)
    assert claimed is not None and claimed[0].attempts == 2  # the stored count
    row = await OutboxItem.get(id=item.id)
    assert row.status is OutboxStatus.IN_FLIGHT
    assert row.updated_at == T0
    assert await claim([item], T0) is None


async def test_a_claim_fails_when_an_item_was_superseded(db: str) -> None:
    old = await add("tg:topic:1", "card-1", coalesce_key="card:1")
    await add("tg:topic:1", "card-2", coalesce_key="card:1")
    assert await claim([old], T0) is None


async def test_a_partly_lost_claim_takes_none_of_the_items(db: str) -> None:
    items = [await add("tg:topic:1", str(n)) for n in range(3)]
    await OutboxItem.filter(id=items[1].id).update(status=OutboxStatus.DONE)
    assert await claim(items, T0) is None
    statuses = [(await OutboxItem.get(id=item.id)).status for item in items]
    assert statuses == [OutboxStatus.PENDING, OutboxStatus.DONE, OutboxStatus.PENDING]


async def test_a_scan_lists_the_queues_waiting_behind_a_send(db: str) -> None:
    a1 = await add("a", "a1")
    await add("a", "a2")
    b1 = await add("b", "b1")
    c1 = await add("c", "c1")
    await add("c", "c2")
    await OutboxItem.filter(id__in=[a1.id, b1.id]).update(status=OutboxStatus.IN_FLIGHT)
    found = await scan()
    assert [(head.item.id, head.depth) for head in found.heads] == [(c1.id, 2)]
    assert found.waiting == {"a"}  # b has nothing behind its send
