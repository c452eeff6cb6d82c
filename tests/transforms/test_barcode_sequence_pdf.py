"""Structured append for PDF417: Macro PDF417 segments (made with pdf417gen's encoder pieces
and a control block written here) split over pictures or video frames are joined into one
``barcode-sequence`` event, in any order, whether the parts carry the segment count field or
only the last one says it is the last; a tampered or missing part is never joined."""

from __future__ import annotations

import shutil
import subprocess
import random
from pathlib import Path

import cv2
import numpy as np
import pytest
import zxingcpp
from pdf417gen import encoding
from pdf417gen.compaction import compact
from pdf417gen.rendering import render_image

from conftest import run_mstg
from mstg.transforms.barcode_read import Reader
from mstg.transforms.barcode_sequence import Joiner, SequencePart
from mstg.transforms.barcode_sequence_pdf import pdf_part
from mstg.transforms.barcode_sequence_pdf_block import _control_block
from test_barcode_scan import write_clip
from test_barcode_sequence import joined, run_events, write_folder

CHUNKS = ["Macro PDF417: one file in three symbols, ", "Grüße aus 日本, the second part, ",
          "and the last one (0123456789)."]
TEXT = "".join(CHUNKS)
FILE_ID = [17, 400, 5]


def numeric(number: int, digits: int = 0) -> list[int]:
    """Numeric compaction of ``number`` (zero-filled to ``digits``): base 900 of "1" + digits."""
    value, words = int("1" + str(number).zfill(digits)), []
    while value:
        words.insert(0, value % 900)
        value //= 900
    return words


def macro_pdf417(data: str, index: int, file_id: list[int] = FILE_ID, *, count: int | None = None,
                 last: bool = False, cols: int = 4, level: int = 2, scale: int = 3,
                 tamper: int | None = None) -> np.ndarray:
    """A Macro PDF417 segment as a grey picture with a quiet zone: ``data`` then the control
    block (928, index, file id, the segment count field when ``count``, 922 when ``last``);
    padding comes before the block. ``tamper``: that codeword of the control block (0 is
    928) changed after the error correction was computed (zxing-cpp corrects it)."""
    block = [928, *numeric(index, 5), *file_id]
    if count is not None:
        block += [923, 1, *numeric(count)]
    if last:
        block.append(922)
    words = list(compact(data.encode()))
    padding = encoding.get_padding(len(words) + len(block), 2 ** (level + 1), cols)
    data_words = [1 + len(words) + len(padding) + len(block), *words, *padding, *block]
    codewords = data_words + encoding.compute_error_correction_code_words(data_words, level)
    if tamper is not None:
        at = len(data_words) - len(block) + tamper
        codewords[at] = (codewords[at] + 1) % 900
    rows = list(encoding.chunks(codewords, cols))
    codes = list(encoding.encode_rows(rows, cols, level))
    return np.asarray(render_image(codes, scale=scale, padding=24).convert("L"))


def photo_like(grey: np.ndarray, seed: int) -> np.ndarray:
    """``grey`` turned by quarter turns and a few degrees, keystoned, dimmed, on a grey noisy
    background, slightly blurred (zxing-cpp reads PDF417 turned by a few degrees at most)."""
    rng = random.Random(seed)
    grey = np.ascontiguousarray(np.rot90(grey, seed % 4))
    h, w = grey.shape
    src = np.float32([(0, 0), (w, 0), (w, h), (0, h)])
    angle = np.radians(rng.uniform(2, 4) * rng.choice([-1, 1]))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dst = (src - (w / 2, h / 2)) @ rot.T
    dst[1] += (rng.uniform(-0.03, 0.03) * w, rng.uniform(0.01, 0.03) * h)  # keystone
    dst[2] += (rng.uniform(-0.03, 0) * w, rng.uniform(-0.03, 0) * h)
    dst = dst - dst.min(axis=0) + 30
    size = tuple(int(v) + 30 for v in dst.max(axis=0))
    photo = cv2.warpPerspective(grey.astype(np.float32) * 0.6 + 60,
                                cv2.getPerspectiveTransform(src, np.float32(dst)), size, borderValue=110)
    photo = cv2.GaussianBlur(photo, (0, 0), 0.9) + np.random.default_rng(seed).normal(0, 4, photo.shape[:2])
    return np.clip(photo, 0, 255).astype(np.uint8)


def parts(**options: object) -> list[np.ndarray]:
    return [macro_pdf417(chunk, n, last=n == 2, **options) for n, chunk in enumerate(CHUNKS)]


def read_one(grey: np.ndarray) -> zxingcpp.Barcode:
    results = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.PDF417)
    assert len(results) == 1 and results[0].valid
    return results[0]


