"""Structured append: QR sequences (made with segno) split over pictures or video frames are
joined into one ``barcode-sequence`` event, in any order, only when every part is there and the
parity agrees; on photo-like pictures (turned, in perspective, blurred) too."""

from __future__ import annotations

import json
import random
from pathlib import Path

import cv2
import numpy as np
import segno
import zxingcpp

from conftest import run_mstg
from helpers import push_pictures
from mstg.transforms.barcode import Barcode
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
