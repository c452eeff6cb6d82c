"""Text as an alpha mask, with real fonts and all of Unicode: what the ``text`` transform and the
barcode labels draw.

Glyphs come from the system's fonts through fontconfig (``fc-match -s sans-serif``: the sorted
fallback list with each font's coverage), each character from the first font that has it, so
``Grüße 日本`` takes its Latin letters from the sans-serif font and its CJK ones from a CJK font
(``fonts-noto-cjk``). Without fontconfig, or for characters no system font has, Pillow's
bundled font is used (Aileron, SIL Open Font License: Latin and accents). Rendering is
FreeType's, through Pillow (a well-kept, light dependency that ships FreeType in its wheels).

>>> mask = render("Grüße", 24)
>>> mask.dtype, mask.shape[0] >= 24, int(mask.max())
(dtype('uint8'), True, 255)
"""

from __future__ import annotations

import bisect
import functools
import logging
import shutil
import subprocess
import threading

import numpy as np

log = logging.getLogger(__name__)

#: How many fonts of fontconfig's sorted list are considered.
MAX_FONTS = 40
_lock = threading.Lock()


@functools.lru_cache(maxsize=4)
def system_fonts(family: str = "sans-serif") -> tuple[tuple[str, int, tuple[int, ...]], ...]:
    """``(path, face index, coverage)`` of fontconfig's fonts for ``family``, best first;
    coverage is a flat tuple of inclusive (first, last) code point pairs. Empty without fontconfig."""
    exe = shutil.which("fc-match")
    if exe is None:
        return ()
    try:
        listing = subprocess.run([exe, "-s", "-f", "%{file}\t%{index}\t%{charset}\n", family],
                                 capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("fontconfig could not list fonts (%s): using the bundled font", exc)
        return ()
    fonts = []
    for line in listing.splitlines()[:MAX_FONTS]:
        path, _, rest = line.partition("\t")
        index, _, charset = rest.partition("\t")
        bounds: list[int] = []
        for item in charset.split():
            first, _, last = item.partition("-")
            bounds += [int(first, 16), int(last or first, 16)]
        if path.lower().endswith((".ttf", ".otf", ".ttc", ".otc")) and bounds:
            fonts.append((path, int(index or 0), tuple(bounds)))
    return tuple(fonts)


def _covers(bounds: tuple[int, ...], code: int) -> bool:
    i = bisect.bisect_right(bounds, code)
    return i % 2 == 1 or (i > 0 and bounds[i - 1] == code)


@functools.lru_cache(maxsize=64)
def _font(path: str | None, index: int, size: int):  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size, index=index)


def _face_of(char: str, family: str) -> tuple[str | None, int]:
    code = ord(char)
    for path, index, bounds in system_fonts(family):
        if _covers(bounds, code):
            return path, index
    return None, 0


def runs(text: str, family: str = "sans-serif") -> list[tuple[str, str | None, int]]:
    """``text`` split into ``(run, font path or None for the bundled font, face index)``."""
    out: list[tuple[str, str | None, int]] = []
    for char in text:  # a space goes with the run before it
        face = (out[-1][1], out[-1][2]) if char == " " and out else _face_of(char, family)
        if out and (out[-1][1], out[-1][2]) == face:
            out[-1] = (out[-1][0] + char, *face)
        else:
            out.append((char, *face))
    return out


@functools.lru_cache(maxsize=512)
def render(text: str, size: int, family: str = "sans-serif") -> np.ndarray:
    """``text`` drawn white on black at ``size`` pixels per em: an (height, width) uint8 mask
    whose rows span the fonts' ascent and descent. Control characters become spaces."""
    from PIL import Image, ImageDraw

    text = "".join(c if c.isprintable() else " " for c in text) or " "
    with _lock:  # the fonts are shared: one thread draws at a time (each text once: cached)
        pieces = [(run, _font(path, index, max(1, size))) for run, path, index in runs(text, family)]
        ascent = max(font.getmetrics()[0] for _, font in pieces)
        descent = max(font.getmetrics()[1] for _, font in pieces)
        width = sum(font.getlength(run) for run, font in pieces)
        canvas = Image.new("L", (max(1, int(np.ceil(width)) + 2), ascent + descent))
        draw = ImageDraw.Draw(canvas)
        x = 1.0
        for run, font in pieces:
            draw.text((x, ascent), run, font=font, fill=255, anchor="ls")
            x += font.getlength(run)
    mask = np.asarray(canvas, np.uint8)
    mask.flags.writeable = False  # shared by the cache
    return mask
