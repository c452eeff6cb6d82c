"""``whep://HOST:PORT/``: a WHEP endpoint mstg serves; every viewer gets the output's tracks.

A WHEP player (a browser, GStreamer's ``whepsrc``, OBS 30+) posts its offer to
``http://HOST:PORT/`` (any path); ``GET /`` is a small viewer page. Each viewer gets its own
encoder (H.264 where it offers it, VP8 otherwise; Opus), so it starts on a keyframe.
Example::

    mstg run -i cam0 -t barcode -o whep://127.0.0.1:8081/    # open http://127.0.0.1:8081/
"""

from __future__ import annotations

import logging
from typing import Any

from ..outputs.file import EncodeOptions
from .endpoint import Endpoint
from .media import OutboundTrack, PeerOutput
from .negotiate import BadOffer, answer, check_sdp, offered_kinds
from .publish import codec_choice

log = logging.getLogger(__name__)
PAGES = {"/": ("viewer.html", "text/html"), "/viewer.js": ("viewer.js", "text/javascript"),
         "/style.css": ("style.css", "text/css")}


class WhepOutput(PeerOutput):
    """Serves the pipeline's tracks to any number of WHEP viewers at ``url``.

    >>> out = WhepOutput("whep://127.0.0.1:0/")
    >>> out.url.startswith("http://127.0.0.1:")
    True
    >>> out._finish()
    """

    def __init__(self, url: str, *, options: EncodeOptions | None = None) -> None:
        self.video_codec = codec_choice(options)
        self.endpoint = Endpoint(url, "whep", self._answer, pages=PAGES, on_gone=self._gone)
        super().__init__(self.endpoint.loop, name=url)
        self.max_fps = options.fps if options else None
        self._peer_tracks: dict[int, dict[str, OutboundTrack]] = {}
        self.endpoint.start()
        self.url = self.endpoint.server.url()

    @classmethod
    def from_url(cls, url: str, *, options: EncodeOptions | None = None, **_: Any) -> WhepOutput:
        return cls(url, options=options)

    async def _answer(self, pc: Any, offer: str) -> str:
        check_sdp(offer)
        kinds = tuple(k for k in offered_kinds(offer) if k in self.wanted_kinds)
        tracks = self.new_tracks(kinds)
        self._peer_tracks[id(pc)] = tracks
        for track in tracks.values():
            pc.addTrack(track)
        try:
            return await answer(pc, offer, video_codec=self.video_codec)
        except BadOffer:
            self.forget(tracks)
            raise

    @property
    def wanted_kinds(self) -> tuple[str, ...]:
        """The kinds the pipeline gives this output (both until it has attached them)."""
        return tuple(self.processors) or ("video", "audio")

    def _gone(self, pc: Any) -> None:
        tracks = self._peer_tracks.pop(id(pc), None)
        if tracks:
            self.forget(tracks)

    def _finish(self) -> None:
        super()._finish()
        self.endpoint.close()


__all__ = ["WhepOutput"]
