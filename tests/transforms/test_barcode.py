"""The ``barcode`` transform: every web format found where it was pasted, events, highlight, speed
options, the real ZXing test photos, and ``mstg run`` end to end."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import zxingcpp

from conftest import probe, run_mstg
from helpers import push_pictures
from mstg.chain import TransformChain
from mstg.frames import VideoFrame
from mstg.inputs.demo import DEMO_BARCODES, DemoInput
from mstg.tracks import MediaStreamTrackProcessor
from mstg.transforms.barcode import FORMATS, Barcode
from mstg.transforms.registry import load_transform

#: web format, zxing-cpp writer, text written, rawValue expected (the ZXing test-set conventions).
CASES = [
    ("aztec", "Aztec", "mstg aztec", "mstg aztec"),
    ("code_128", "Code128", "MSTG-128", "MSTG-128"),
    ("code_39", "Code39", "MSTG-39", "MSTG-39"),
    ("code_93", "Code93", "MSTG-93", "MSTG-93"),
    ("codabar", "Codabar", "A123456B", "123456"),  # without its start/stop characters
    ("data_matrix", "DataMatrix", "mstg data matrix", "mstg data matrix"),
    ("ean_13", "EAN13", "4006381333931", "4006381333931"),
    ("ean_8", "EAN8", "96385074", "96385074"),
    ("itf", "ITF", "12345678", "12345678"),
    ("pdf417", "PDF417", "mstg pdf417", "mstg pdf417"),
    ("qr_code", "QRCode", "https://example.org/?q=1", "https://example.org/?q=1"),
    ("upc_a", "UPCA", "036000291452", "036000291452"),  # 12 digits, not a 0-prefixed EAN-13
    ("upc_e", "UPCE", "01234565", "01234565"),  # its own 8 digits, not the expanded UPC-A
]
GREY = 100
SET_FORMATS = {"aztec-1": "aztec", "codabar-1": "codabar", "code128-1": "code_128",
               "code39-1": "code_39", "datamatrix-1": "data_matrix", "ean13-1": "ean_13",
               "ean8-1": "ean_8", "itf-1": "itf", "pdf417-1": "pdf417", "qrcode-1": "qr_code",
               "upca-1": "upc_a", "upce-1": "upc_e"}
#: Pictures decoded right per set at the default settings (measured: bench/barcode.py; the
#: misses are blurred or damaged photos that zxing-cpp 3.1 itself does not read).
PHOTO_FLOORS = {"aztec-1": 17, "codabar-1": 11, "code128-1": 7, "code39-1": 4, "datamatrix-1": 21,
                "ean13-1": 32, "ean8-1": 8, "itf-1": 14, "pdf417-1": 14, "qrcode-1": 20,
                "upca-1": 18, "upce-1": 3}


def symbol(writer: str, text: str, scale: int = 3) -> np.ndarray:
    """A grey barcode picture made by zxing-cpp, without quiet zone (its edges are the code's)."""
    made = zxingcpp.create_barcode(text, getattr(zxingcpp.BarcodeFormat, writer))
    return np.asarray(made.to_image(scale=scale, add_quiet_zones=False), dtype=np.uint8)


def paste(picture: np.ndarray, code: np.ndarray, x: int, y: int,
          margin: int = 30) -> tuple[int, int, int, int]:
    """Paste ``code`` with a white quiet zone; returns the code's own box (x0, y0, x1, y1)."""
    padded = np.pad(code, margin, constant_values=255)
    picture[y: y + padded.shape[0], x: x + padded.shape[1]] = padded[..., None]
    return x + margin, y + margin, x + margin + code.shape[1], y + margin + code.shape[0]


def canvas(width: int = 640, height: int = 480) -> np.ndarray:
    return np.full((height, width, 3), GREY, np.uint8)


def run(transform: Barcode, pictures: list[np.ndarray]) -> tuple[list[VideoFrame], list[dict]]:
    """Push BGR pictures through a TransformChain: the frames out and the events."""
    return push_pictures([transform], pictures, {"width": pictures[0].shape[1], "height": pictures[0].shape[0]})


def corners(event: dict) -> list[tuple[int, int]]:
    return [(p["x"], p["y"]) for p in event["cornerPoints"]]


def assert_corners(found: list[tuple[int, int]], box: tuple[int, int, int, int], *, tol: int = 4,
                   bottom_tol: int | None = None) -> None:
    x0, y0, x1, y1 = box
    want = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]  # clockwise from the top-left
    for i, ((fx, fy), (wx, wy)) in enumerate(zip(found, want)):
        ytol = bottom_tol if bottom_tol is not None and i >= 2 else tol
        assert abs(fx - wx) <= tol and abs(fy - wy) <= ytol, (found, want)


