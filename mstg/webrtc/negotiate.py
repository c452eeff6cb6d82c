"""Offers and answers: codec choice (H.264 where the peer offers it, VP8 otherwise; Opus),
bitrate, and telling a bad offer from a good one.

>>> negotiated_codec("v=0\\r\\nm=video 9 UDP/TLS/RTP/SAVPF 102\\r\\na=rtpmap:102 H264/90000\\r\\n", "video")
'H264'
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import UsageError

#: Video codecs mstg sends and receives, by ``--video-codec`` choice, in order of preference.
VIDEO_CODECS = {"auto": ("video/H264", "video/VP8"), "h264": ("video/H264",), "vp8": ("video/VP8",)}


class BadOffer(ValueError):
    """An offer (or answer) that cannot be used: malformed SDP, or nothing mstg can receive."""


def check_sdp(sdp: str, kind: str = "offer") -> None:
    """Raise :class:`BadOffer` unless ``sdp`` looks like a session description with media."""
    if not sdp.startswith("v=0") or "\nm=" not in sdp:
        raise BadOffer(f"not an SDP {kind} (it should start with v=0 and have m= lines)")


def offered_kinds(sdp: str) -> list[str]:
    """The media kinds of an offer, in order: ``["video", "audio"]``."""
    return [line[2:7] for line in sdp.splitlines() if line.startswith(("m=video", "m=audio"))]


def prefer_codecs(pc: Any, video_codec: str = "auto") -> None:
    """Put H.264 (then VP8) first for every video transceiver of ``pc``, Opus for audio."""
    from aiortc import RTCRtpSender

    if video_codec not in VIDEO_CODECS:
        raise UsageError(f"video codec {video_codec!r}: use one of {', '.join(VIDEO_CODECS)}")
    for transceiver in pc.getTransceivers():
        codecs = RTCRtpSender.getCapabilities(transceiver.kind).codecs
        if transceiver.kind == "video":
            wanted = VIDEO_CODECS[video_codec]
            chosen = [c for name in wanted for c in codecs if c.mimeType.lower() == name.lower()]
            chosen += [c for c in codecs if c.mimeType.lower() == "video/rtx"]
        else:
            chosen = [c for c in codecs if c.mimeType.lower() == "audio/opus"]
        transceiver.setCodecPreferences(chosen)


def set_bitrate(bits_per_second: int) -> None:
    """The starting video bitrate of aiortc's H.264 and VP8 encoders (a process-wide setting;
    congestion control moves it from there, never above it)."""
    from aiortc.codecs import h264, vpx

    for module in (h264, vpx):
        module.DEFAULT_BITRATE = bits_per_second  # type: ignore[attr-defined]
        module.MIN_BITRATE = min(module.MIN_BITRATE, bits_per_second)  # type: ignore[attr-defined]
        module.MAX_BITRATE = bits_per_second  # type: ignore[attr-defined]


def negotiated_codec(sdp: str, kind: str) -> str | None:
    """The first codec of the ``kind`` section of an answer (what is sent), e.g. ``H264``."""
    section = re.search(rf"^m={kind} \d+ [A-Z/]+ (\d+)", sdp, re.M)
    if section is None:
        return None
    name = re.search(rf"^a=rtpmap:{section.group(1)} ([A-Za-z0-9-]+)/", sdp, re.M)
    return name.group(1) if name else None


async def answer(pc: Any, offer_sdp: str, *, video_codec: str = "auto") -> str:
    """Apply ``offer_sdp`` to ``pc`` and return the answer's SDP; tracks to send are added
    before this. Raises :class:`BadOffer` for an unusable offer (or no codec in common)."""
    from aiortc import RTCSessionDescription

    check_sdp(offer_sdp)
    # aiortc settles the codecs while applying the offer, from the transceivers' preferences:
    # so every kind offered gets its transceiver (and preferences) first
    have = {t.kind for t in pc.getTransceivers()}
    for kind in offered_kinds(offer_sdp):
        if kind not in have:
            pc.addTransceiver(kind, direction="recvonly")
    prefer_codecs(pc, video_codec)
    try:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
    except Exception as exc:  # noqa: BLE001 - aiortc raises several kinds for bad SDP
        raise BadOffer(f"the offer was refused: {exc}") from None
    return await finish_answer(pc)


async def finish_answer(pc: Any) -> str:
    """Make the answer (the remote offer is set, the tracks to send added)."""
    try:
        await pc.setLocalDescription(await pc.createAnswer())
    except Exception as exc:  # noqa: BLE001 - e.g. no codec in common
        raise BadOffer(f"no answer to that offer: {exc}") from None
    return str(pc.localDescription.sdp)
