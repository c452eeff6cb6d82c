"""``mstg serve``: the page that sends the visitor's camera to mstg and shows the result.

The page (``page/index.html``) opens the camera and microphone as soon as it loads, posts its
offer to ``/session``, shows the processed tracks mstg sends back, and lists the events
(barcode values) beside the picture as they arrive over a DataChannel.

>>> server = PageServer(transforms=lambda: ["barcode"])
>>> url = server.start()
>>> url.startswith("http://127.0.0.1:")
True
>>> server.stop()
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from typing import Any

from aiohttp import web

from ..outputs.base import Output
from .assets import asset
from .loop import LoopThread
from .negotiate import BadOffer
from .security import Access
from .server import HttpServer
from .session import PageSession

log = logging.getLogger(__name__)
ASSETS = {"/": ("index.html", "text/html"), "/app.js": ("app.js", "text/javascript"),
          "/style.css": ("style.css", "text/css")}


async def _no_icon(request: web.Request) -> web.Response:
    return web.Response(status=204)


class PageServer:
    """Serves the page and runs one pipeline per visitor.

    ``transforms`` makes a fresh chain for each visitor (transforms keep state);
    ``recording`` makes the outputs that record the first visitor on the server side (files,
    streams: any mstg output); ``on_event`` gets every visitor's events.
    """

    def __init__(self, *, transforms: Callable[[], list[Any]], recording: Callable[[], list[Output]] | None = None,
                 on_event: Callable[[dict[str, Any]], None] | None = None, host: str = "127.0.0.1",
                 port: int = 0, token: str | None = None, cert: str | None = None,
                 key: str | None = None, video_codec: str = "auto", max_fps: float | None = None) -> None:
        self.loop = LoopThread("serve")
        self.access = Access(host, token=token, cert=cert, key=key)
        self.server = HttpServer(host, port, self.access, loop=self.loop)
        self.transforms = transforms
        self.recording = recording
        self.on_event = on_event
        self.video_codec = video_codec
        self.max_fps = max_fps
        self.sessions: dict[int, PageSession] = {}
        self.finished: list[PageSession] = []
        self._numbers = itertools.count(1)
        self._recorded = False
        self._lock = threading.Lock()

    def start(self) -> str:
        """Start listening; returns the URL to open (with the token when one is needed)."""
        self.server.start(self._routes)
        return self.server.url()

    def _routes(self, app: web.Application) -> None:
        for path in ASSETS:
            app.router.add_get(path, self._asset)
        app.router.add_get("/favicon.ico", _no_icon)
        app.router.add_post("/session", self._offer)
        app.router.add_delete("/session/{number}", self._hang_up)

    async def _asset(self, request: web.Request) -> web.Response:
        name, kind = ASSETS[request.path]
        return web.Response(text=asset(name), content_type=kind,
                            headers={"Cache-Control": "no-store"})

    async def _offer(self, request: web.Request) -> web.Response:
        number = next(self._numbers)
        outputs: list[Output] = []
        with self._lock:
            if self.recording is not None and not self._recorded:
                outputs = self.recording()
                self._recorded = True
        session = PageSession(number, self.loop, transforms=self.transforms(), outputs=outputs,
                              on_event=self.on_event, video_codec=self.video_codec, max_fps=self.max_fps,
                              on_end=self._ended)
        try:
            sdp = await session.open(await request.text())
        except BadOffer as exc:
            log.warning("browser %d: %s", number, exc)
            await session.pc.close()
            if outputs:  # the recording waits for the next visitor
                with self._lock:
                    self._recorded = False
            return web.Response(status=400, text=f"{exc}\n")
        self.sessions[number] = session
        return web.Response(status=201, text=sdp, content_type="application/sdp",
                            headers={"Location": f"/session/{number}"})

    async def _hang_up(self, request: web.Request) -> web.Response:
        session = self.sessions.get(int(request.match_info["number"]) if request.match_info["number"].isdigit() else -1)
        if session is None:
            return web.Response(status=404)
        await session.close(f"browser {session.number} hung up")
        return web.Response(status=200)

    def _ended(self, session: PageSession) -> None:
        self.sessions.pop(session.number, None)
        self.finished.append(session)

    def stop(self) -> None:
        """Finish every visitor's pipeline (recordings are finalized) and stop listening."""
        sessions = list(self.sessions.values())
        for session in sessions:
            session.stop()
        for session in sessions:
            session.join(30)
        self.server.close()
        self.loop.stop()