def is_outline_green(bgr: np.ndarray) -> bool:
    b, g, r = (int(v) for v in bgr)
    return g > 150 and g - r > 80 and g - b > 80


# every format --------------------------------------------------------------------------------
@pytest.mark.parametrize("web, writer, text, expected", CASES, ids=[c[0] for c in CASES])
def test_every_web_format_is_found_with_its_text_and_corners(web: str, writer: str, text: str,
                                                              expected: str) -> None:
    picture = canvas()
    code = symbol(writer, text)
    box = paste(picture, code, 57, 83)
    _, events = run(Barcode(), [picture])
    assert [(e["format"], e["rawValue"]) for e in events] == [(web, expected)]
    # EAN/UPC guard bars reach below the others; zxing-cpp outlines the shorter bars
    guards = web in ("ean_13", "ean_8", "upc_a", "upc_e")
    assert_corners(corners(events[0]), box, bottom_tol=code.shape[0] // 8 if guards else None)


def test_all_thirteen_web_formats_are_known() -> None:
    assert set(FORMATS) == {c[0] for c in CASES}
    assert Barcode().format_names == tuple(FORMATS)


def test_rotated_codes_have_corners_clockwise_from_the_frame_top_left() -> None:
    picture = canvas()
    qr = np.rot90(symbol("QRCode", "turned", 4))  # the code's own top-left is now bottom-left
    bars = np.rot90(symbol("Code128", "TURNED", 2), k=-1)
    qr_box = paste(picture, qr, 40, 40)
    bar_box = paste(picture, bars, 360, 20)
    _, events = run(Barcode(), [picture])
    by_format = {e["format"]: e for e in events}
    assert by_format["qr_code"]["rawValue"] == "turned"
    assert by_format["code_128"]["rawValue"] == "TURNED"
    assert_corners(corners(by_format["qr_code"]), qr_box)
    assert_corners(corners(by_format["code_128"]), bar_box)


def test_control_characters_are_kept_as_themselves() -> None:
    text = "A\x1dB\r\nline two\n"
    picture = canvas()
    paste(picture, symbol("QRCode", text, 4), 40, 40)
    paste(picture, symbol("DataMatrix", text, 5), 360, 40)
    _, events = run(Barcode(), [picture])
    assert sorted((e["format"], e["rawValue"]) for e in events) == [("data_matrix", text),
                                                                    ("qr_code", text)]


# formats= -----------------------------------------------------------------------------------
def two_codes() -> np.ndarray:
    picture = canvas()
    paste(picture, symbol("QRCode", "the qr", 4), 20, 20)
    paste(picture, symbol("UPCA", "036000291452", 2), 300, 20)
    paste(picture, symbol("EAN13", "4006381333931", 2), 300, 250)
    return picture


@pytest.mark.parametrize("formats, expected", [
    ("qr_code", {("qr_code", "the qr")}),
    ("ean_13,upc_a", {("upc_a", "036000291452"), ("ean_13", "4006381333931")}),
    (" UPC_A ", {("upc_a", "036000291452")}),  # a true EAN-13 is no UPC-A
    ("ean_13", {("ean_13", "0036000291452"), ("ean_13", "4006381333931")}),  # UPC-A is an EAN-13
    ("all", {("qr_code", "the qr"), ("upc_a", "036000291452"), ("ean_13", "4006381333931")}),
    ("data_matrix,aztec", set()),
])
def test_formats_narrows_detection(formats: str, expected: set[tuple[str, str]]) -> None:
    _, events = run(Barcode(formats=formats), [two_codes()])
    assert {(e["format"], e["rawValue"]) for e in events} == expected


def test_unknown_format_is_a_value_error_that_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError) as raised:
        Barcode(formats="qr_code,qr,ean-13")
    message = str(raised.value)
    assert "qr, ean-13" in message
    assert all(name in message for name in FORMATS)


@pytest.mark.parametrize("params", [dict(scale=0.0), dict(scale=1.5), dict(every=0),
                                    dict(absent=0)])
def test_out_of_range_parameters_are_value_errors(params: dict) -> None:
    with pytest.raises(ValueError, match="barcode: "):
        Barcode(**params)


def test_registry_loads_it_by_name() -> None:
    transform = load_transform("barcode")
    assert isinstance(transform, Barcode) and transform.name == "barcode"
    assert transform.kind == "video" and transform.summary


