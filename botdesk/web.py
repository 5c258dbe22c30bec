"""The one web server of the process, on ``WEB_HOST:WEB_PORT`` in every mode.

It always carries the operational endpoints:

* ``GET /healthz`` — 200 while the process lives (the event loop answers);
* ``GET /readyz`` — 200 when the desk can work (:mod:`botdesk.readiness`), 503 with a
  small JSON body naming the failed check otherwise;
* ``GET /metrics`` — :data:`core.metrics.REGISTRY` in the Prometheus text format, the
  outbox gauges read from the database just before.

The composition root adds the Telegram webhook route (webhook mode) and VK's Callback
API route (when used) to the same application before it starts.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from aiohttp import web
from aiohttp.web_log import AccessLogger
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from botdesk.readiness import CHECK_TIMEOUT, Readiness
from core.config import ConfigError
from core.metrics import BUILD, REGISTRY

__all__ = [
    "HEALTH_PATH",
    "METRICS_PATH",
    "READY_PATH",
    "add_health_routes",
    "botdesk_version",
    "free_port",
    "serving",
]

log = logging.getLogger("botdesk.web")

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
_PROBES = frozenset({HEALTH_PATH, READY_PATH, METRICS_PATH})


def botdesk_version() -> str:
    """The installed botdesk's version ("unknown" when run from an uninstalled tree)."""
    try:
        return version("botdesk")
    except PackageNotFoundError:
        return "unknown"


def add_health_routes(app: web.Application, readiness: Readiness) -> None:
    """Serve ``/healthz``, ``/readyz`` and ``/metrics`` on ``app``."""
    BUILD.info({"version": botdesk_version()})

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(request: web.Request) -> web.Response:
        checks = await readiness.check()
        ready = all(verdict == "ok" for verdict in checks.values())
        body = {"status": "ready" if ready else "unready", "checks": checks}
        return web.json_response(body, status=200 if ready else 503)

    async def metrics(request: web.Request) -> web.Response:
        try:
            await asyncio.wait_for(readiness.backlog(), CHECK_TIMEOUT)
        except Exception:
            # the database is away: the outbox gauges keep their last values, and every
            # other metric is still worth scraping (/readyz tells what is wrong)
            log.debug("reading the outbox backlog for /metrics failed", exc_info=True)
        return web.Response(
            body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    app.router.add_get(HEALTH_PATH, healthz)
    app.router.add_get(READY_PATH, readyz)
    app.router.add_get(METRICS_PATH, metrics)


class _QuietProbes(AccessLogger):
    """The access log without the probes, which an orchestrator calls every few seconds."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Log the request unless it is a health, readiness or metrics probe."""
        if request.path not in _PROBES:
            super().log(request, response, time)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on now (for the demo's throw-away desk)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def serving(app: web.Application, host: str, port: int) -> AsyncIterator[None]:
    """Serve ``app`` on ``host:port`` while the block runs.

    A port that cannot be bound (taken, or privileged) is a setup mistake: it raises
    :class:`ConfigError` with one paragraph naming the setting, like any other.
    """
    runner = web.AppRunner(app, access_log_class=_QuietProbes)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            raise ConfigError(
                f"Configuration error: WEB_HOST:WEB_PORT is {host}:{port}, where botdesk "
                f"cannot listen ({exc.strerror or exc}). botdesk serves /healthz, /readyz "
                "and /metrics there in every mode, and the webhook in webhook mode. Choose "
                "a free port (WEB_PORT) or another address (WEB_HOST), or stop what listens "
                "there. Set it as an environment variable, in .env, or in botdesk.toml."
            ) from None
        log.info(
            "web server on %s:%s: %s, %s, %s", host, port, HEALTH_PATH, READY_PATH, METRICS_PATH
        )
        yield
    finally:
        await runner.cleanup()
