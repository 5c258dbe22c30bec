"""VK's Callback API handler: confirmation, secret, and "ok" only after handling."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bots.vk.callback_api import callback_app

GROUP = 77


class Recorder:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.fail = False

    async def handle(self, event: dict[str, Any]) -> None:
        if self.fail:
            raise ConnectionRefusedError(111, "Connect call failed")
        self.events.append(event)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def client(recorder: Recorder) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    app = callback_app(recorder.handle, group_id=GROUP, confirmation="c0nf1rm", secret="s3cret")
    async with TestClient(TestServer(app)) as made:
        yield made


def event(kind: str = "message_new", **extra: Any) -> dict[str, Any]:
    return {"type": kind, "group_id": GROUP, "event_id": "e1", "v": "5.199",
            "object": {"message": {"id": 1}}, "secret": "s3cret", **extra}  # fmt: skip


async def test_confirmation(client: TestClient) -> None:  # type: ignore[type-arg]
    response = await client.post("/vk/callback", json={"type": "confirmation", "group_id": GROUP})
    assert response.status == 200 and await response.text() == "c0nf1rm"


async def test_ok_only_after_handling(client: TestClient, recorder: Recorder) -> None:  # type: ignore[type-arg]
    response = await client.post("/vk/callback", json=event())
    assert response.status == 200 and await response.text() == "ok"
    assert recorder.events == [event()]
    recorder.fail = True
    response = await client.post("/vk/callback", json=event())
    assert response.status == 500  # VK sends it again


async def test_wrong_secret_and_other_groups(client: TestClient, recorder: Recorder) -> None:  # type: ignore[type-arg]
    response = await client.post("/vk/callback", json=event(secret="guess"))
    assert response.status == 403
    response = await client.post("/vk/callback", json=event(group_id=1))
    assert await response.text() == "ok"
    response = await client.post("/vk/callback", data=b"{not json")
    assert response.status == 400
    assert recorder.events == []
