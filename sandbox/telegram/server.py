"""The HTTP face of the sandbox and :class:`TelegramSandbox`, its Python handle.

Routes, as on api.telegram.org:

* ``/bot<token>/<method>`` — the Bot API (GET or POST; query, form, multipart or JSON);
* ``/file/bot<token>/<file_path>`` — file downloads;
* ``/sandbox/...`` — the control API (see ``control_http.py`` and README.md).
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any

from aiohttp import web

from .clock import Clock
from .control_http import add_control_routes
from .errors import NOT_FOUND, UNAUTHORIZED, ApiError
from .handle import SandboxHandle
from .limits import Limits
from .methods import Call, find
from .params import read_params
from .world import Options

log = logging.getLogger(__name__)

MAX_UPLOAD = 60 * 1024 * 1024  # Telegram accepts up to 50 MB uploads; leave headroom.


class TelegramSandbox(SandboxHandle):
    """An offline Telegram Bot API server with a control API.

    ``limits`` defaults to Telegram's flood limits; pass ``Limits.off()`` to
    disable them or ``Limits().scaled(0.05)`` to make windows short.
    """

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        clock: Clock | None = None,
        options: Options | None = None,
    ) -> None:
        super().__init__(limits, clock=clock, options=options)
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        """The aiohttp application serving the Bot API, files and control routes."""
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        add_control_routes(app, self)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on ``host:port`` (0 picks a free port); returns :attr:`base_url`."""
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = self._runner.addresses[0]
        self.base_url = f"http://{host}:{bound[1]}"
        log.info("Telegram sandbox listening on %s", self.base_url)
        return self.base_url

    async def stop(self) -> None:
        """Release long polls, stop webhook delivery and close the server."""
        for bot in self.world.bots.values():
            bot.updates.release_poll()
        await self.webhooks.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TelegramSandbox:
        if self._runner is None:
            await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def api_url(self, bot_token: str, method: str) -> str:
        """Full URL of a Bot API method for ``bot_token``."""
        return f"{self.base_url}/bot{bot_token}/{method}"

    async def _api(self, request: web.Request) -> web.Response:
        bot = self.world.bot_by_token(request.match_info["token"])
        handler = find(request.match_info["method"])
        try:
            if bot is None:
                raise ApiError(401, "Unauthorized")
            if handler is None:
                raise ApiError(404, "Not Found")
            params = await read_params(request)
            result: Any = await handler(Call(self.world, bot, params))
        except ApiError as error:
            return web.json_response(error.to_json(), status=error.code)
        body: dict[str, Any] = {"ok": True, "result": result}
        if request.match_info["method"].lower() == "setwebhook" and result is True:
            body["description"] = "Webhook was set"
        return web.json_response(body)

    async def _file(self, request: web.Request) -> web.StreamResponse:
        if self.world.bot_by_token(request.match_info["token"]) is None:
            return web.json_response(UNAUTHORIZED.to_json(), status=401)
        stored = self.world.files.by_path(request.match_info["path"])
        if stored is None:
            return web.json_response(NOT_FOUND.to_json(), status=404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )
