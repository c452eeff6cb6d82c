"""Structured append: QR sequences (made with segno) and Aztec sequences (made with zint)
split over pictures or video frames are joined into one ``barcode-sequence`` event, in any
order, only when every part is there and (QR) the parity agrees; on photo-like pictures
(turned, in perspective, blurred) too."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
import segno
import zxingcpp

from conftest import run_mstg
from helpers import push_pictures
from mstg.transforms.barcode import Barcode
from mstg.transforms.barcode_read import Parts
from mstg.transforms.barcode_sequence import Joiner, SequencePart, qr_part
from test_barcode_scan import code_picture, write_clip

TEXT = ("Structured append: one message in three symbols. Grüße aus 日本! "
        "0123456789 the quick brown fox jumps over the lazy dog.")
OTHER = "A second sequence, read between the parts of the first one: 42 apples, 17 pears."


def sequence_pictures(text: str, count: int = 3, module: int = 5, size: int = 320) -> list[np.ndarray]:
    """One white BGR picture per symbol of ``text`` split into ``count`` QR codes."""
    pictures = []
    for symbol in segno.make_sequence(text, symbol_count=count):
        dark = np.array(symbol.matrix, bool)
        code = np.where(np.kron(dark, np.ones((module, module), bool)), 0, 255).astype(np.uint8)
        picture = np.full((size, size), 255, np.uint8)
        top = (size - code.shape[0]) // 2
        picture[top: top + code.shape[0], top: top + code.shape[1]] = code
        pictures.append(cv2.cvtColor(picture, cv2.COLOR_GRAY2BGR))
    assert len(pictures) == count
    return pictures


def photo_like(picture: np.ndarray, seed: int) -> np.ndarray:
    """``picture`` turned, in perspective on a grey noisy background, slightly blurred."""
    rng = random.Random(seed)
    h, w = picture.shape[:2]
    grey = cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY).astype(np.float32) * 0.6 + 60  # dim print
    out_size = (480, 400)
    src = np.float32([(0, 0), (w, 0), (w, h), (0, h)])
    angle = np.radians(rng.uniform(15, 35))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dst = (src - (w / 2, h / 2)) @ rot.T * 0.9 + (out_size[0] / 2, out_size[1] / 2)
    dst[1] += (rng.uniform(-25, 25), rng.uniform(10, 25))  # keystone: one corner pulled
    dst[2] += (rng.uniform(-25, 0), rng.uniform(-20, 0))
    warp = cv2.getPerspectiveTransform(src, np.float32(dst))
    photo = cv2.warpPerspective(grey, warp, out_size, borderValue=110)
    photo = cv2.GaussianBlur(photo, (0, 0), 1.1)
    photo += np.random.default_rng(seed).normal(0, 4, photo.shape)
    return cv2.cvtColor(np.clip(photo, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)


def write_folder(folder: Path, pictures: dict[str, np.ndarray]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, picture in pictures.items():
        cv2.imwrite(str(folder / name), picture)
    return folder


def run_events(*args: str) -> list[dict]:
    result = run_mstg("run", *args, "-t", "barcode", "-o", "null", "--events", "-")
    assert result.returncode == 0, result.stderr.decode()
    return [json.loads(line) for line in result.stdout.decode().splitlines()]


def joined(events: list[dict]) -> list[dict]:
    return [e for e in events if e["type"] == "barcode-sequence"]


def test_parts_in_shuffled_pictures_are_joined_into_one_event(tmp_path: Path) -> None:
    parts = sequence_pictures(TEXT)
    folder = write_folder(tmp_path / "shots", {"1.png": parts[2], "2.png": code_picture("plain"),
                                               "3.png": parts[0], "4.png": parts[1]})
    events = run_events("-i", str(folder / "*.png"))
    codes = [e for e in events if e["type"] == "barcode"]
    assert [e["rawValue"] for e in codes][1] == "plain" and "sequence" not in codes[1]
    seq = [e["sequence"] for e in codes if "sequence" in e]
    assert [s["index"] for s in seq] == [2, 0, 1] and {s["count"] for s in seq} == {3}
    assert len({s["id"] for s in seq}) == 1
    assert "".join(e["rawValue"] for e in sorted(codes, key=lambda e: e.get("sequence", {})
                                                 .get("index", -1))[1:]) == TEXT
    whole = joined(events)
    assert len(whole) == 1 and whole[0]["rawValue"] == TEXT and whole[0]["format"] == "qr_code"
    assert whole[0]["sequence"] == {"count": 3, "id": seq[0]["id"]}
    assert Path(whole[0]["source"]).name == "4.png"  # the picture that completed it
    assert [(p["index"], Path(p["source"]).name) for p in whole[0]["parts"]] == [
        (0, "3.png"), (1, "4.png"), (2, "1.png")]


def test_a_missing_part_gives_no_joined_event_and_repeats_give_one(tmp_path: Path) -> None:
    parts = sequence_pictures(TEXT)
    missing = write_folder(tmp_path / "missing", {"a.png": parts[0], "b.png": parts[2],
                                                  "c.png": parts[0]})
    events = run_events("-i", str(missing / "*.png"))
    assert len([e for e in events if "sequence" in e]) == 3 and joined(events) == []
    repeated = write_folder(tmp_path / "repeated", {f"{n}.png": parts[i] for n, i in
                                                    enumerate([1, 0, 1, 2, 2, 0, 1])})
    assert [e["rawValue"] for e in joined(run_events("-i", str(repeated / "*.png")))] == [TEXT]


def test_two_interleaved_sequences_are_joined_apart(tmp_path: Path) -> None:
    first, second = sequence_pictures(TEXT), sequence_pictures(OTHER, count=2)
    order = [first[1], second[1], first[0], second[0], first[2]]
    folder = write_folder(tmp_path / "two", {f"{n:02d}.png": p for n, p in enumerate(order)})
    whole = joined(run_events("-i", str(folder / "*.png")))
    assert [(e["rawValue"], e["sequence"]["count"]) for e in whole] == [(OTHER, 2), (TEXT, 3)]
    assert [Path(e["source"]).name for e in whole] == ["03.png", "04.png"]


def test_a_video_showing_the_parts_one_after_another_gives_one_joined_event(tmp_path: Path) -> None:
    blank = np.full((320, 320, 3), 255, np.uint8)
    parts = sequence_pictures(TEXT)
    pictures = [blank] * 5
    for part in (parts[1], parts[2], parts[0]):
        pictures += [part] * 10 + [blank] * 5
    clip = write_clip(tmp_path / "parts.mp4", pictures)
    events = run_events("-i", str(clip))
    assert len([e for e in events if e["type"] == "barcode"]) == 3
    whole = joined(events)
    assert len(whole) == 1 and whole[0]["rawValue"] == TEXT
    assert whole[0]["frame"] == 35 and [p["frame"] for p in whole[0]["parts"]] == [35, 5, 20]
    scanned = run_mstg("scan", str(clip))
    assert scanned.returncode == 0, scanned.stderr.decode()
    lines = scanned.stdout.decode().splitlines()
    assert len(lines) == 4 and lines[-1] == f"{clip}\t1.400\tqr_code-sequence\t{TEXT}"


def test_photo_like_parts_are_sampled_and_joined(tmp_path: Path) -> None:
    photos = [photo_like(p, seed) for seed, p in enumerate(sequence_pictures(TEXT, module=6))]
    for index, photo in enumerate(photos):  # the header read from each turned, blurred part
        grey = cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY)
        results = zxingcpp.read_barcodes(grey)
        assert len(results) == 1 and results[0].extra["Version"] != "1"
        part = qr_part(grey, results[0])
        assert part is not None and (part.index, part.count) == (index, 3)
    folder = write_folder(tmp_path / "photos", {"x.jpg": photos[2], "y.jpg": photos[0],
                                                "z.jpg": photos[1]})
    result = run_mstg("scan", str(folder))
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().splitlines()
    assert lines[-1] == f"{folder / 'z.jpg'}\t-\tqr_code-sequence\t{TEXT}" and len(lines) == 4


def test_a_wrong_parity_is_never_joined_and_joining_can_be_turned_off() -> None:
    joiner = Joiner()
    assert joiner.add(SequencePart(0, 2, 7, b"ab", "ab")) is None
    assert joiner.add(SequencePart(1, 2, 7, b"cd", "cd")) is None  # XOR of "abcd" is 4, not 7
    assert joiner.add(SequencePart(1, 2, 4, b"cd", "cd")) is None
    assert [p.text for p, _ in joiner.add(SequencePart(0, 2, 4, b"ab", "ab"))] == ["ab", "cd"]
    parts = sequence_pictures(OTHER, count=2)
    _, events = push_pictures([Barcode(sequences=False)], parts)
    assert [e["type"] for e in events] == ["barcode", "barcode"]
    assert not any("sequence" in e for e in events)
    _, events = push_pictures([Barcode(formats="qr_code")], parts)
    assert [e["type"] for e in events] == ["barcode", "barcode", "barcode-sequence"]


def zint_aztec(path: Path, text: str, index: int, count: int, ident: str = "",
               scale: int = 2) -> np.ndarray:
    """An Aztec code made by zint (structured append ``index`` of ``count``, from 1), as a
    white BGR picture with a quiet zone."""
    spec = f"{index},{count}" + (f",{ident}" if ident else "")
    made = subprocess.run(["zint", "-b", "92", f"--structapp={spec}", f"--scale={scale}", "-d", text,
                           "-o", str(path)], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    code = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    return cv2.cvtColor(cv2.copyMakeBorder(code, 24, 24, 24, 24, cv2.BORDER_CONSTANT, value=255),
                        cv2.COLOR_GRAY2BGR)


@pytest.mark.skipif(shutil.which("zint") is None, reason="zint (apt-get install zint) makes the Aztec parts")
def test_aztec_parts_with_and_without_an_id_are_joined(tmp_path: Path) -> None:
    chunks = ["Aztec structured append, ", "part two of three, ", "and the end."]
    made = tmp_path / "made"
    made.mkdir()
    with_id = [zint_aztec(made / f"a{n}.png", c, n + 1, 3, "ID42", scale=2 + (n == 0))
               for n, c in enumerate(chunks)]
    without = [zint_aztec(made / f"b{n}.png", c.upper(), n + 1, 3) for n, c in enumerate(chunks)]
    pictures = {"1.png": with_id[2], "2.png": without[1], "3.png": photo_like(with_id[0], 7),
                "4.png": without[0], "5.png": with_id[1], "6.png": without[2]}
    events = run_events("-i", str(write_folder(tmp_path / "aztec", pictures) / "*.png"))
    parts = [(e["format"], e.get("sequence")) for e in events if e["type"] == "barcode"]
    assert parts == [("aztec", {"index": 2, "count": 3, "id": "ID42"}),
                     ("aztec", {"index": 1, "count": 3, "id": None}),
                     ("aztec", {"index": 0, "count": 3, "id": "ID42"}),
                     ("aztec", {"index": 0, "count": 3, "id": None}),
                     ("aztec", {"index": 1, "count": 3, "id": "ID42"}),
                     ("aztec", {"index": 2, "count": 3, "id": None})]
    whole = joined(events)
    assert [(e["format"], e["rawValue"], e["sequence"]["id"], Path(e["source"]).name) for e in whole] == [
        ("aztec", "".join(chunks), "ID42", "5.png"), ("aztec", "".join(chunks).upper(), None, "6.png")]


def test_qr_headers_are_read_across_versions_and_levels() -> None:
    rng = random.Random(5)
    checked = set()
    for length, level in [(40, "L"), (150, "M"), (400, "Q"), (700, "H"), (1500, "L"), (2500, "M")]:
        text = "".join(rng.choice("abcdefghijklmnopqrstuvwxyzäöü日本") for _ in range(length))
        for index, symbol in enumerate(segno.make_sequence(text, symbol_count=3, error=level,
                                                           boost_error=False)):
            dark = np.array(symbol.matrix, bool)
            grey = np.where(np.kron(dark, np.ones((3, 3), bool)), 0, 255).astype(np.uint8)
            results = zxingcpp.read_barcodes(grey)
            assert len(results) == 1
            part = qr_part(grey, results[0])
            assert part is not None and (part.index, part.count) == (index, 3)
            checked.add((symbol.version, symbol.error))
    assert len({v for v, _ in checked}) >= 6 and {e for _, e in checked} == set("LMQH")


@pytest.mark.skipif(shutil.which("zint") is None, reason="zint (apt-get install zint) makes the Aztec parts")
def test_aztec_headers_are_read_for_compact_and_full_sizes(tmp_path: Path) -> None:
    from mstg.transforms.barcode_sequence_aztec import aztec_part

    rng = random.Random(9)
    for size in (2, 3, 4, 6, 9, 14, 24, 36):  # zint --vers: 1-4 compact, 5-36 full (1-32 layers)
        index, ident = rng.randint(1, 5), rng.choice(["", "ID42", "x"])
        spec = f"{index},5" + (f",{ident}" if ident else "")
        path = tmp_path / f"{size}.png"
        made = subprocess.run(["zint", "-b", "92", f"--vers={size}", f"--structapp={spec}",
                               "--scale=2", "-d", f"part {index} of five, size {size}", "-o", str(path)],
                              capture_output=True, text=True)
        assert made.returncode == 0, made.stderr
        grey = cv2.copyMakeBorder(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE), 20, 20, 20, 20,
                                  cv2.BORDER_CONSTANT, value=255)
        results = zxingcpp.read_barcodes(grey)
        assert len(results) == 1 and results[0].symbology_identifier == "]z6"
        part = aztec_part(grey, results[0])
        assert part is not None and (part.index, part.count, part.id) == (index - 1, 5, ident or None)


def zint_part(path: Path, symbology: int, text: str, spec: str, scale: int = 2,
              size: int | None = None) -> np.ndarray:
    """A symbol made by zint (``-b symbology``, ``--structapp=spec``) as a grey picture with
    a quiet zone."""
    args = ["zint", "-b", str(symbology), f"--structapp={spec}", f"--scale={scale}", "-d", text,
            "-o", str(path)] + ([f"--vers={size}"] if size else [])
    made = subprocess.run(args, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    return cv2.copyMakeBorder(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE), 24, 24, 24, 24,
                              cv2.BORDER_CONSTANT, value=255)


@pytest.mark.skipif(shutil.which("zint") is None, reason="zint (apt-get install zint) makes the Data Matrix parts")
def test_data_matrix_headers_are_read_for_square_rectangular_and_interleaved_sizes(tmp_path: Path) -> None:
    from mstg.transforms.barcode_sequence_dm import dm_part

    # zint --vers: 4 16x16, 10 32x32 (4 regions), 15 52x52 and 16 64x64 (2 blocks), 20 96x96
    # (16 regions, 4 blocks), 23 132x132 (8 blocks), 28 12x36 and 30 16x48 (rectangular)
    for size in (4, 10, 15, 16, 20, 23, 28, 30):
        grey = zint_part(tmp_path / f"{size}.png", 71, f"size {size}", f"{size % 5 + 1},7,012200",
                         size=size)
        results = zxingcpp.read_barcodes(grey)
        assert len(results) == 1 and results[0].symbology_identifier == "]d1"
        part = dm_part(grey, results[0])
        assert part is not None and (part.index, part.count, part.id) == (size % 5, 7, 12 * 256 + 200)
    plain = zxingcpp.create_barcode("no sequence", zxingcpp.BarcodeFormat.DataMatrix)
    grey = cv2.copyMakeBorder(np.asarray(plain.to_image(scale=4), np.uint8), 20, 20, 20, 20,
                              cv2.BORDER_CONSTANT, value=255)
    assert dm_part(grey, zxingcpp.read_barcodes(grey)[0]) is None


@pytest.mark.skipif(shutil.which("zint") is None, reason="zint (apt-get install zint) makes the Data Matrix parts")
def test_data_matrix_parts_in_pictures_are_joined(tmp_path: Path) -> None:
    chunks = ["Data Matrix ", "in two parts."]
    made = tmp_path / "made"
    made.mkdir()
    parts = [cv2.cvtColor(zint_part(made / f"{n}.png", 71, c, f"{n + 1},2,001002", scale=3),
                          cv2.COLOR_GRAY2BGR) for n, c in enumerate(chunks)]
    folder = write_folder(tmp_path / "dm", {"1.png": photo_like(parts[1], 3), "2.png": parts[0]})
    events = run_events("-i", str(folder / "*.png"))
    assert [e.get("sequence") for e in events if e["type"] == "barcode"] == [
        {"index": 1, "count": 2, "id": 258}, {"index": 0, "count": 2, "id": 258}]
    assert [(e["format"], e["rawValue"]) for e in joined(events)] == [("data_matrix", "".join(chunks))]


def test_scan_of_named_parts_prints_the_whole_value_after_the_expected_codes(tmp_path: Path) -> None:
    parts = sequence_pictures(OTHER, count=2)
    folder = write_folder(tmp_path / "named", {"b.png": parts[1], "a.png": parts[0]})
    result = run_mstg("scan", str(folder / "b.png"), str(folder / "a.png"), "--expect", "2")
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().splitlines()
    assert [line.split("\t")[2] for line in lines] == ["qr_code", "qr_code", "qr_code-sequence"]
    assert lines[-1] == f"{folder / 'a.png'}\t-\tqr_code-sequence\t{OTHER}"


def test_a_header_that_cannot_be_sampled_costs_the_sequence_never_the_code() -> None:
    """A picture that does not hold what zxing-cpp's corners say (here: nothing at all) makes
    OpenCV refuse the warp: no part, instead of an error that would stop the run (the reader
    then reports the code without a sequence)."""
    picture = np.pad(np.asarray(zxingcpp.create_barcode("a part", zxingcpp.BarcodeFormat.QRCode)
                                .to_image(scale=4)), 20, constant_values=255)
    result = zxingcpp.read_barcodes(picture)[0]
    parts = Parts()
    assert parts.part(np.zeros((0, 0), np.uint8), result) is None
    assert parts.sampled == 1
