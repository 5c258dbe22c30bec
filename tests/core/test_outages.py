"""An outage is told from a poison update, and logged once however long it lasts."""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3

import asyncpg
import pytest
import redis.asyncio
import redis.exceptions
from hypothesis import given
from hypothesis import strategies as st
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError

from core.errors import PermanentError, RetryLater, TransientError
from core.outages import OutageLog, describe, is_outage


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_postgresql_server_that_is_not_there_is_an_outage() -> None:
    with pytest.raises(Exception) as caught:
        await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{closed_port()}/x", timeout=3)
    assert is_outage(caught.value)


async def test_a_redis_server_that_is_not_there_is_an_outage() -> None:
    # one attempt: redis-py's default retries with backoff would add seconds, and what is
    # checked is the error a refused connection ends in, which is the same after retries
    client = redis.asyncio.Redis(
        port=closed_port(), socket_connect_timeout=3, retry=Retry(NoBackoff(), 0)
    )
    try:
        with pytest.raises(redis.exceptions.RedisError) as caught:
            await client.ping()
    finally:
        await client.aclose()
    assert is_outage(caught.value)


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        ConnectionResetError("reset by peer"),
        TimeoutError(),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        asyncpg.InterfaceError(
            "cannot call Connection.fetch(): connection has been released back to the pool"
        ),
        redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379"),
        asyncpg.exceptions.ObjectNotInPrerequisiteStateError(
            'database "desk" is not currently accepting connections'
        ),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        DBConnectionError("can't connect"),
        OperationalError(sqlite3.OperationalError("database is locked")),
        TransientError("HTTP 502"),
        RetryLater(3, "429"),
    ],
    ids=describe,
)
def test_unreachable_services_are_outages(error: BaseException) -> None:
    assert is_outage(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("invalid literal for int() with base 10: ''"),
        OverflowError("Python int too large to convert to SQLite INTEGER"),
        IntegrityError("duplicate key"),
        OperationalError(sqlite3.OperationalError('near "SELEC": syntax error')),
        asyncpg.InterfaceError("the server expects 2 arguments for this query, 1 was passed"),
        asyncpg.exceptions.StringDataRightTruncationError("value too long for type varchar(64)"),
        asyncpg.exceptions.ObjectNotInPrerequisiteStateError("cannot drop the current index"),
        PermanentError("Bad Request: message is too long"),
        KeyError("message"),
    ],
    ids=describe,
)
def test_bad_data_and_bugs_are_not_outages(error: BaseException) -> None:
    assert not is_outage(error)


def test_an_outage_wrapped_by_the_orm_still_counts() -> None:
    try:
        try:
            raise ConnectionResetError("reset by peer")
        except ConnectionResetError as cause:
            raise OperationalError("query failed") from cause
    except OperationalError as wrapped:
        assert is_outage(wrapped)


class SdkNetworkError(Exception):
    """What a messenger SDK raises when its server is unreachable."""


def test_an_adapter_adds_the_network_errors_of_its_sdk() -> None:
    assert not is_outage(SdkNetworkError("no route"))
    assert is_outage(SdkNetworkError("no route"), also=(SdkNetworkError,))


@given(st.text(max_size=80))
def test_plain_errors_are_never_outages_whatever_they_say(text: str) -> None:
    assert not is_outage(RuntimeError(text))
    assert not is_outage(ValueError(text))


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("test.outages")
    outage = OutageLog("Telegram updates", logger)
    outage.recovered()  # nothing was wrong: nothing to say
    with caplog.at_level(logging.DEBUG, logger="test.outages"):
        for _ in range(50):
            outage.failed(ConnectionRefusedError(111, "Connect call failed"))
        assert outage.ongoing
        outage.recovered()
        outage.recovered()
    levels = [(r.levelname, r.exc_info) for r in caplog.records]
    assert levels == [("WARNING", None), ("INFO", None)]
    assert "ConnectionRefusedError" in caplog.records[0].getMessage()
    assert "50 retries" in caplog.records[1].getMessage()
    assert not outage.ongoing


async def test_a_second_outage_is_logged_again(caplog: pytest.LogCaptureFixture) -> None:
    outage = OutageLog("VK events", logging.getLogger("test.outages"))
    with caplog.at_level(logging.INFO, logger="test.outages"):
        for _ in range(2):
            outage.failed(TimeoutError())
            await asyncio.sleep(0)
            outage.recovered()
    assert [r.levelname for r in caplog.records] == ["WARNING", "INFO", "WARNING", "INFO"]
