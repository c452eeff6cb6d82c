"""``whip://HOST:PORT/``: a WHIP endpoint mstg serves; what a publisher sends is the input.

OBS (Settings > Stream > Service: WHIP), a browser or another mstg publishes to
``http://HOST:PORT/`` (any path); the first publisher's camera and microphone become the
input's tracks, and the input ends when the publisher stops (``DELETE``) or vanishes.
A second publisher is refused while one is live (409). Example::

    mstg run -i whip://127.0.0.1:8080/ -t barcode -o rec.mp4 --events -
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .endpoint import Endpoint
from .media import PeerInput
from .negotiate import answer

log = logging.getLogger(__name__)


class WhipInput(PeerInput):
    """The WHIP endpoint at ``url`` as a live input (video and audio tracks).

    >>> source = WhipInput("whip://127.0.0.1:0/")
    >>> [t.kind for t in source.tracks]
    ['video', 'audio']
    >>> source.stop(); source._close()
    """

    def __init__(self, url: str, *, video_codec: str = "auto", duration: float | None = None) -> None:
        super().__init__(url, ["video", "audio"], duration=duration)
        self.video_codec = video_codec
        self.endpoint = Endpoint(url, "whip", self._answer, limit=1, on_gone=lambda pc: self.finish())
        self.endpoint.start()
        self.url = self.endpoint.server.url()

    @classmethod
    def from_url(cls, url: str, *, video_codec: str | None = None, duration: float | None = None,
                 **_: Any) -> WhipInput:
        return cls(url, video_codec=video_codec or "auto", duration=duration)

    async def _answer(self, pc: Any, offer: str) -> str:
        pc.on("track", lambda track: asyncio.ensure_future(self.receive(track)))
        return await answer(pc, offer, video_codec=self.video_codec)

    def _close(self) -> None:
        self.endpoint.close()
