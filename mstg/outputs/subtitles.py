r"""Text subtitle payloads from one codec to another, without an encoder: a cue's text taken
out of its packet (``mov_text``: a 16-bit length and UTF-8 text, style boxes after it; ASS:
``ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,Effect,Text`` with ``{\...}`` override
tags; SubRip and WebVTT: the text, with ``<i>`` ... tags) and put in the other's.

Styling does not survive a conversion (MP4's style boxes, ASS's overrides); the text and
its line breaks do. A ``mov_text`` stream gets the default sample description FFmpeg's own
encoder writes (PyAV's encoder will not open without an ASS header it cannot be given).

>>> convert(b"0,0,Default,,0,0,0,,Second {\\i1}cue{\\i0}\\Nline", "ass", "mov_text")
b'\x00\x0fSecond cue\nline'
>>> convert(b"\x00\x05Hello\x00\x00\x00\x16styl", "mov_text", "subrip")
b'Hello'
>>> convert(b"\x00\x00", "mov_text", "subrip") is None
True
"""

from __future__ import annotations

import io
import re
import threading
from fractions import Fraction
from typing import Any

__all__ = ["convert", "cue_text", "mov_text_stream", "TX3G_DEFAULT"]

_ASS_TAGS = re.compile(r"\{\\[^}]*\}")
_MARKUP = re.compile(r"</?[A-Za-z][^>]*>")

#: The ``tx3g`` sample description FFmpeg's ``mov_text`` encoder writes by default: no
#: display flags, centred at the bottom, transparent background, white 18-point Serif.
TX3G_DEFAULT = (bytes([0, 0, 0, 0, 0x01, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                       0, 0, 0, 0, 0, 0x01, 0, 0x12, 0xFF, 0xFF, 0xFF, 0xFF,
                       0, 0, 0, 0x12]) + b"ftab" + bytes([0, 0x01, 0, 0x01, 0x05]) + b"Serif")


def cue_text(payload: bytes, codec: str) -> str:
    """The text of one subtitle packet of ``codec``, line breaks as ``\\n``."""
    if codec == "mov_text":
        size = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 0
        return payload[2:2 + size].decode("utf-8", "replace")
    text = payload.decode("utf-8", "replace")
    if codec in ("ass", "ssa"):
        parts = text.split(",", 8)
        text = parts[-1] if len(parts) == 9 else text
        text = _ASS_TAGS.sub("", text).replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " ")
    return text


def convert(payload: bytes, source: str, target: str) -> bytes | None:
    """``payload`` (one packet of ``source``) as a packet of ``target``; None for a cue with
    nothing to show (``mov_text``'s empty samples between cues)."""
    if source == target and source != "mov_text":
        return payload
    text = cue_text(payload, source)
    if not text.strip():
        return None
    if source == target:
        return payload
    if target == "mov_text":
        data = _MARKUP.sub("", text).encode("utf-8")
        return len(data).to_bytes(2, "big") + data
    return text.encode("utf-8")


_TEMPLATE: list[Any] = []
_TEMPLATE_LOCK = threading.Lock()


def mov_text_stream(container: Any) -> Any:
    """A ``mov_text`` stream in the output ``container``, with FFmpeg's default sample
    description, for packets made here. Its template comes from a tiny MP4 written in
    memory (PyAV makes a stream with settable codec data only from a template)."""
    with _TEMPLATE_LOCK:
        if not _TEMPLATE:
            _TEMPLATE.append(_template())
    stream = container.add_stream_from_template(_TEMPLATE[0][0].streams.subtitles[0])
    stream.codec_context.extradata = TX3G_DEFAULT
    return stream


def _template() -> tuple[Any, io.BytesIO]:
    """An open MP4 (in memory) with one ``mov_text`` stream."""
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as tiny:
        stream = tiny.add_mux_stream("mov_text")
        stream.time_base = Fraction(1, 1000)
        packet = av.Packet(b"\x00\x00")
        packet.pts = packet.dts = 0
        packet.duration = 1
        packet.time_base = Fraction(1, 1000)
        packet.stream = stream
        tiny.mux(packet)
    buf.seek(0)
    return av.open(buf, "r"), buf
