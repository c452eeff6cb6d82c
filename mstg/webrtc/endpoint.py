"""What the WHIP input and the WHEP output share: a URL parsed into a listening server, and
one peer connection per ``POST`` of an offer, ended by ``DELETE`` of its resource.

>>> parse_listen_url("whip://127.0.0.1:8080/live?token=s3cret")
('127.0.0.1', 8080, 's3cret', False)
>>> parse_listen_url("wheps://0.0.0.0:8443/")[1:]
(8443, None, True)
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import web
from aiortc import RTCPeerConnection

from ..errors import UsageError
from .assets import asset
from .loop import LoopThread
from .negotiate import BadOffer
from .security import Access
from .server import HttpServer

log = logging.getLogger(__name__)
#: A new peer connection and the SDP answer to its offer (raises BadOffer).
Answerer = Callable[[RTCPeerConnection, str], Awaitable[str]]


def parse_listen_url(url: str) -> tuple[str, int, str | None, bool]:
    """(host, port, token, https) of ``whip://HOST:PORT/...?token=...`` (``whips``/``wheps``: HTTPS)."""
    parts = urlsplit(url)
    if not parts.hostname or parts.port is None:
        raise UsageError(f"{url}: give the address and port to listen on, e.g. "
                         f"{parts.scheme}://127.0.0.1:8080/")
    token = parse_qs(parts.query).get("token", [None])[0]
    return parts.hostname, parts.port, token, parts.scheme.endswith("s")


class Endpoint:
    """A WHIP or WHEP endpoint: ``POST`` an offer to any path, get the answer (201) and a
    resource to ``DELETE`` when done. ``limit`` bounds the peers at once (a second publisher
    is refused with 409)."""

    def __init__(self, url: str, role: str, answerer: Answerer, *, limit: int | None = None,
                 on_gone: Callable[[RTCPeerConnection], Any] | None = None,
                 pages: dict[str, tuple[str, str]] | None = None) -> None:
        host, port, token, https = parse_listen_url(url)
        self.role = role
        self.loop = LoopThread(role)
        self.access = Access(host, token=token, https=https or None)
        if self.access.token is not None and token is None:
            self.loop.stop()
            raise UsageError(f"{url}: listening on {host} (not loopback) needs a token",
                             hint=f"add ?token=SECRET to the URL, e.g. "
                                  f"{url.split('?')[0]}?token={self.access.token}")
        self.server = HttpServer(host, port, self.access, loop=self.loop)
        self.answerer = answerer
        self.limit = limit
        self.on_gone = on_gone
        self.pages = pages or {}
        self.peers: dict[int, RTCPeerConnection] = {}
        self._numbers = itertools.count(1)

    def start(self) -> None:
        self.server.start(self._routes)
        log.info("%s endpoint on %s", self.role.upper(), self.server.url())

    def _routes(self, app: web.Application) -> None:
        app.router.add_delete("/resource/{number}", self._delete)
        app.router.add_post("/{tail:.*}", self._post)
        for path in self.pages:
            app.router.add_get(path, self._page)

    async def _page(self, request: web.Request) -> web.Response:
        name, kind = self.pages[request.path]
        return web.Response(text=asset(name), content_type=kind)

    async def _post(self, request: web.Request) -> web.Response:
        if self.limit is not None and len(self.peers) >= self.limit:
            return web.Response(status=409, text=f"this {self.role.upper()} endpoint is in use\n")
        number = next(self._numbers)
        pc = RTCPeerConnection()
        pc.on("connectionstatechange", lambda: self._state(number, pc))
        try:
            sdp = await self.answerer(pc, await request.text())
        except BadOffer as exc:
            log.warning("%s peer %d: %s", self.role.upper(), number, exc)
            await pc.close()
            return web.Response(status=400, text=f"{exc}\n")
        self.peers[number] = pc
        log.info("%s peer %d connected from %s", self.role.upper(), number, request.remote)
        return web.Response(status=201, text=sdp, content_type="application/sdp",
                            headers={"Location": f"/resource/{number}"})

    async def _delete(self, request: web.Request) -> web.Response:
        number = request.match_info["number"]
        pc = self.peers.get(int(number)) if number.isdigit() else None
        if pc is None:
            return web.Response(status=404)
        await self._gone(int(number), pc, "hung up")
        return web.Response(status=200)

    async def _state(self, number: int, pc: RTCPeerConnection) -> None:
        if pc.connectionState in ("failed", "closed"):
            await self._gone(number, pc, f"left ({pc.connectionState})")

    async def _gone(self, number: int, pc: RTCPeerConnection, why: str) -> None:
        if self.peers.pop(number, None) is None:
            return
        log.info("%s peer %d %s", self.role.upper(), number, why)
        if self.on_gone is not None:
            self.on_gone(pc)
        await pc.close()

    def close(self) -> None:
        async def close_all() -> None:
            for pc in list(self.peers.values()):
                await pc.close()
            self.peers.clear()
        if not self.loop.loop.is_closed():
            try:
                self.loop.run(close_all(), timeout=10)
            except Exception as exc:  # noqa: BLE001 - closing must not hide the real outcome
                log.debug("closing %s peers: %s", self.role, exc)
        self.server.close()
        self.loop.stop()
