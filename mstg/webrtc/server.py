"""The HTTP side: an aiohttp server on mstg's event-loop thread, behind the token check.

Used by ``mstg serve`` (the page), by ``whip://`` inputs and by ``whep://`` outputs. Every
route needs the token when one is set (``?token=`` or ``Authorization: Bearer``).

>>> from mstg.webrtc.security import Access
>>> server = HttpServer("127.0.0.1", 0, Access("127.0.0.1"), name="doc")
>>> server.start(lambda app: None)
>>> server.url().startswith("http://127.0.0.1:")
True
>>> server.close()
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from aiohttp import web

from ..errors import UsageError
from .loop import LoopThread
from .security import Access

log = logging.getLogger(__name__)
Routes = Callable[[web.Application], None]


@web.middleware
async def _cors(request: web.Request, handler: Any) -> web.StreamResponse:
    """WHIP/WHEP clients in other pages may call from another origin (the token still applies)."""
    if request.method == "OPTIONS":
        response: web.StreamResponse = web.Response(status=204)
    else:
        response = await handler(request)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, PATCH, DELETE, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
    response.headers["Access-Control-Expose-Headers"] = "Location"
    return response


class HttpServer:
    """An aiohttp application served on ``host:port`` (0: any free port) from ``loop``."""

    def __init__(self, host: str, port: int, access: Access, *, loop: LoopThread | None = None,
                 name: str = "http") -> None:
        self.host, self.port, self.access = host, port, access
        self.loop = loop or LoopThread(name)
        self._own_loop = loop is None
        self._runner: web.AppRunner | None = None

    def start(self, routes: Routes) -> None:
        """Add the routes and start listening (raises :class:`UsageError` when it cannot)."""
        context = self.access.ssl_context()
        try:
            self.loop.run(self._start(routes, context), timeout=30)
        except OSError as exc:
            self.close()
            raise UsageError(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from None

    async def _start(self, routes: Routes, context: Any) -> None:
        app = web.Application(middlewares=[_cors, self._check_token], client_max_size=1 << 20)
        routes(app)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, ssl_context=context)
        await site.start()
        self.port = self._runner.addresses[0][1]

    @web.middleware
    async def _check_token(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.method != "OPTIONS" and not self.access.allows(
                request.query.get("token"), request.headers.get("Authorization")):
            log.warning("refused %s %s from %s: no valid token", request.method, request.path,
                        request.remote)
            return web.Response(status=401, text="a token is required: add ?token=... to the URL\n")
        return await handler(request)  # type: ignore[no-any-return]

    def url(self, path: str = "/") -> str:
        """The address to open, with the token when one is required."""
        host = self.host if self.host not in ("0.0.0.0", "::", "") else _lan_address()
        if ":" in host:
            host = f"[{host}]"
        token = f"?token={quote(self.access.token)}" if self.access.token else ""
        return f"{self.access.scheme}://{host}:{self.port}{path}{token}"

    def close(self) -> None:
        """Stop listening (and the loop, when the server made its own)."""
        if self._runner is not None and not self.loop.loop.is_closed():
            try:
                self.loop.run(self._runner.cleanup(), timeout=10)
            except Exception as exc:  # noqa: BLE001 - closing must not hide the real outcome
                log.debug("closing the server: %s", exc)
            self._runner = None
        if self._own_loop:
            self.loop.stop()


def _lan_address() -> str:
    """This machine's address on the local network (for the URL to open on a phone)."""
    import socket

    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: it only picks the route
        return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()
