"""The command line every benchmark script shares: options, children, table and JSON.

A script names its benchmarks and sizes and says how to run one; :func:`main` parses
``--quick``, ``--only``, ``--json`` and ``--save``, runs the chosen benchmarks (each in
a child process of its own when the script asks for it, so a child's memory figures are
its own), and prints a table or the JSON document that BENCHMARKS.md is written from.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import os
import platform
import subprocess
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from time import perf_counter
from typing import Any

from bench.common import Report, Row

#: runs the benchmarks of the names given, at the sizes given, in this process
Run = Callable[[list[str], Any], Awaitable[list[Report]]]
#: lets a script adjust its sizes from options of its own
Adjust = Callable[[argparse.Namespace, Any], Any]


@dataclass(frozen=True)
class Script:
    """One benchmark script: its description (the docstring), names and sizes."""

    doc: str
    path: str  # the script's file, for starting children
    names: Sequence[str]
    full: Any
    quick: Any
    run: Run
    children: bool = False  # each benchmark in a fresh process
    options: Callable[[argparse.ArgumentParser], None] | None = None
    adjust: Adjust | None = None


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _figure(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def _verdict(row: Row) -> str:
    return "" if row.passed is None else ("PASS" if row.passed else "FAIL")


def table(reports: list[Report]) -> str:
    """The reports' rows as an aligned text table."""
    header = ("benchmark", "metric", "value", "unit", "target", "result", "note")
    lines = [header]
    for report in reports:
        for row in report.rows:
            value = _figure(row.value)
            lines.append(
                (row.bench, row.metric, value, row.unit, row.target, _verdict(row), row.note)
            )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for n, line in enumerate(lines):
        cells = [
            cell.rjust(width) if i == 2 else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


def document(reports: list[Report], quick: bool, sizes: Any, seconds: float) -> dict[str, Any]:
    """The JSON document of a run."""
    return {
        "mode": "quick" if quick else "full",
        "seconds": seconds,
        "machine": machine(),
        "sizes": asdict(sizes),
        "benchmarks": [
            {
                "name": report.name,
                "seconds": report.seconds,
                "rows": [row.to_json() for row in report.rows],
                "details": report.details,
            }
            for report in reports
        ],
    }


def _child(script: Script, name: str, argv: list[str]) -> Report:
    """Run one benchmark in a fresh process and read its report back."""
    command = [sys.executable, script.path, *argv, "--child", name]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{name} benchmark failed:\n{done.stderr[-3000:]}")
    data = json.loads(done.stdout)
    report = Report(data["name"], details=data["details"], seconds=data["seconds"])
    report.rows = [Row(**row) for row in data["rows"]]
    return report


def _parser(script: Script) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=script.doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke check)")
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(script.names)}")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--save", metavar="PATH", help="also write the JSON results to PATH")
    parser.add_argument("--child", choices=script.names, help=argparse.SUPPRESS)
    if script.options is not None:
        script.options(parser)
    return parser


def _chosen(parser: argparse.ArgumentParser, only: str | None, names: Sequence[str]) -> list[str]:
    if not only:
        return list(names)
    chosen = [name.strip() for name in only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(names))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(names)}")
    return chosen


def main(script: Script, argv: list[str] | None = None) -> int:
    """Run ``script``'s benchmarks as its command line asks; the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser(script)
    args = parser.parse_args(argv)
    sizes = script.quick if args.quick else script.full
    if script.adjust is not None:
        sizes = script.adjust(args, sizes)
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    if args.child:
        # migrations print what they apply: keep stdout for the report alone
        with contextlib.redirect_stdout(sys.stderr):
            [report] = asyncio.run(script.run([args.child], sizes))
        print(json.dumps(asdict(report), default=str))
        return 0
    names = _chosen(parser, args.only, script.names)
    started = perf_counter()
    if script.children:
        passed_on = _without([arg for arg in argv if arg != "--json"], ("--only", "--save"))
        reports = []
        for name in names:
            print(f"... {name}", file=sys.stderr, flush=True)
            reports.append(_child(script, name, passed_on))
    else:
        with contextlib.redirect_stdout(sys.stderr):
            reports = asyncio.run(script.run(names, sizes))
    result = document(reports, args.quick, sizes, perf_counter() - started)
    if args.save:
        with open(args.save, "w", encoding="utf-8") as out:
            json.dump(result, out, indent=2, default=str)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print(table(reports))
        print(f"\n{result['mode']} run, {result['seconds']:.0f} s")
    return 0


def _without(argv: list[str], options: tuple[str, ...]) -> list[str]:
    """``argv`` without ``options`` and their values (``--only x`` or ``--only=x``)."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in options:
            skip = True
            continue
        if any(arg.startswith(option + "=") for option in options):
            continue
        kept.append(arg)
    return kept
