"""The benchmark scripts still run: their cheapest benchmarks, tiny, in quick mode.

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


REPORTS = SCRIPT.parent / "bench_reports.py"


def test_quick_sqlite_reports_benchmark_and_chart_memory_produce_numbers() -> None:
    command = [sys.executable, str(REPORTS), "--quick", "--only", "sqlite,memory", "--json"]
    done = subprocess.run(
        command, cwd=SCRIPT.parents[1], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert results["mode"] == "quick"
    sqlite, memory = results["benchmarks"]
    assert sqlite["name"] == "sqlite" and sqlite["details"]["tickets"] == 2000
    assert sqlite["details"]["messages"] == 20_000 and sqlite["details"]["events"] == 20_000
    assert sqlite["details"]["month_new"] > 0 and sqlite["details"]["png_bytes"] > 0
    rows = {row["metric"]: row for row in sqlite["rows"]}
    month = rows["`/report month` compute_metrics, median of 3"]
    assert month["unit"] == "s" and month["passed"] in (True, False)
    assert rows["daily digest with its chart, median of 3"]["passed"] in (True, False)
    memory_rows = {row["metric"]: row for row in memory["rows"]}
    # an idle desk never imports matplotlib: that is a fact, not a timing
    assert memory_rows["matplotlib imported by an idle desk"]["passed"] is True
    assert memory_rows["resident memory a chart adds"]["value"] > 0
    for row in [*rows.values(), *memory_rows.values()]:
        assert isinstance(row["value"], float) and math.isfinite(row["value"])
