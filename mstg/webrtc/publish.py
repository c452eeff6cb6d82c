"""``whip+http://SERVER/PATH``: publish an mstg output to a WebRTC server over WHIP.

MediaMTX, Janus, Cloudflare Stream, LiveKit ingress or another mstg (``-i whip://...``)
take the stream. Credentials in the URL (``whip+http://user:pass@host/...``) are sent as
HTTP Basic auth; ``MSTG_WHIP_TOKEN`` as a Bearer token. Example::

    mstg run -i cam0 -t barcode -o whip+http://127.0.0.1:8889/cam/whip   # MediaMTX
"""

from __future__ import annotations

import base64
import logging
import os
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from ..context import RunContext
from ..errors import OutputError
from ..outputs.file import EncodeOptions, parse_bitrate
from .loop import LoopThread
from .media import PeerOutput
from .negotiate import BadOffer, check_sdp, negotiated_codec, prefer_codecs, set_bitrate

log = logging.getLogger(__name__)
#: ``--video-codec`` values understood by WebRTC outputs.
CODEC_NAMES = {"h264": "h264", "libx264": "h264", "libopenh264": "h264", "vp8": "vp8",
               "libvpx": "vp8", "auto": "auto"}


def codec_choice(options: EncodeOptions | None) -> str:
    """``auto``, ``h264`` or ``vp8`` from ``--video-codec``; applies ``--bitrate`` too.

    >>> codec_choice(EncodeOptions(video_codec="libx264"))
    'h264'
    """
    options = options or EncodeOptions()
    if options.bitrate:
        set_bitrate(parse_bitrate(options.bitrate))
    name = (options.video_codec or "auto").lower()
    if name not in CODEC_NAMES:
        raise OutputError(f"WebRTC sends H.264 or VP8, not {options.video_codec}",
                          hint="--video-codec h264 or vp8 (default: H.264 where the peer takes it)")
    return CODEC_NAMES[name]


def _auth(url: str) -> tuple[str, dict[str, str]]:
    """The URL without credentials, and the Authorization header they make."""
    parts = urlsplit(url)
    headers = {"Content-Type": "application/sdp"}
    if parts.username:
        pair = f"{parts.username}:{parts.password or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")  # type: ignore[operator]
        url = urlunsplit(parts._replace(netloc=netloc))
    elif os.environ.get("MSTG_WHIP_TOKEN"):
        headers["Authorization"] = f"Bearer {os.environ['MSTG_WHIP_TOKEN']}"
    return url, headers


class WhipPublishOutput(PeerOutput):
    """Publishes the pipeline's tracks to the WHIP endpoint at ``url`` (``http(s)://...``).

    The offer is posted when the output starts; a server that refuses or cannot be reached
    is an :class:`~mstg.errors.OutputError`. The session is deleted when the output ends.
    """

    def __init__(self, url: str, *, options: EncodeOptions | None = None) -> None:
        if not url.lower().startswith(("http://", "https://")):
            raise OutputError(f"whip+{url}: publish to an http:// or https:// WHIP endpoint")
        self.video_codec = codec_choice(options)
        super().__init__(LoopThread("whip-publish"), name=f"whip+{url}")
        self.max_fps = options.fps if options else None
        self.url, self.headers = _auth(url)
        self.pc: Any = None
        self.resource: str | None = None

    def start(self, context: RunContext | None = None) -> None:
        try:
            self.loop.run(self._publish(), timeout=60)
        except BadOffer as exc:
            self.loop.stop()
            raise OutputError(f"{self.name}: {exc}") from None
        except OutputError:
            self.loop.stop()
            raise
        except Exception as exc:  # noqa: BLE001 - network errors, timeouts
            self.loop.stop()
            raise OutputError(f"cannot publish to {self.url}: {exc or type(exc).__name__}") from None
        super().start(context)

    async def _publish(self) -> None:
        import aiohttp
        from aiortc import RTCPeerConnection, RTCSessionDescription

        self.pc = pc = RTCPeerConnection()
        pc.on("connectionstatechange", self._on_state)
        for track in self.new_tracks(tuple(self.processors) or ("video", "audio")).values():
            pc.addTransceiver(track, direction="sendonly")
        prefer_codecs(pc, self.video_codec)
        await pc.setLocalDescription(await pc.createOffer())
        async with aiohttp.ClientSession() as http:
            async with http.post(self.url, data=pc.localDescription.sdp, headers=self.headers) as reply:
                text = await reply.text()
                if reply.status not in (200, 201):
                    raise OutputError(f"the WHIP server refused the stream: {reply.status} {text.strip()[:200]}")
                location = reply.headers.get("Location")
        check_sdp(text, "answer")
        self.resource = urljoin(self.url, location) if location else None
        await pc.setRemoteDescription(RTCSessionDescription(sdp=text, type="answer"))
        log.info("publishing to %s (video %s)", self.url, negotiated_codec(text, "video"))

    async def _on_state(self) -> None:
        state = self.pc.connectionState
        if self.ended.is_set() or state not in ("failed", "closed"):
            return
        if state == "closed":  # the server ended the session: the run stops cleanly
            log.info("the WHIP server %s ended the session", self.url)
            self._ask_to_stop()
        else:
            self.error = OutputError(f"the WHIP server {self.url} dropped the connection")
            self.abort()

    async def _hang_up(self) -> None:
        import aiohttp

        if self.resource:
            try:
                async with aiohttp.ClientSession() as http:
                    await http.delete(self.resource, headers=self.headers, timeout=aiohttp.ClientTimeout(5))
            except Exception as exc:  # noqa: BLE001 - the server may be gone already
                log.debug("DELETE %s: %s", self.resource, exc)
        if self.pc is not None:
            await self.pc.close()

    def _finish(self) -> None:
        super()._finish()
        try:
            self.loop.run(self._drain_and_hang_up(), timeout=15)
        finally:
            self.loop.stop()

    async def _drain_and_hang_up(self) -> None:
        import asyncio

        await asyncio.sleep(0.2)  # the last frames pushed get sent
        await self._hang_up()
