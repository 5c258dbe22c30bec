"""What a delivery costs of its destination's budget, before anything is sent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.enums import DestinationKind
from core.messaging.delivery import DeliverReplies
from core.outbox import Job

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def job(destination: DestinationKind, **payload: Any) -> Job:
    return Job(1, "d", destination, "b", "deliver_reply", payload, None, 0, NOW)


def cost(*jobs: Job) -> int:
    return DeliverReplies(ports=None, ctx=None).cost(list(jobs))  # type: ignore[arg-type]


def test_vk_pays_for_uploads_and_an_album_of_photos_takes_three_requests() -> None:
    vk, tg = DestinationKind.VK, DestinationKind.TELEGRAM_PRIVATE
    photo = {"kind": "photo", "files": 1, "album_id": "a1"}
    assert cost(job(vk, kind="text", files=0)) == 1
    assert cost(job(vk, kind="document", files=1)) == 3  # upload server, save, send
    assert cost(*[job(vk, **photo) for _ in range(5)]) == 3  # two execute and the send
    mixed = [job(vk, **photo), job(vk, kind="video", files=1, album_id="a1")]
    assert cost(*mixed) == 6  # VK has no such album: each goes on its own
    assert cost(job(vk, files=1, album_id="a1"), job(vk, files=1, album_id="a1")) == 6
    assert cost(*[job(tg, **photo) for _ in range(5)]) == 5  # Telegram: one each