# events -------------------------------------------------------------------------------------
def test_event_has_exactly_the_detected_barcode_shape() -> None:
    picture = canvas()
    box = paste(picture, symbol("QRCode", "shape", 4), 100, 60)
    _, events = run(Barcode(dedupe="off"), [picture, picture])
    assert len(events) == 2
    event = events[1]
    assert list(event) == ["type", "timestamp", "frame", "format", "rawValue", "sighting", "track",
                           "boundingBox", "cornerPoints"]
    assert [(e["sighting"], e["track"]) for e in events] == [("first", 1), ("repeat", 1)]
    assert (event["type"], event["timestamp"], event["frame"]) == ("barcode", 40_000, 1)
    assert isinstance(event["format"], str) and isinstance(event["rawValue"], str)
    assert list(event["boundingBox"]) == ["x", "y", "width", "height"]
    assert all(type(v) is int for v in event["boundingBox"].values())
    assert len(event["cornerPoints"]) == 4
    assert all(list(p) == ["x", "y"] and type(p["x"]) is int and type(p["y"]) is int
               for p in event["cornerPoints"])
    bb = event["boundingBox"]
    xs, ys = [p["x"] for p in event["cornerPoints"]], [p["y"] for p in event["cornerPoints"]]
    assert (bb["x"], bb["y"], bb["x"] + bb["width"], bb["y"] + bb["height"]) == (
        min(xs), min(ys), max(xs), max(ys))
    assert abs(bb["x"] - box[0]) <= 2 and abs(bb["width"] - (box[2] - box[0])) <= 4
    json.dumps(event)  # JSON Lines ready


# highlight ------------------------------------------------------------------------------------
def highlighted(width: int, height: int, x: int = 100, y: int = 120, scale: int = 4,
                **params: object) -> tuple[np.ndarray, dict, np.ndarray]:
    picture = canvas(width, height)
    paste(picture, symbol("QRCode", "hello", scale), x, y)
    before = picture.copy()
    out, events = run(Barcode(**params), [picture])
    return out[0].to_ndarray("bgr24"), events[0], before


