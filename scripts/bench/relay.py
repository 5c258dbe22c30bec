"""Benchmarks 2 and 3: a real desk (``run_app`` in a child process) against the sandbox.

* latency — flood limits off (sandbox and desk budgets), a steady offered load: the time
  from the sandbox accepting a customer's message to its copy showing in the topic.
* budget — the group budget of 20 messages per window (a scaled-down minute): how many
  plain-text customer messages become visible per window at 2x, 5x and 10x the budget.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from pathlib import Path
from time import perf_counter

from bench.common import Report, percentile
from bench.stage import Stage
from sandbox.telegram import Limits, Rate, TelegramSandbox

LATENCY_P99_TARGET_MS = 50.0
GROUP_BUDGET = 20  # Telegram: 20 messages per minute in a group
VISIBLE_TARGET = 5  # times the budget, per window
RAMP_WINDOWS = 3  # windows before the per-window count is taken


async def _open_topics(stage: Stage, people: list) -> None:
    """Every customer writes once, so their topics exist before anything is measured."""
    first = [stage.send(person) for person in people]
    if not await stage.shown(first, 120):
        raise RuntimeError("the customers' topics were not opened within 120 s")


async def bench_latency(report: Report, customers: int, rate: float, seconds: float) -> None:
    with tempfile.TemporaryDirectory(prefix="botdesk-bench-") as tmp:
        async with TelegramSandbox(limits=Limits.off()) as sb:
            stage = Stage(sb, Path(tmp))
            people = stage.customers(customers)
            async with stage.desk(stage.settings()):
                await _open_topics(stage, people)
                started = perf_counter()
                seqs = await stage.offer(people, rate, round(rate * seconds))
                offered_for = perf_counter() - started
                complete = await stage.shown(seqs, 60)
    latencies = [value * 1000 for value in stage.latencies(seqs)]
    lost = len(seqs) - len(latencies)
    report.add("offered load", len(seqs) / offered_for, "msg/s")
    report.add("p50 added latency", percentile(latencies, 50), "ms")
    p99 = percentile(latencies, 99)
    report.add(
        "p99 added latency",
        p99,
        "ms",
        target=f"<= {LATENCY_P99_TARGET_MS:.0f}",
        passed=complete and p99 <= LATENCY_P99_TARGET_MS,
    )
    report.add("max added latency", max(latencies, default=float("nan")), "ms")
    report.add("lost", lost, "msgs", target="0", passed=lost == 0)
    report.details.update(
        customers=customers,
        messages=len(seqs),
        merged_posts=stage.log.merged_posts,
        group_posts=stage.log.group_posts,
        duplicates=stage.duplicates(seqs),
    )


async def bench_budget(
    report: Report, customers: int, window: float, windows: int, loads: tuple[int, ...]
) -> None:
    """Each load runs for ``windows`` windows, then drains; the budget empties in between."""
    scale = 60.0 / window  # seconds of the real budget per second here
    with tempfile.TemporaryDirectory(prefix="botdesk-bench-") as tmp:
        async with TelegramSandbox(limits=Limits.off()) as sb:
            stage = Stage(sb, Path(tmp))
            people = stage.customers(customers)
            async with stage.desk(stage.settings()):  # unthrottled: only to open the topics
                await _open_topics(stage, people)
            sb.limits = Limits(
                private_chat=Rate(1, 1.0),
                group_chat=Rate(GROUP_BUDGET, window),
                per_bot=Rate(30, 1.0),
            )
            async with stage.desk(stage.settings(group_rate=f"{GROUP_BUDGET}/{window:g}")):
                for load in loads:
                    await _one_load(report, stage, people, load, window, windows, scale)
                    await asyncio.sleep(window)  # let the budget window empty
    report.details.update(
        customers=customers, window_seconds=window, windows_per_load=windows, budget=GROUP_BUDGET
    )


async def _one_load(
    report: Report,
    stage: Stage,
    people: list,
    load: int,
    window: float,
    windows: int,
    scale: float,
) -> None:
    log = stage.log
    posts, merged, rejected = log.group_posts, log.merged_posts, log.rejected
    started = perf_counter()
    seqs = await stage.offer(people, load * GROUP_BUDGET / window, load * GROUP_BUDGET * windows)
    offered_for = perf_counter() - started
    # what the desk could do at its target rate, plus slack: a backlog must drain
    complete = await stage.shown(seqs, window * (2 * load * windows / VISIBLE_TARGET + 10))
    latencies = stage.latencies(seqs)
    lost = len(seqs) - len(latencies)
    last = max((log.seen[seq] for seq in seqs if seq in log.seen), default=started + window)
    busy_windows = max(offered_for, last - started) / window
    by_window = Counter(int((log.seen[seq] - started) // window) for seq in seqs if seq in log.seen)
    # the queues need a few windows to back up (and batches to grow): measure after that
    ramp = min(RAMP_WINDOWS, windows - 1)
    steady = sum(by_window[k] for k in range(ramp, windows)) / (windows - ramp)
    offered = len(seqs) / (offered_for / window)
    needed = min(float(VISIBLE_TARGET * GROUP_BUDGET), 0.95 * offered)
    label = f"{load}x load"
    report.add(
        f"{label}: visible per window",
        steady,
        "msgs",
        target=f">= {needed:.0f}",
        passed=complete and steady >= needed,
        note=f"offered {offered:.0f}; windows {ramp + 1}-{windows}; window = 1 min at 20/min",
    )
    report.add(
        f"{label}: visible per window, whole run",
        len(latencies) / busy_windows,
        "msgs",
        note=f"{busy_windows:.1f} windows from the first send to the last message shown",
    )
    report.add(f"{label}: lost", lost, "msgs", target="0", passed=lost == 0)
    p95 = percentile(latencies, 95)
    report.add(
        f"{label}: p95 until visible",
        p95,
        "s",
        note=f"= {p95 * scale:.0f} s at the real 20/min budget",
    )
    sends = log.group_posts - posts
    report.details[label] = {
        "offered": len(seqs),
        "visible": len(latencies),
        "duplicates": stage.duplicates(seqs),
        "desk_posts": sends,
        "merged_posts": log.merged_posts - merged,
        "lines_per_post": len(latencies) / sends if sends else None,
        "rejected_429": log.rejected - rejected,
        "busy_windows": busy_windows,
        "visible_by_window": [by_window[k] for k in range(max(by_window, default=-1) + 1)],
        "p50_s": percentile(latencies, 50),
        "max_s": max(latencies, default=None),
    }
