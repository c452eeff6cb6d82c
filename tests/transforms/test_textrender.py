"""Text with accents and CJK characters: the ``text`` transform and the renderer it shares with
the barcode labels, checked by pixels against a reference drawn with Pillow from the fonts
fontconfig names for each character."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from mstg.chain import TransformChain
from mstg.frames import VideoFrame
from mstg.transforms.overlay import Text
from mstg.transforms.textrender import render, runs

TEXT = "Grüße 日本"


def font_for(char: str) -> str:
    """The file fontconfig picks for one character (the reference's own lookup)."""
    return subprocess.run(["fc-match", "-f", "%{file}", f"sans-serif:charset={ord(char):x}"],
                          capture_output=True, text=True, check=True).stdout


def has_cjk_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    listing = subprocess.run(["fc-list", ":charset=65e5"], capture_output=True, text=True).stdout
    return bool(listing.strip())


needs_cjk = pytest.mark.skipif(not has_cjk_font(), reason="no CJK font (apt-get install fonts-noto-cjk)")


def reference(text: str, size: int) -> np.ndarray:
    """Runs of characters that fontconfig gives the same font, each drawn with that font, on
    one baseline, as a mask (a space goes with the run before it)."""
    pieces: list[list] = []
    for char in text:
        path = pieces[-1][1] if char == " " and pieces else font_for(char)
        if pieces and pieces[-1][1] == path:
            pieces[-1][0] += char
        else:
            pieces.append([char, path])
    fonts = [(run, ImageFont.truetype(path, size)) for run, path in pieces]
    ascent = max(f.getmetrics()[0] for _, f in fonts)
    descent = max(f.getmetrics()[1] for _, f in fonts)
    width = sum(f.getlength(run) for run, f in fonts)
    canvas = Image.new("L", (int(width) + 2, ascent + descent))
    draw, x = ImageDraw.Draw(canvas), 1.0
    for run, font in fonts:
        draw.text((x, ascent), run, font=font, fill=255, anchor="ls")
        x += font.getlength(run)
    return np.asarray(canvas)


def ink(mask: np.ndarray) -> np.ndarray:
    """The mask cropped to its ink."""
    rows, cols = np.nonzero(mask > 64)
    return mask[rows.min(): rows.max() + 1, cols.min(): cols.max() + 1]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Share of ink pixels the two masks agree on (cropped to their ink, same size needed)."""
    a, b = ink(a) > 96, ink(b) > 96
    assert abs(a.shape[0] - b.shape[0]) <= 1 and abs(a.shape[1] - b.shape[1]) <= 2, (a.shape, b.shape)
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    a, b = a[:h, :w], b[:h, :w]
    return float((a & b).sum() / max(1, (a | b).sum()))


@needs_cjk
def test_accents_and_cjk_render_like_the_reference() -> None:
    mask = render(TEXT, 40)
    assert similarity(mask, reference(TEXT, 40)) > 0.9
    fonts = {path for _, path, _ in runs(TEXT)}
    assert len(fonts) == 2  # a Latin font and a CJK one
    latin = ImageFont.truetype(font_for("G"), 40)
    canvas = Image.new("L", (200, 60))
    ImageDraw.Draw(canvas).text((1, 45), "日本", font=latin, fill=255, anchor="ls")
    tofu = np.asarray(canvas)
    assert similarity(render("日本", 40), reference("日本", 40)) > 0.9
    assert ink(render("日本", 40)).shape != ink(tofu).shape  # not the Latin font's empty boxes


def test_accented_latin_renders_like_the_reference() -> None:
    if shutil.which("fc-match") is None:
        pytest.skip("no fontconfig")
    assert similarity(render("Grüße façade", 32), reference("Grüße façade", 32)) > 0.9
    question = render("Gr??e", 32)
    assert not np.array_equal(ink(render("Grüße", 32)) > 96, ink(question) > 96)


@needs_cjk
def test_the_text_transform_draws_the_rendered_text_on_the_picture() -> None:
    black = np.zeros((240, 480, 3), np.uint8)
    frame = VideoFrame.from_ndarray(black, format="bgr24", timestamp=0, index=0)
    chain = TransformChain([Text(text=TEXT, size=40, x=20, y=30, box=False, color="white")])
    [out] = chain.push(frame)
    grey = out.to_ndarray("bgr24").max(axis=2)
    assert similarity(grey, reference(TEXT, 40)) > 0.85  # through I420 and back
    rows, cols = np.nonzero(grey > 64)
    assert rows.min() >= 30 and cols.min() >= 20  # where it was put, nothing elsewhere
