"""Output picture sizes: ``--size 640x-2`` keeps the aspect, odd sizes kept where the codec allows.

>>> parse_size("640x-2")
(640, -2)
>>> output_size((640, -2), 1920, 1080, "libx264")
(640, 360)
>>> output_size((-1, 101), 200, 100, "ffv1")
(202, 101)
>>> output_size(None, 321, 241, "libx264"), output_size(None, 321, 241, "libvpx-vp9")
((320, 240), (321, 241))
"""

from __future__ import annotations

from ..errors import UsageError

#: Encoders that take odd sizes even with subsampled chroma (4:2:0): the size is kept.
ODD_SIZES_OK = frozenset({"ffv1", "libvpx", "libvpx-vp9", "libaom-av1", "rawvideo", "png", "utvideo",
                          "gif", "mjpeg", "libwebp", "bmp", "tiff", "prores_ks", "huffyuv", "ffvhuff"})
_SUBSAMPLED = ("420p", "422p", "nv12", "nv21", "411p", "410p", "440p")


def parse_size(text: str) -> tuple[int, int]:
    """``WxH``; one side may be ``-1`` (keep the aspect) or ``-2`` (keep it, rounded to even),
    as FFmpeg's scale filter takes them."""
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UsageError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1280x720 or 640x-2") from None
    if width in (-1, -2) and height in (-1, -2):
        raise UsageError(f"{text!r}: only one side can be -1 or -2")
    if min(width, height) < -2 or 0 in (width, height):
        raise UsageError(f"{text!r}: sides are positive, or -1/-2 for one of them")
    return width, height


def _keep_aspect(side: int, other: int, source_side: int, source_other: int) -> int:
    exact = other * source_side / source_other
    if side == -2:
        return max(2, 2 * round(exact / 2))
    return max(1, round(exact))


def output_size(size: tuple[int, int] | None, width: int, height: int, codec: str,
                pix_fmt: str = "yuv420p") -> tuple[int, int]:
    """The size ``codec`` gets for a ``width`` x ``height`` picture when ``--size`` is ``size``
    (None: unscaled). Odd sides are made even only for an encoder that needs it."""
    if size is not None:
        want_w, want_h = size
        if want_w < 0:
            want_w = _keep_aspect(want_w, want_h, width, height)
        elif want_h < 0:
            want_h = _keep_aspect(want_h, want_w, height, width)
        width, height = want_w, want_h
    if codec not in ODD_SIZES_OK and pix_fmt.endswith(_SUBSAMPLED):
        width, height = max(2, width - width % 2), max(2, height - height % 2)
    return width, height
