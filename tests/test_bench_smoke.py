"""The relay benchmark script still runs: its cheapest benchmark, tiny, in quick mode.

Only that it ran and produced numbers is checked, never how fast anything was: the
figures themselves live in BENCHMARKS.md.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench_relay.py"


def test_quick_sqlite_ingest_benchmark_produces_numbers() -> None:
    command = [
        sys.executable,
        str(SCRIPT),
        "--quick",
        "--only",
        "ingest-sqlite",
        "--ingest-messages",
        "40",
        "--json",
    ]
    done = subprocess.run(
        command, cwd=SCRIPT.parents[1], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert results["mode"] == "quick"
    [bench] = results["benchmarks"]
    assert bench["name"] == "ingest-sqlite"
    assert bench["details"]["messages"] == 40
    rows = {row["metric"]: row for row in bench["rows"]}
    throughput = rows["SQLite batches of 100 throughput"]  # the row with the target
    assert throughput["unit"] == "msg/s" and throughput["passed"] in (True, False)
    for row in rows.values():
        assert isinstance(row["value"], float) and math.isfinite(row["value"]) and row["value"] > 0


SCHEDULER = SCRIPT.parent / "bench_scheduler.py"


def test_quick_sqlite_scheduler_benchmark_produces_numbers() -> None:
    command = [sys.executable, str(SCHEDULER), "--quick", "--only", "sqlite", "--json"]
    done = subprocess.run(
        command, cwd=SCRIPT.parents[1], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert results["mode"] == "quick"
    [bench] = results["benchmarks"]
    assert bench["name"] == "sqlite" and bench["details"]["stored"] == 2000
    rows = {row["metric"].split(",")[0]: row for row in bench["rows"]}
    assert {"lateness p50", "lateness p99", "idle CPU over 2 s", "peak RSS of the process"} <= set(
        rows
    )
    assert rows["lateness p99"]["unit"] == "s" and rows["lateness p99"]["passed"] in (True, False)
    for row in rows.values():
        assert isinstance(row["value"], float) and math.isfinite(row["value"]) and row["value"] >= 0
