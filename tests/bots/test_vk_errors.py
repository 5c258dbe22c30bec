"""vkbottle and network exceptions become core's domain errors."""

from __future__ import annotations

import aiohttp
import pytest
from vkbottle import API, VKAPIError

from bots.vk.errors import FailFastRescheduler, translate, vk_errors
from core.errors import (
    DeliveryError,
    PermanentError,
    RecipientUnavailable,
    RetryLater,
    TransientError,
)


def api_error(code: int, text: str = "boom") -> VKAPIError:
    return VKAPIError[code](error_msg=text)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (6, RetryLater),
        (9, RetryLater),
        (10, TransientError),
        (901, RecipientUnavailable),
        (902, RecipientUnavailable),
        (100, PermanentError),
        (15, PermanentError),
    ],
)
def test_codes(code: int, expected: type[DeliveryError]) -> None:
    error = translate(api_error(code, "Too many requests per second"))
    assert type(error) is expected
    assert error is not None and "Too many requests per second" in error.reason
    if isinstance(error, RetryLater):
        assert 0 < error.seconds <= 10


def test_network_errors_are_transient() -> None:
    assert isinstance(translate(aiohttp.ServerDisconnectedError()), TransientError)
    assert isinstance(translate(TimeoutError()), TransientError)
    assert translate(ValueError("x")) is None


async def test_context_manager_keeps_the_cause() -> None:
    original = api_error(901, "Can't send messages for users without permission")
    with pytest.raises(RecipientUnavailable) as caught:
        async with vk_errors():
            raise original
    assert caught.value.__cause__ is original
    with pytest.raises(KeyError):  # not ours: untouched
        async with vk_errors():
            raise KeyError("x")


async def test_a_garbled_answer_is_transient_instead_of_an_endless_retry() -> None:
    api = API("token", request_rescheduler=FailFastRescheduler())
    with pytest.raises(TransientError, match="502 Bad Gateway"):
        await api.validate_response("messages.send", {}, "<html>502 Bad Gateway</html>")