@pytest.mark.parametrize("with_count", [True, False], ids=["count-field", "last-segment-only"])
def test_shuffled_parts_are_joined_by_run_and_by_scan(tmp_path: Path, with_count: bool) -> None:
    # with the field: every part says 3; without: only the last (922) tells, index 2 + 1
    made = [macro_pdf417(c, n, count=3 if with_count else None, last=n == 2, cols=3 + n)
            for n, c in enumerate(CHUNKS)]
    folder = write_folder(tmp_path / "shots", {"1.png": made[2], "2.png": made[0], "3.png": made[1]})
    events = run_events("-i", str(folder / "*.png"))
    codes = [e for e in events if e["type"] == "barcode"]
    counted = 3 if with_count else None
    assert [(e["format"], e["sequence"]) for e in codes] == [
        ("pdf417", {"index": 2, "count": 3, "id": "017400005"}),
        ("pdf417", {"index": 0, "count": counted, "id": "017400005"}),
        ("pdf417", {"index": 1, "count": counted, "id": "017400005"})]
    whole = joined(events)
    assert len(whole) == 1 and whole[0]["rawValue"] == TEXT and whole[0]["format"] == "pdf417"
    assert whole[0]["sequence"] == {"count": 3, "id": "017400005"}
    assert Path(whole[0]["source"]).name == "3.png"  # the picture that completed it
    assert [(p["index"], Path(p["source"]).name) for p in whole[0]["parts"]] == [
        (0, "2.png"), (1, "3.png"), (2, "1.png")]
    scanned = run_mstg("scan", str(folder))
    assert scanned.returncode == 0, scanned.stderr.decode()
    lines = scanned.stdout.decode().splitlines()
    assert len(lines) == 4 and lines[-1] == f"{folder / '3.png'}\t-\tpdf417-sequence\t{TEXT}"


def test_a_tampered_or_missing_part_gives_no_joined_event(tmp_path: Path) -> None:
    made = parts()
    # the segment index codeword changed (index 1 made 2): zxing-cpp corrects it and reads
    # the part; here the codewords do not check out, or the cell is solved back to its true
    # value, never read as the changed one
    for level in (1, 2, 3):
        changed = macro_pdf417(CHUNKS[1], 1, tamper=2, level=level)
        part = pdf_part(changed, read_one(changed))
        assert read_one(changed).text == CHUNKS[1] and (part is None or part.index == 1)
    # at level 0 (2 error correction codewords) zxing-cpp corrects one error, while no cell is
    # solved here (too few syndromes left to check it): the part stays plain, the sequence waits
    tampered = macro_pdf417(CHUNKS[1], 1, tamper=2, level=0)
    assert read_one(tampered).text == CHUNKS[1] and pdf_part(tampered, read_one(tampered)) is None
    folder = write_folder(tmp_path / "tampered", {"a.png": made[0], "b.png": tampered, "c.png": made[2]})
    events = run_events("-i", str(folder / "*.png"))
    assert [e["rawValue"] for e in events if e["type"] == "barcode"] == CHUNKS
    assert ["sequence" in e for e in events] == [True, False, True] and joined(events) == []
    missing = write_folder(tmp_path / "missing", {"a.png": made[0], "c.png": made[2], "d.png": made[0]})
    events = run_events("-i", str(missing / "*.png"))
    assert len([e for e in events if "sequence" in e]) == 3 and joined(events) == []


def test_photo_like_parts_are_joined_or_left_plain_never_misplaced(tmp_path: Path) -> None:
    made = parts(scale=3)
    placed = 0
    for seed in range(24):
        index = seed % 3
        photo = photo_like(made[index], seed)
        results = zxingcpp.read_barcodes(photo, formats=zxingcpp.BarcodeFormat.PDF417)
        if not results:
            continue
        part = pdf_part(photo, results[0])
        if part is not None:
            assert (part.index, part.count, part.id) == (index, 3 if index == 2 else None, "017400005")
            placed += 1
    assert placed >= 20  # measured: 57 of the 59 of 60 seeds zxing-cpp reads
    folder = write_folder(tmp_path / "photos", {"x.jpg": photo_like(made[2], 5),
                                                "y.jpg": photo_like(made[0], 3),
                                                "z.jpg": photo_like(made[1], 4)})
    result = run_mstg("scan", str(folder))
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().splitlines()
    assert lines[-1] == f"{folder / 'z.jpg'}\t-\tpdf417-sequence\t{TEXT}" and len(lines) == 4


def test_control_blocks_are_read_across_sizes_and_levels() -> None:
    rng = random.Random(3)
    for cols, level in [(1, 0), (2, 3), (3, 4), (6, 1), (7, 8), (12, 3), (20, 5), (30, 2)]:
        index, ident = rng.randint(0, 99998), [rng.randint(0, 899) for _ in range(rng.randint(1, 6))]
        room = min(90 * cols, 928) - 2 ** (level + 1) - 20  # 90 rows, 928 codewords at most
        size = rng.randint(min(3 * cols, room), room)
        data = "".join(rng.choice("abcdefghij XYZ 0123456789") for _ in range(size))
        grey = macro_pdf417(data, index, ident, count=index + 1 + rng.randint(0, 5),
                            cols=cols, level=level, scale=2)
        for view in (grey, np.ascontiguousarray(grey[:, ::-1])):  # and its mirror image
            part = pdf_part(view, read_one(view))
            assert part is not None and (part.index, part.id) == (index, "".join(f"{w:03d}" for w in ident))