def test_highlight_outlines_the_code_and_leaves_the_rest_alone() -> None:
    after, event, before = highlighted(640, 480)
    (x0, y0), (x1, _), (_, y1) = corners(event)[:3]
    for px, py in [((x0 + x1) // 2, y0), (x1, (y0 + y1) // 2), ((x0 + x1) // 2, y1),
                   (x0, (y0 + y1) // 2)]:
        assert is_outline_green(after[py, px]), (px, py, after[py, px])
    assert not is_outline_green(before[y0, (x0 + x1) // 2])
    changed = np.abs(after.astype(int) - before.astype(int)).max(axis=2) > 12
    assert changed[y0 - 30: y0 - 2, x0: x0 + 60].mean() > 0.3, "a label above the code"
    inside = changed[y0 + 8: y1 - 8, x0 + 8: x1 - 8]
    assert not inside.any(), "the code itself is not painted over"
    far = changed.copy()
    far[max(0, y0 - 40): y1 + 10, max(0, x0 - 10): x1 + 200] = False
    assert not far.any(), "nothing changes away from the code and its label"


def test_highlight_grows_with_the_frame_size() -> None:
    def line_width(width: int, height: int, scale: int) -> int:
        after, event, _ = highlighted(width, height, scale=scale)
        (x0, y0), (x1, _) = corners(event)[:2]
        column = after[max(0, y0 - 12): y0 + 12, (x0 + x1) // 2]
        return sum(is_outline_green(px) for px in column)

    small, big = line_width(640, 480, 4), line_width(1920, 1080, 8)
    assert 2 <= small <= 4 and big >= 2 * small


def test_odd_sized_frames_are_highlighted_in_bgr() -> None:
    after, event, _ = highlighted(641, 479)
    (x0, y0), (x1, _) = corners(event)[:2]
    assert after.shape == (479, 641, 3)
    assert is_outline_green(after[y0, (x0 + x1) // 2])


def test_highlight_false_hands_the_frame_on_untouched() -> None:
    picture = canvas()
    paste(picture, symbol("QRCode", "quiet", 4), 100, 100)
    before = picture.copy()
    out, events = run(Barcode(highlight=False), [picture])
    assert len(events) == 1 and out[0].format == "bgr24"
    assert np.array_equal(out[0].to_ndarray("bgr24"), before)


# once, every, scale ---------------------------------------------------------------------------
def test_a_code_is_reported_again_only_after_it_was_absent() -> None:
    seen, empty = canvas(), canvas()
    paste(seen, symbol("QRCode", "once", 4), 100, 100)
    #           0-3 seen, 4-5 gone (< absent), 6-7 seen, 8-10 gone (= absent), 11 seen
    pattern = [seen] * 4 + [empty] * 2 + [seen] * 2 + [empty] * 3 + [seen]
    _, events = run(Barcode(absent=3), pattern)
    assert [(e["frame"], e["sighting"], e["track"]) for e in events] == [(0, "first", 1),
                                                                         (11, "first", 2)]
    _, once = run(Barcode(dedupe="once", absent=3), pattern)
    assert [e["frame"] for e in once] == [0]
    _, every_frame = run(Barcode(dedupe="off"), pattern)
    assert [e["frame"] for e in every_frame] == [0, 1, 2, 3, 6, 7, 11]


def test_once_tells_codes_apart_by_format_and_value() -> None:
    one, two = canvas(), canvas()
    paste(one, symbol("QRCode", "first", 4), 100, 100)
    paste(two, symbol("QRCode", "first", 4), 100, 100)
    paste(two, symbol("QRCode", "second", 4), 350, 100)
    _, events = run(Barcode(), [one, one, two, two, one])
    assert [(e["frame"], e["rawValue"]) for e in events] == [(0, "first"), (2, "second")]


def test_every_detects_on_every_nth_frame_and_draws_the_held_result_between() -> None:
    picture = canvas()
    paste(picture, symbol("QRCode", "held", 4), 100, 100)
    out, events = run(Barcode(every=3, dedupe="off"), [picture.copy() for _ in range(7)])
    assert [e["frame"] for e in events] == [0, 3, 6]
    (x0, y0), (x1, _) = corners(events[0])[:2]
    for frame in out:
        assert is_outline_green(frame.to_ndarray("bgr24")[y0, (x0 + x1) // 2])


def test_scale_detects_downscaled_and_reports_full_resolution_coordinates() -> None:
    picture = canvas(1280, 720)
    box = paste(picture, symbol("QRCode", "far away", 8), 700, 300)
    for params in (dict(scale=0.5), dict(scale=0.5, every=2)):
        _, events = run(Barcode(**params), [picture])
        assert [e["rawValue"] for e in events] == ["far away"]
        assert_corners(corners(events[0]), box, tol=4)


def test_decoded_yuv_frames_are_read_from_the_luma_plane_and_drawn_in_i420() -> None:
    picture = canvas()
    paste(picture, symbol("DataMatrix", "from video", 5), 200, 150)
    av_frame = VideoFrame.from_ndarray(picture, format="bgr24", timestamp=0).to_av("yuv420p")
    frame = VideoFrame.from_av(av_frame, timestamp=0, index=0)
    events: list[dict] = []
    chain = TransformChain([Barcode()], on_event=events.append)
    out = chain.push(frame) + chain.flush()  # a file's frame may come out at the end (read ahead)
    assert [e["rawValue"] for e in events] == ["from video"]
    assert out[0].format == "yuv420p"
    (x0, y0), (x1, _) = corners(events[0])[:2]
    assert is_outline_green(out[0].to_ndarray("bgr24")[y0, (x0 + x1) // 2])


def test_every_demo_code_is_read_from_a_full_hd_demo_frame() -> None:
    demo = DemoInput(width=1920, height=1080, duration=1 / 30, audio=False)
    processor = MediaStreamTrackProcessor(demo.video)
    demo.start()
    frames = list(processor.readable)
    events: list[dict] = []
    chain = TransformChain([Barcode()], on_event=events.append)
    chain.push(frames[0])
    chain.flush()
    assert {(e["format"], e["rawValue"]) for e in events} == {c[:2] for c in DEMO_BARCODES}


# real photos ----------------------------------------------------------------------------------
def read_expected(path: Path, kind: str) -> str:
    with open(path, encoding="latin-1" if kind == "binary" else "utf-8", newline="") as f:
        return f.read()


@pytest.mark.slow
def test_zxing_test_photos_decode_at_the_measured_rate(testdata: Path) -> None:
    root = testdata / "barcodes"
    decoded: dict[str, int] = {}
    false_positives: list[tuple[str, dict]] = []
    with open(root / "INDEX.tsv", encoding="utf-8") as index:
        rows = list(csv.DictReader(index, delimiter="\t"))
    for row in rows:
        picture = cv2.imread(str(root / row["set"] / row["image"]), cv2.IMREAD_COLOR)
        _, events = run(Barcode(), [picture])
        if row["set"] == "falsepositives":
            false_positives += [(row["image"], e) for e in events]
            continue
        expected = read_expected(root / row["set"] / row["expected_file"], row["expected_kind"])
        hit = any(e["format"] == SET_FORMATS[row["set"]] and e["rawValue"] == expected
                  for e in events)
        decoded[row["set"]] = decoded.get(row["set"], 0) + hit
    assert not false_positives
    assert {s: decoded[s] >= floor for s, floor in PHOTO_FLOORS.items()} == {
        s: True for s in PHOTO_FLOORS}, decoded


def test_image_sequence_of_odd_sized_pictures_through_mstg_run(testdata: Path) -> None:
    folder = testdata / "barcodes" / "itf-1"
    pictures = sorted(folder.glob("*.png"), key=lambda p: int(p.stem) if p.stem.isdigit() else 0)
    result = run_mstg("run", "-i", str(folder / "*.png"), "-t", "barcode", "-o", "null",
                      "--events", "-", "-q")
    assert result.returncode == 0, result.stderr.decode()
    events = [json.loads(line) for line in result.stdout.decode().splitlines()]
    by_frame = {e["frame"]: e["rawValue"] for e in events}
    expected = {n: p.with_suffix(".txt").read_text() for n, p in enumerate(pictures)}
    assert by_frame == expected


# command line ---------------------------------------------------------------------------------
def legible_demo_codes() -> set[tuple[str, str]]:
    """What zxing-cpp itself reads in the first 720p demo picture (the demo shrinks its codes)."""
    demo = DemoInput(duration=1 / 30, audio=False)
    processor = MediaStreamTrackProcessor(demo.video)
    demo.start()
    grey = list(processor.readable)[0].to_ndarray("gray")
    names = {"QRCode": "qr_code", "EAN13": "ean_13", "Code128": "code_128",
             "DataMatrix": "data_matrix", "PDF417": "pdf417", "Aztec": "aztec"}
    return {(names[r.format.name], r.text) for r in zxingcpp.read_barcodes(grey)}


def test_mstg_run_demo_writes_the_scans_as_json_lines(tmp_path: Path) -> None:
    out, scans = tmp_path / "out.mp4", tmp_path / "scans.jsonl"
    result = run_mstg("run", "-i", "demo", "--duration", "1", "-t", "barcode:dedupe=off", "-o",
                      str(out), "--events", str(scans), "-y")
    assert result.returncode == 0, result.stderr.decode()
    events = [json.loads(line) for line in scans.read_text(encoding="utf-8").splitlines()]
    found = {(e["format"], e["rawValue"]) for e in events}
    assert legible_demo_codes() <= found <= {c[:2] for c in DEMO_BARCODES}
    assert all(e["type"] == "barcode" for e in events)
    stamps = [e["timestamp"] for e in events]
    assert stamps == sorted(stamps) and len(set(stamps)) == 30
    by_frame = {e["frame"]: e["timestamp"] for e in events}
    assert sorted(by_frame.values()) == [by_frame[n] for n in sorted(by_frame)]
    # the first frame of the video shows the outline where its events say
    first = probe(out)["video"][0][1].to_ndarray(format="bgr24")
    for event in (e for e in events if e["frame"] == 0):
        (x0, y0), (x1, _) = corners(event)[:2]
        assert is_outline_green(first[y0, (x0 + x1) // 2]), event["format"]


def test_mstg_run_events_dash_prints_json_lines_on_stdout() -> None:
    result = run_mstg("run", "-i", "demo", "--duration", "0.2", "-t", "barcode:dedupe=off", "-o",
                      "null", "--events", "-", "-q")
    assert result.returncode == 0, result.stderr.decode()
    events = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert {e["frame"] for e in events} == set(range(6))
    assert {(e["format"], e["rawValue"]) for e in events} <= {c[:2] for c in DEMO_BARCODES}


def test_mstg_run_parameters_narrow_and_report_once() -> None:
    result = run_mstg("run", "-i", "demo", "--duration", "0.5", "-t",
                      "barcode:formats=qr_code,ean_13", "-o", "null", "--events", "-",
                      "-q")
    assert result.returncode == 0, result.stderr.decode()
    events = [json.loads(line) for line in result.stdout.decode().splitlines()]
    demo = dict(c[:2] for c in DEMO_BARCODES)
    assert sorted((e["frame"], e["format"], e["rawValue"]) for e in events) == [
        (0, "ean_13", demo["ean_13"]), (0, "qr_code", demo["qr_code"])]


def test_mstg_run_unknown_format_is_a_usage_error_naming_the_valid_ones() -> None:
    result = run_mstg("run", "-i", "demo", "--duration", "0.1", "-t", "barcode:formats=qr",
                      "-o", "null")
    assert result.returncode == 2
    assert b"qr_code" in result.stderr and b"Traceback" not in result.stderr
