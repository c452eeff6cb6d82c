"""What this installation's FFmpeg (the one inside PyAV) can encode, decode, mux and demux.

The system's ``ffmpeg -encoders`` may list another build; these lists are what mstg can use.

>>> any(c.name == "libx264" and c.encode for c in codecs(kind="video"))
True
>>> next(f for f in formats() if f.name == "mp4").mux
True
"""

from __future__ import annotations

from dataclasses import dataclass

#: The hints that name what is available (``mstg encoders`` / ``mstg formats``).
ENCODERS_HINT = "'mstg encoders' lists the encoders this installation has"
FORMATS_HINT = "'mstg formats' lists the formats this installation writes"


@dataclass(frozen=True)
class CodecInfo:
    """One codec name: its kind and whether it encodes and decodes here.

    >>> CodecInfo("aac", "audio", True, True, "AAC").flags
    'DE'
    """

    name: str
    kind: str
    encode: bool
    decode: bool
    description: str

    @property
    def flags(self) -> str:
        """``DE``, ``D.`` or ``.E``: decodes, encodes (as ``ffmpeg -codecs`` marks them)."""
        return ("D" if self.decode else ".") + ("E" if self.encode else ".")


@dataclass(frozen=True)
class FormatInfo:
    """One container format (muxer and/or demuxer) and its usual file extensions.

    >>> FormatInfo("nut", True, True, ("nut",), "NUT").flags
    'DE'
    """

    name: str
    demux: bool
    mux: bool
    extensions: tuple[str, ...]
    description: str

    @property
    def flags(self) -> str:
        """``DE``, ``D.`` or ``.E``: reads (demuxes), writes (muxes)."""
        return ("D" if self.demux else ".") + ("E" if self.mux else ".")


def _codec(name: str, mode: str) -> object | None:
    import av

    try:
        return av.codec.Codec(name, mode)
    except Exception:  # noqa: BLE001 - PyAV raises several kinds for a missing coder
        return None


def codecs(*, kind: str | None = None, encoders_only: bool = False) -> list[CodecInfo]:
    """Every codec PyAV's FFmpeg knows, sorted by name; ``kind`` (video, audio, subtitle)
    narrows the list, ``encoders_only`` keeps those that can encode."""
    import av

    out = []
    for name in sorted(av.codecs_available):
        encoder, decoder = _codec(name, "w"), _codec(name, "r")
        some = encoder or decoder
        if some is None:
            continue
        info = CodecInfo(name, str(getattr(some, "type", "?")), encoder is not None, decoder is not None,
                         str(getattr(some, "long_name", "") or ""))
        if (kind is None or info.kind == kind) and (info.encode or not encoders_only):
            out.append(info)
    return out


def formats(*, muxers_only: bool = False) -> list[FormatInfo]:
    """Every container format PyAV's FFmpeg knows, sorted by name (``muxers_only``: those it
    can write)."""
    import av

    out = []
    for name in sorted(av.formats_available):
        try:
            fmt = av.format.ContainerFormat(name)
        except Exception:  # noqa: BLE001 - a name listed but not openable
            continue
        info = FormatInfo(name, bool(fmt.is_input), bool(fmt.is_output),
                          tuple(sorted(fmt.extensions or ())), str(fmt.long_name or ""))
        if info.mux or not muxers_only:
            out.append(info)
    return out
