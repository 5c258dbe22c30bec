"""The demo tells the viewer why it stands still when the group's flood budget is spent."""

from __future__ import annotations

import asyncio

import pytest

from botdesk.demo_support import GroupBudget, group_limit, narrated


def budget_that_lets_go(seconds: float, *, looks: int) -> tuple[GroupBudget, asyncio.Event]:
    """A budget whose pause is always ``seconds``; the returned event is set at look ``looks``."""
    budget, done, seen = GroupBudget(count=20, window=60.0), asyncio.Event(), [0]

    def pause() -> float:
        seen[0] += 1
        if seen[0] >= looks:
            done.set()
        return seconds

    budget.pause = pause
    return budget, done


async def test_a_long_pause_is_told_once_with_its_length(
    capsys: pytest.CaptureFixture[str],
) -> None:
    budget, done = budget_that_lets_go(41.2, looks=3)
    assert await narrated(done.wait(), budget) is True
    said = capsys.readouterr().out.splitlines()
    assert said == ["  … waiting 42 s for Telegram's group limit (20 messages a minute)"]


async def test_short_pauses_pass_unnoticed(capsys: pytest.CaptureFixture[str]) -> None:
    budget, done = budget_that_lets_go(9.0, looks=3)  # under a sixth of the minute
    await narrated(done.wait(), budget)
    assert capsys.readouterr().out == ""


def test_scaled_windows_are_named_as_they_are() -> None:
    assert group_limit(20, 60.0) == "20 messages a minute"
    assert group_limit(20, 6.0) == "20 messages per 6 s"
