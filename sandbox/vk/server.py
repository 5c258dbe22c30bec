"""The HTTP face of the VK sandbox and :class:`VkSandbox`, its Python handle.

Routes, as VK serves them:

* ``/method/<name>`` — the API (GET or POST; query or form; ``access_token`` and
  ``v`` in either), answering ``{"response": ...}`` or ``{"error": {...}}``;
* ``/longpoll/<group_id>?act=a_check&key=&ts=&wait=`` — the Bots Long Poll;
* ``/upload/<kind>/<key>`` — upload URLs; ``/files/<key>/<name>`` — downloads;
* ``/sandbox/...`` — the control API (see ``control_http.py`` and README.md).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from aiohttp import web

from . import history, messages, people, uploads  # noqa: F401  (register API methods)
from .call import Call, find
from .callback import CallbackDelivery
from .control import VkControl
from .control_http import add_control_routes
from .errors import INVALID_TOKEN, NO_TOKEN, NO_VERSION, VkApiError
from .execute import ExecuteResult, Script
from .media import TINY_PNG
from .models import Community
from .world import VkWorld

log = logging.getLogger(__name__)

MAX_UPLOAD = 210 * 1024 * 1024  # VK takes documents up to 200 MB


class VkSandbox(VkControl):
    """An offline VK API (community bot) server with a control API.

    ``rate_limit`` is VK's per-token limit of API calls per second (``None``
    turns it off); ``clock`` (monotonic seconds) drives that window in tests.
    :attr:`callbacks` delivers to Callback API servers; its ``retry_delay`` and
    ``timeout`` (seconds) may be changed at any time.
    """

    def __init__(
        self, rate_limit: int | None = 20, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.world = VkWorld(rate_limit, clock)
        self.callbacks = CallbackDelivery(self.world)
        self._calls: list[tuple[str, dict[str, str]]] = []
        self._fail: dict[str, list[int]] = {}
        self._drop: dict[str, int] = {}
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    @property
    def api_url(self) -> str:
        """What to assign to ``vkbottle.API.API_URL``."""
        return f"{self.base_url}/method/"

    def app(self) -> web.Application:
        """The aiohttp application: API, long poll, uploads, files, control."""
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/method/{name}", self._api)
        app.router.add_route("*", "/longpoll/{group_id}", self._longpoll)
        app.router.add_post("/upload/{kind}/{key}", self._upload)
        app.router.add_get("/files/{key}/{name}", self._file)
        add_control_routes(app, self)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on ``host:port`` (0 picks a free port); returns :attr:`base_url`."""
        for poll in self.world.longpolls.values():
            poll.closed = False  # a restarted sandbox answers long polls again
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self.base_url = f"http://{host}:{self._runner.addresses[0][1]}"
        self.world.media.base_url = self.base_url
        self.world.avatar_url = self.world.media.put(TINY_PNG, "camera_100.png")
        self.callbacks.resume()
        log.info("VK sandbox listening on %s", self.base_url)
        return self.base_url

    async def stop(self) -> None:
        """Release waiting long polls, stop Callback API delivery and close the server."""
        for poll in self.world.longpolls.values():
            poll.release()
        await self.callbacks.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> VkSandbox:
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

    # -- the API ----------------------------------------------------------------

    async def dispatch(self, name: str, params: dict[str, str], community: Community) -> Any:
        """Run one method for ``community``: forced failures first, then the handler."""
        forced = self._fail.get(name)
        if forced:
            raise VkApiError(forced.pop(0))
        if name == "execute":
            return await self._execute(params, community)
        handler = find(name)
        if handler is None:
            raise VkApiError(3)
        return await handler(Call(self.world, community, params, self.base_url))

    async def _execute(self, params: dict[str, str], community: Community) -> ExecuteResult:
        async def invoke(name: str, args: dict[str, str]) -> Any:
            self._calls.append((name, dict(args)))
            result = await self.dispatch(name, args, community)
            return result.response if isinstance(result, ExecuteResult) else result

        if not params.get("code"):
            raise VkApiError(100, "code is a required parameter")
        return await Script(params["code"], invoke).run()

    async def _api(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        params = {k: v for k, v in request.query.items()}
        if request.method == "POST" and request.can_read_body:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        token, version = params.pop("access_token", ""), params.pop("v", "")
        self._calls.append((name, dict(params)))
        try:
            community = self.world.tokens.get(token)
            if community is None:
                raise VkApiError(5, INVALID_TOKEN if token else NO_TOKEN)
            if not version:
                raise VkApiError(8, NO_VERSION)
            self.world.limiter.spend(token)
            result = await self.dispatch(name, params, community)
            body: dict[str, Any] = {"response": result}
            if isinstance(result, ExecuteResult):
                body = {"response": result.response}
                if result.errors:
                    body["execute_errors"] = result.errors
        except VkApiError as error:
            body = error.to_json({**params, "v": version}, name)
        if self._drop.get(name):
            # The call has taken effect; the client just never hears about it.
            self._drop[name] -= 1
            if request.transport is not None:
                request.transport.close()
        return web.json_response(body)

    async def _longpoll(self, request: web.Request) -> web.StreamResponse:
        params = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        poll = self.world.longpolls.get(int(request.match_info["group_id"]))
        if poll is None or params.get("act") != "a_check":
            return web.json_response({"failed": 2})
        ts = params.get("ts", "")
        answer = await poll.check(
            params.get("key", ""),
            int(ts) if ts.isdigit() else None,
            float(params.get("wait", "25") or 25),
        )
        return web.json_response(answer)

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        return await uploads.handle_upload(self.world, request)

    async def _file(self, request: web.Request) -> web.StreamResponse:
        stored = self.world.media.files.get(request.match_info["key"])
        if stored is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=stored.data, content_type=stored.mime_type)
