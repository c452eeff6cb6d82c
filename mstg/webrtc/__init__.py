"""WebRTC: the browser page served by ``mstg serve``, and WHIP/WHEP for other WebRTC tools.

Needs the optional extra ``mstg[webrtc]`` (aiortc, the Python WebRTC stack built on PyAV, and
aiohttp for the HTTP side); :func:`require` raises a :class:`~mstg.errors.UsageError` naming it
when they are missing. The URL schemes, as inputs and outputs::

    mstg run -i whip://127.0.0.1:8080/ -t barcode -o rec.mp4      # OBS or a browser publishes here
    mstg run -i cam0 -o whip+http://127.0.0.1:8889/cam/whip        # publish to MediaMTX (WHIP)
    mstg run -i cam0 -t barcode -o whep://127.0.0.1:8081/          # viewers play it (WHEP)

>>> from mstg.webrtc import is_webrtc_input, is_webrtc_output
>>> is_webrtc_input("whip://127.0.0.1:8080/"), is_webrtc_output("whep://127.0.0.1:8081/")
(True, True)
"""

from __future__ import annotations

from ..errors import UsageError

EXTRA_HINT = "pip install 'mstg[webrtc]'"


def require() -> None:
    """Raise :class:`UsageError` (naming the extra) when aiortc or aiohttp is missing."""
    try:
        import aiohttp  # noqa: F401
        import aiortc  # noqa: F401
    except ImportError as exc:
        raise UsageError(f"WebRTC needs the 'webrtc' extra ({exc.name} is not installed)",
                         hint=EXTRA_HINT) from None


def is_webrtc_input(spec: str) -> bool:
    """True for ``whip://`` and ``whips://`` (an endpoint mstg serves for publishers)."""
    return spec.lower().startswith(("whip://", "whips://"))


def is_webrtc_output(spec: str) -> bool:
    """True for ``whep://`` / ``wheps://`` (served to viewers) and ``whip+http(s)://`` (published)."""
    return spec.lower().startswith(("whep://", "wheps://", "whip+http://", "whip+https://"))


def open_webrtc_input(spec: str, **options: object) -> object:
    """The WHIP endpoint ``spec`` names, as an mstg input (see :mod:`mstg.webrtc.whip`)."""
    require()
    from .whip import WhipInput

    return WhipInput.from_url(spec, **options)  # type: ignore[arg-type]


def open_webrtc_output(spec: str, **options: object) -> object:
    """The WHEP endpoint or WHIP publisher ``spec`` names, as an mstg output."""
    require()
    if spec.lower().startswith("whip+"):
        from .publish import WhipPublishOutput

        return WhipPublishOutput(spec[len("whip+"):], **options)  # type: ignore[arg-type]
    from .whep import WhepOutput

    return WhepOutput.from_url(spec, **options)  # type: ignore[arg-type]
