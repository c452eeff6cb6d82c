"""The barcode scanner on video: confirmation against misreads, tracks that follow a moving
code (drawn beside it), de-duplication, a region of interest, ``once`` ending the run, labels
that neither overlap nor leave the picture, and photo mode's retry ladder."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from conftest import probe, run_mstg
from helpers import push_pictures
from mstg.chain import TransformChain
from mstg.frames import VideoFrame
from mstg.inputs.demo import DEMO_BARCODES
from mstg.transforms.barcode import Barcode
from mstg.transforms.barcode_draw import Painter, label_text
from mstg.transforms.barcode_formats import Detection
from test_barcode import SET_FORMATS, read_expected
from test_barcode_scan import code_picture, write_clip


def run(transform: Barcode, pictures: list[np.ndarray]) -> tuple[list[VideoFrame], list[dict]]:
    return push_pictures([transform], pictures)


def test_confirmation_leaves_out_a_one_frame_misread() -> None:
    good, corrupted = code_picture("good read"), code_picture("g00d read")
    pictures = [good] * 5 + [corrupted] + [good] * 5
    _, unconfirmed = run(Barcode(dedupe="off"), pictures)
    assert ("g00d read", 5) in {(e["rawValue"], e["frame"]) for e in unconfirmed}  # it is read
    _, events = run(Barcode(confirm="2/3"), pictures)
    assert [(e["rawValue"], e["frame"], e["sighting"]) for e in events] == [("good read", 1, "first")]


def test_confirmation_through_mstg_run_on_a_clip_with_a_corrupted_frame(tmp_path: Path) -> None:
    good, corrupted = code_picture("good read"), code_picture("g00d read")
    clip = write_clip(tmp_path / "glitch.mp4", [good] * 10 + [corrupted] + [good] * 10)
    result = run_mstg("run", "-i", str(clip), "-t", "barcode:confirm=2/3,dedupe=off", "-o", "null",
                      "--events", "-", "-q")
    assert result.returncode == 0, result.stderr.decode()
    events = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert {e["rawValue"] for e in events} == {"good read"}
    assert [e["frame"] for e in events] == list(range(1, 10)) + list(range(11, 21))


def test_a_moving_code_keeps_its_track_and_two_equal_codes_get_two() -> None:
    moving = [code_picture("mover", width=640, x=20 + 30 * n) for n in range(10)]
    _, events = run(Barcode(dedupe="off"), moving)
    assert len(events) == 10 and {e["track"] for e in events} == {1}
    assert [e["sighting"] for e in events] == ["first"] + ["repeat"] * 9
    twins = code_picture("twin", width=640, x=20)
    twins[:, 340:] = code_picture("twin", width=640, x=360)[:, 340:]
    _, events = run(Barcode(dedupe="off"), [twins] * 3)
    tracks = {(e["frame"], e["boundingBox"]["x"] < 320): e["track"] for e in events}
    assert tracks == {(n, left): 1 if left else 2 for n in range(3) for left in (True, False)}


def test_dedupe_window_repeats_a_code_in_view_every_so_many_seconds() -> None:
    _, events = run(Barcode(dedupe="0.2"), [code_picture("window")] * 12)  # 40 ms apart
    assert [(e["frame"], e["sighting"]) for e in events] == [
        (0, "first"), (5, "repeat"), (10, "repeat")]


def test_roi_searches_only_there_and_reports_frame_coordinates() -> None:
    picture = code_picture("left", width=640, x=20)
    picture[:, 340:] = code_picture("right", width=640, x=380)[:, 340:]
    _, events = run(Barcode(roi="0.5,0,0.5,1"), [picture])
    assert [e["rawValue"] for e in events] == ["right"]
    assert events[0]["boundingBox"]["x"] == pytest.approx(380 + 4 * 4, abs=4)  # past the quiet zone
    _, pixels = run(Barcode(roi="0,0,320,240"), [picture])
    assert [e["rawValue"] for e in pixels] == ["left"]


def test_once_ends_the_run_after_the_first_confirmed_code(tmp_path: Path) -> None:
    blank = np.full((240, 320, 3), 255, np.uint8)
    clip = write_clip(tmp_path / "wait.mp4", [blank] * 20 + [code_picture("stop here")] * 180)
    out = tmp_path / "out.mp4"
    result = run_mstg("run", "-i", str(clip), "-t", "barcode:once=true,confirm=2", "-o", str(out),
                      "--events", "-", "-q")
    assert result.returncode == 0, result.stderr.decode()
    events = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [(e["rawValue"], e["frame"]) for e in events] == [("stop here", 21)]
    assert 22 <= len(probe(out)["video"]) < 200


def test_the_demo_gives_one_first_sighting_event_per_code() -> None:
    result = run_mstg("run", "-i", "demo", "--size", "1920x1080", "--duration", "2", "-t", "barcode",
                      "-o", "null", "--events", "-", "-q")
    assert result.returncode == 0, result.stderr.decode()
    events = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert sorted((e["format"], e["rawValue"]) for e in events) == sorted(
        c[:2] for c in DEMO_BARCODES)
    assert {e["sighting"] for e in events} == {"first"} and {e["source"] for e in events} == {"demo"}


# drawing ------------------------------------------------------------------------------------
def boxes_overlap(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_labels_of_neighbouring_codes_neither_overlap_nor_leave_the_picture() -> None:
    def code(x: int, y: int, size: int, value: str, track: int) -> Detection:
        return Detection("qr_code", value, ((x, y), (x + size, y), (x + size, y + size), (x, y + size)),
                         track)

    width, height = 640, 360
    found = [code(100, 200, 100, "the lower code", 1), code(110, 90, 80, "the upper code", 2),
             code(560, 5, 70, "in the corner, with a long value", 3), code(0, 300, 60, "low", 4)]
    labels = Painter.labels(found, width, height, *Painter.sizes(width, height)[1:])
    boxes = [box for _, box, _ in labels]
    for n, box in enumerate(boxes):
        assert 0 <= box[0] < box[2] <= width and 0 <= box[1] < box[3] <= height, box
        assert not any(boxes_overlap(box, other) for other in boxes[n + 1:]), boxes
    assert [text.split(" ")[0] for text, _, _ in labels] == ["#1", "#2", "#3", "#4"]
    assert label_text(found[0]) == "#1 qr_code: the lower code"


def test_the_track_id_is_drawn_in_the_label_beside_the_outline() -> None:
    picture = code_picture("labelled", width=640, height=360, x=200, y=120)
    with_track, events = run(Barcode(), [picture])
    box = events[0]["boundingBox"]
    drawn = with_track[0].to_ndarray("bgr24")
    corners = tuple((p["x"], p["y"]) for p in events[0]["cornerPoints"])
    [(text, (x0, y0, x1, y1), _)] = Painter.labels([Detection("qr_code", "labelled", corners, 1)],
                                                   640, 360, *Painter.sizes(640, 360)[1:])
    assert text == "#1 qr_code: labelled" and y1 <= box["y"] and y1 >= box["y"] - 4  # just above
    label = drawn[y0:y1, x0:x1].max(axis=2)
    assert (label < 60).mean() > 0.5 and (label > 200).any()  # a dark box with light text in it
    assert (drawn[y0:y1, x1 + 2: x1 + 40] > 200).all()  # and nothing past it
    wide = Painter.labels([Detection("qr_code", "labelled", ((0, 0),) * 4, 12)], 640, 360,
                          *Painter.sizes(640, 360)[1:])[0][1]
    plain = Painter.labels([Detection("qr_code", "labelled", ((0, 0),) * 4)], 640, 360,
                           *Painter.sizes(640, 360)[1:])[0][1]
    assert wide[2] - wide[0] > plain[2] - plain[0]  # "#12 " is part of what is drawn


# photo mode ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_photo_mode_reads_at_least_172_of_176_shared_photos_and_no_false_positive(
        testdata: Path) -> None:
    root = testdata / "barcodes"
    with open(root / "INDEX.tsv", encoding="utf-8") as index:
        rows = list(csv.DictReader(index, delimiter="\t"))
    decoded, false_positives, pictures = 0, [], 0
    for row in rows:
        frame = _picture_frame(root / row["set"] / row["image"])
        events: list[dict] = []
        TransformChain([Barcode(highlight=False)], on_event=events.append).push(frame)
        if row["set"] == "falsepositives":
            false_positives += events
            continue
        pictures += 1
        expected = read_expected(root / row["set"] / row["expected_file"], row["expected_kind"])
        decoded += any(e["format"] == SET_FORMATS[row["set"]] and e["rawValue"] == expected
                       for e in events)
    assert pictures == 176 and not false_positives
    assert decoded >= 172


def _picture_frame(path: Path) -> VideoFrame:
    from mstg.inputs.images import read_picture

    return read_picture(str(path))


def test_photo_mode_rescues_a_low_contrast_picture_the_plain_read_misses() -> None:
    picture = code_picture("faint", width=400, height=300, x=80, y=50)
    faint = (picture.astype(np.float32) * 0.05 + 120).astype(np.uint8)  # 12 grey levels apart
    noise = np.random.default_rng(7).normal(0, 1.2, faint.shape)
    faint = np.clip(faint + noise, 0, 255).astype(np.uint8)
    gradient = np.linspace(-40, 40, 400)[None, :, None]
    faint = np.clip(faint + gradient, 0, 255).astype(np.uint8)
    _, plain = run(Barcode(photo="off"), [faint])
    _, photo = run(Barcode(photo="on"), [faint])
    assert [e["rawValue"] for e in photo] == ["faint"]
    assert plain == [] or plain[0]["rawValue"] == "faint"