def test_plain_pdf417_is_never_sampled() -> None:
    reader = Reader(("pdf417",), sequences=True)
    plain = zxingcpp.create_barcode("no control block", zxingcpp.BarcodeFormat.PDF417)
    grey = cv2.copyMakeBorder(np.asarray(plain.to_image(scale=3), np.uint8), 20, 20, 20, 20,
                              cv2.BORDER_CONSTANT, value=255)
    found = reader.read(grey)
    assert [(d.raw_value, d.sequence) for d in found] == [("no control block", None)]
    assert reader._parts.sampled == 0
    found = reader.read(parts()[0]) + reader.read(parts()[0])  # seen again: remembered
    assert found[0].sequence is not None and found[0].sequence.index == 0
    assert reader._parts.sampled == 1


def test_a_refused_part_in_view_is_sampled_ever_more_rarely() -> None:
    # as in video, the same Macro PDF417 read frame after frame: a part that does not check
    # out (see the tampered part above) is sampled on sightings 1, 3, 7, 15, ...
    reader = Reader(("pdf417",), sequences=True)
    tampered = macro_pdf417(CHUNKS[1], 1, tamper=2, level=0)
    for _ in range(20):
        assert [(d.raw_value, d.sequence) for d in reader.read(tampered)] == [(CHUNKS[1], None)]
    assert reader._parts.sampled == 4


def test_control_block_fields_and_counts_learnt_across_parts() -> None:
    assert _control_block([7, 900, 928, 111, 100, 17, 400], "017400") == (0, None)
    assert _control_block([5, 928, 0, 12, 1, 922], "001") == (2, 3)  # index "12" -> "2" (zxing)
    assert _control_block([8, 928, 111, 101, 1, 923, 1, *numeric(4)], "001") == (1, 4)
    assert _control_block([9, 928, 111, 101, 1, 923, 0, 1, 2, 922], "001") == (1, 2)  # file name
    assert _control_block([6, 928, 111, 101, 2, 922], "001") is None  # another file id
    assert _control_block([7, 928, 111, 105, 1, 923, 1, *numeric(3)], "001") is None  # 5 of 3
    assert _control_block([4, 65, 66, 67], "001") is None
    joiner = Joiner()
    assert joiner.add(SequencePart(1, None, "9", b"b", "b", "pdf417"), "x") is None
    assert joiner.add(SequencePart(0, None, "9", b"a", "a", "pdf417"), "y") is None  # count unknown
    assert joiner.add(SequencePart(2, 4, "7", b"z", "z", "pdf417"), "other file") is None
    whole = joiner.add(SequencePart(2, 3, "9", b"c", "c", "pdf417"), "z")
    assert [(p.text, where) for p, where in whole] == [("a", "y"), ("b", "x"), ("c", "z")]
    disagreeing = Joiner()
    disagreeing.add(SequencePart(0, 3, "9", b"a", "a", "pdf417"))
    assert disagreeing.add(SequencePart(1, 2, "9", b"b", "b", "pdf417")) is None


def test_a_video_showing_the_parts_gives_one_joined_event(tmp_path: Path) -> None:
    made = [cv2.cvtColor(cv2.copyMakeBorder(p, 0, 360 - p.shape[0], 0, 480 - p.shape[1],
                                            cv2.BORDER_CONSTANT, value=255), cv2.COLOR_GRAY2BGR)
            for p in parts(scale=3)]
    blank = np.full_like(made[0], 255)
    pictures = [blank] * 3
    for part in (made[1], made[2], made[0]):
        pictures += [part] * 8 + [blank] * 3
    events = run_events("-i", str(write_clip(tmp_path / "parts.mp4", pictures)))
    assert [e["sequence"]["index"] for e in events if e["type"] == "barcode"] == [1, 2, 0]
    whole = joined(events)
    assert len(whole) == 1 and whole[0]["rawValue"] == TEXT
    assert whole[0]["frame"] == 25 and [p["frame"] for p in whole[0]["parts"]] == [25, 3, 14]


@pytest.mark.skipif(shutil.which("zint") is None, reason="zint (apt-get install zint) makes the parts")
def test_a_sequence_made_by_zint_printed_to_the_picture_s_edge_is_joined(tmp_path: Path) -> None:
    """Another encoder's symbols (zint's --structapp, with the segment count field), drawn with
    no quiet zone at all: the symbol's first and last bars are the picture's edge."""
    chunks = ["zint made this part, ", "and this one, ", "and the last."]
    for n, chunk in enumerate(chunks):
        made = subprocess.run(["zint", "-b", "55", f"--structapp={n + 1},3,7707", "--scale=2",
                               "-d", chunk, "-o", str(tmp_path / f"z{n}.png")], capture_output=True)
        assert made.returncode == 0, made.stderr.decode()
    result = run_mstg("scan", str(tmp_path / "z2.png"), str(tmp_path / "z0.png"), str(tmp_path / "z1.png"))
    assert result.returncode == 0, result.stderr.decode()
    last = result.stdout.decode().splitlines()[-1].split("\t")
    assert last == [str(tmp_path / "z1.png"), "-", "pdf417-sequence", "".join(chunks)]
