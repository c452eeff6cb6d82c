"""Traceable barcode events (source, time on the source's own timeline, pictures with none)
and ``mstg scan`` on folders, globs, videos and the demo: lines, JSON Lines, exit statuses."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
import zxingcpp

from conftest import run_mstg


def code_picture(text: str, width: int = 320, height: int = 240, x: int = 60, y: int = 40,
                 writer: str = "QRCode", scale: int = 4) -> np.ndarray:
    """A white BGR picture with one code (and its quiet zone) at (x, y)."""
    picture = np.full((height, width, 3), 255, np.uint8)
    code = np.asarray(zxingcpp.create_barcode(text, getattr(zxingcpp.BarcodeFormat, writer))
                      .to_image(scale=scale), np.uint8)
    picture[y: y + code.shape[0], x: x + code.shape[1]] = code[..., None]
    return picture


def write_clip(path: Path, pictures: list[np.ndarray], fps: int = 25) -> Path:
    """An H.264 clip of ``pictures``, one frame each."""
    height, width = pictures[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for n, picture in enumerate(pictures):
            frame = av.VideoFrame.from_ndarray(picture, format="bgr24")
            frame.pts, frame.time_base = n, Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def events_of(result) -> list[dict]:
    assert result.returncode == 0, result.stderr.decode()
    return [json.loads(line) for line in result.stdout.decode().splitlines()]


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """A folder: two pictures with codes, one without, one more code in a subfolder, a text file."""
    folder = tmp_path / "mixed"
    (folder / "sub").mkdir(parents=True)
    cv2.imwrite(str(folder / "a.png"), code_picture("first code"))
    cv2.imwrite(str(folder / "b.png"), np.full((120, 160, 3), 200, np.uint8))
    cv2.imwrite(str(folder / "c.png"), code_picture("4006381333931", x=20, writer="EAN13", scale=2))
    cv2.imwrite(str(folder / "sub" / "d.jpg"), code_picture("deep code"))
    (folder / "notes.txt").write_text("not a picture")
    return folder


# traceable events -----------------------------------------------------------------------------
def test_picture_events_name_their_file_and_pictures_with_none_are_reported(mixed: Path) -> None:
    events = events_of(run_mstg("run", "-i", str(mixed / "*.png"), "-t", "barcode:empty=true",
                                "-o", "null", "--events", "-", "-q"))
    assert [(e["type"], Path(e["source"]).name, e.get("rawValue")) for e in events] == [
        ("barcode", "a.png", "first code"), ("barcode-none", "b.png", None),
        ("barcode", "c.png", "4006381333931")]
    assert [e["frame"] for e in events] == [0, 1, 2]


def test_video_events_give_the_time_and_frame_in_the_source_after_start(tmp_path: Path) -> None:
    blank = np.full((240, 320, 3), 255, np.uint8)
    clip = write_clip(tmp_path / "late.mp4", [blank] * 60 + [code_picture("late")] * 40)
    events = events_of(run_mstg("run", "-i", str(clip), "--start", "2", "-t", "barcode", "-o",
                                "null", "--events", "-", "-q"))
    assert len(events) == 1
    event = events[0]
    assert (event["source"], event["rawValue"], event["sighting"]) == (str(clip), "late", "first")
    assert event["frame"] == 10 and event["timestamp"] == 400_000  # the run's own timeline
    assert event["sourceFrame"] == 60 and event["sourceTimestamp"] == 2_400_000


# mstg scan ------------------------------------------------------------------------------------
def test_scan_a_folder_prints_a_line_per_code_and_names_the_empty_pictures(mixed: Path) -> None:
    result = run_mstg("scan", str(mixed), "--empty")
    assert result.returncode == 0, result.stderr.decode()
    rows = [line.split("\t") for line in result.stdout.decode().splitlines()]
    assert [(Path(r[0]).relative_to(mixed).as_posix(), r[1], r[2], r[3]) for r in rows] == [
        ("a.png", "-", "qr_code", "first code"), ("b.png", "-", "none", ""),
        ("c.png", "-", "ean_13", "4006381333931"), ("sub/d.jpg", "-", "qr_code", "deep code")]
    plain = run_mstg("scan", str(mixed))
    assert b"b.png" not in plain.stdout and plain.stdout.count(b"\n") == 3


def test_scan_names_a_broken_picture_once_and_reads_the_others(mixed: Path) -> None:
    (mixed / "broken.jpg").write_bytes(b"not a jpeg at all")
    result = run_mstg("scan", str(mixed))
    assert result.returncode == 0 and result.stdout.count(b"\n") == 3
    warnings = result.stderr.decode().splitlines()
    assert len(warnings) == 1 and warnings[0].startswith(f"warning: skipped {mixed / 'broken.jpg'}: ")
    quiet = run_mstg("scan", str(mixed), "-q")
    assert quiet.returncode == 0 and quiet.stderr == b""


def test_scan_exit_status_says_whether_anything_was_found(mixed: Path) -> None:
    assert run_mstg("scan", str(mixed / "b.png")).returncode == 10
    assert run_mstg("scan", str(mixed / "a.png")).returncode == 0
    enough = run_mstg("scan", str(mixed), "--expect", "3")
    assert enough.returncode == 0 and enough.stdout.count(b"\n") == 3
    short = run_mstg("scan", str(mixed), "--expect", "4")
    assert short.returncode == 10 and short.stdout.count(b"\n") == 3
    missing = run_mstg("scan", str(mixed / "nothing-here.png"))
    assert missing.returncode == 3 and missing.stderr.startswith(b"error: ")
    assert b"Traceback" not in missing.stderr


def test_scan_once_stops_at_the_first_code(mixed: Path) -> None:
    result = run_mstg("scan", str(mixed), "--once", "--json")
    events = events_of(result)
    assert [(Path(e["source"]).name, e["rawValue"]) for e in events] == [("a.png", "first code")]


def test_scan_json_lines_are_the_barcode_events(mixed: Path) -> None:
    events = events_of(run_mstg("scan", str(mixed / "*.png"), "--json", "--formats", "ean_13"))
    assert len(events) == 1
    assert {k: events[0][k] for k in ("type", "format", "rawValue", "sighting")} == {
        "type": "barcode", "format": "ean_13", "rawValue": "4006381333931", "sighting": "first"}
    assert Path(events[0]["source"]).name == "c.png" and len(events[0]["cornerPoints"]) == 4


def test_scan_a_video_gives_source_times_once_per_code(tmp_path: Path) -> None:
    blank = np.full((240, 320, 3), 255, np.uint8)
    pictures = [blank] * 25 + [code_picture("in the clip")] * 25 + [blank] * 10
    clip = write_clip(tmp_path / "clip.mp4", pictures)
    result = run_mstg("scan", str(clip))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().splitlines() == [f"{clip}\t1.000\tqr_code\tin the clip"]


def test_scan_the_demo_once_exits_zero_with_one_line() -> None:
    result = run_mstg("scan", "demo", "--once", "--duration", "5")
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("demo\t0.000\t")


def test_scan_refuses_an_unknown_format_in_one_line() -> None:
    result = run_mstg("scan", "demo", "--formats", "qr")
    assert result.returncode == 2 and b"qr_code" in result.stderr
    assert b"Traceback" not in result.stderr


def transparent(text: str, *, code: int, hidden: int, mode: str = "RGBA") -> "Image.Image":
    """A QR code whose modules are opaque grey ``code`` on a fully transparent background
    whose hidden colour is ``hidden`` (what design tools and generators export)."""
    from PIL import Image

    modules = np.asarray(zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode).to_image(scale=5))
    dark = np.pad(modules, 30, constant_values=255) < 128
    grey = np.where(dark, code, hidden).astype(np.uint8)
    alpha = np.where(dark, 255, 0).astype(np.uint8)
    if mode == "LA":
        return Image.fromarray(np.dstack([grey, alpha]), "LA")
    return Image.fromarray(np.dstack([grey, grey, grey, alpha]), "RGBA")


def test_pictures_with_a_transparent_background_read_as_a_viewer_shows_them(tmp_path: Path) -> None:
    transparent("black on clear", code=0, hidden=0).save(tmp_path / "a.png")  # hidden black
    transparent("grey and alpha", code=0, hidden=0, mode="LA").save(tmp_path / "b.png")
    transparent("lossy webp", code=0, hidden=0).save(tmp_path / "c.webp", quality=90)  # yuva420p
    transparent("for dark pages", code=255, hidden=255).save(tmp_path / "d.png")  # white code
    transparent("gone", code=0, hidden=0).convert("RGB").save(tmp_path / "e.png")  # no alpha: all black
    result = run_mstg("scan", str(tmp_path))
    assert result.returncode == 0, result.stderr.decode()
    rows = sorted(tuple(line.split("\t")[::3]) for line in result.stdout.decode().splitlines())
    assert rows == [(str(tmp_path / "a.png"), "black on clear"), (str(tmp_path / "b.png"), "grey and alpha"),
                    (str(tmp_path / "c.webp"), "lossy webp"), (str(tmp_path / "d.png"), "for dark pages")]


def test_a_transform_s_bgra_pixels_are_read_as_opaque() -> None:
    """Transparency is a file's: BGRA that a transform hands on (its alpha left at 0 here) is
    read from its colours, through the I420 conversion the drawing shares."""
    from mstg.chain import TransformChain
    from mstg.frames import VideoFrame
    from mstg.transforms.barcode import Barcode

    bgra = np.dstack([code_picture("made by a transform"), np.zeros((240, 320), np.uint8)])
    events: list[dict] = []
    chain = TransformChain([Barcode(threads=1)], on_event=events.append)
    out = chain.push(VideoFrame.from_ndarray(bgra, format="bgra", timestamp=0, index=0)) + chain.flush()
    assert [e["rawValue"] for e in events] == ["made by a transform"]
    assert len(out) == 1 and out[0].format == "yuv420p"
