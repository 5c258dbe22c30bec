"""Run one botdesk app (``run_app``) until SIGTERM; then print its peak RSS as JSON.

Besides the peak RSS the summary lists the longest garbage-collector pauses (ms and
generation), which stop the desk's event loop and so show up as relay latency.

Started by the relay benchmarks with the settings as a JSON argument, so the desk has a
process (and an event loop) of its own, as in production, and its memory can be read.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import resource
import signal
import sys
from time import perf_counter

from botdesk.app import run_app
from core.config import isolated_settings


class GcPauses:
    """Durations of the garbage collector's runs (the longest stop the event loop)."""

    def __init__(self) -> None:
        self.pauses: list[tuple[float, int]] = []
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = perf_counter()
        else:
            self.pauses.append(((perf_counter() - self._started) * 1000, info["generation"]))

    def longest(self, count: int = 5) -> list[list[float]]:
        return [[round(ms, 1), generation] for ms, generation in sorted(self.pauses)[-count:]]


async def main(values: dict[str, object]) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await run_app(isolated_settings(**values), stop)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    pauses = GcPauses()
    asyncio.run(main(json.loads(sys.argv[1])))
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    summary = {"peak_rss_kib": peak_kib, "gc_longest_ms": pauses.longest()}
    print(json.dumps(summary), flush=True)
