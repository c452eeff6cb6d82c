"""Benchmark of the ``barcode`` transform: fps per setting and decode rate per test set.

    python3 bench/barcode.py                 # everything (about a minute on 2 cores)
    python3 bench/barcode.py --no-photos     # fps only
    python3 bench/barcode.py --frames 90 --repeat 5

fps: frames from the built-in demo scene (six moving codes) at 1280x720 and 1920x1080, handed to
the transform as decoded I420 video (as a camera or a file gives them), through a
TransformChain, timed over ``--frames`` frames; the best of ``--repeat`` runs is shown (other
processes share the cores). "demo found" is the share of the demo's codes found per detection.
Decode rate: every picture of ../shared/testdata/barcodes through the transform (right format
and exact text), plain read against photo mode, with the mean time per picture (best of
``--repeat`` runs), and the codes reported on ``falsepositives/`` (should be 0).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from pathlib import Path

import cv2

from mstg.chain import TransformChain
from mstg.frames import VideoFrame
from mstg.inputs.demo import DEMO_BARCODES, DemoInput
from mstg.tracks import MediaStreamTrackProcessor
from mstg.transforms.barcode import Barcode

TESTDATA = Path(os.environ.get("MSTG_TESTDATA")  # a worktree elsewhere: set it
                or Path(__file__).resolve().parents[2] / "shared" / "testdata") / "barcodes"
SET_FORMATS = {"aztec-1": "aztec", "codabar-1": "codabar", "code128-1": "code_128",
               "code39-1": "code_39", "datamatrix-1": "data_matrix", "ean13-1": "ean_13",
               "ean8-1": "ean_8", "itf-1": "itf", "pdf417-1": "pdf417", "qrcode-1": "qr_code",
               "upca-1": "upc_a", "upce-1": "upc_e"}
SETTINGS = [dict(scale=1.0, every=1), dict(scale=0.75, every=1), dict(scale=0.5, every=1),
            dict(scale=1.0, every=2), dict(scale=1.0, every=3), dict(scale=0.5, every=2),
            dict(scale=1.0, every=1, highlight=False), dict(scale=1.0, every=1, threads=1)]
SIZES = [(1280, 720), (1920, 1080)]


def demo_frames(width: int, height: int, count: int) -> list:
    """``count`` demo pictures as I420 PyAV frames (what a decoder hands over)."""
    demo = DemoInput(width=width, height=height, duration=count / 30, audio=False)
    processor = MediaStreamTrackProcessor(demo.video)
    demo.start()
    return [frame.to_av("yuv420p") for frame in processor.readable]


def measure_fps(pictures: list, params: dict, repeat: int) -> tuple[float, float]:
    """Best fps over ``repeat`` runs, and the share of demo codes found per detection."""
    best, found = 0.0, []
    for _ in range(repeat):
        events: list[dict] = []
        transform = Barcode(**{"dedupe": "off", **params})  # an event per read: what is found per frame
        chain = TransformChain([transform], on_event=events.append)
        chain.setup({})
        started = time.perf_counter()
        for n, picture in enumerate(pictures):
            frame = VideoFrame.from_av(picture, timestamp=n * 33_333, index=n)
            for out in chain.push(frame):
                out.close()
        for out in chain.flush():  # frames still being read ahead (threads)
            out.close()
        best = max(best, len(pictures) / (time.perf_counter() - started))
        found = [len({e["format"] for e in events if e["frame"] == n}) / len(DEMO_BARCODES)
                 for n in range(0, len(pictures), params.get("every", 1))]
    return best, statistics.mean(found)


def pipeline_fps(width: int, height: int, seconds: float, params: dict) -> tuple[float, float]:
    """A whole run, demo -> barcode -> null output, as ``mstg run -o null`` does it: fps, and
    the same run without the transform (what rendering the demo scene itself costs)."""
    from mstg import Pipeline, open_output

    def run(transforms: list) -> float:
        demo = DemoInput(width=width, height=height, duration=seconds, audio=False)
        return Pipeline([demo], [open_output("null")], transforms).run().fps

    return run([Barcode(**params)]), run([])


def photo_rates(params: dict, repeat: int = 3) -> dict[str, tuple[int, int, float]]:
    """Per set: (decoded right, pictures, mean ms per picture: the best of ``repeat`` runs).
    Each picture is decoded as ``mstg scan`` does it (FFmpeg) and goes through the transform
    as one still (photo mode's ``auto`` applies)."""
    from mstg.inputs.images import read_picture

    rows = list(csv.DictReader(open(TESTDATA / "INDEX.tsv", encoding="utf-8"), delimiter="\t"))
    frames = [read_picture(str(TESTDATA / row["set"] / row["image"])) for row in rows]
    best: dict[str, float] = {}
    rates: dict[str, list[int]] = {}
    for attempt in range(repeat):
        spent: dict[str, float] = {}
        for row, frame in zip(rows, frames):
            events: list[dict] = []
            chain = TransformChain([Barcode(**params)], on_event=events.append)
            started = time.perf_counter()
            chain.push(frame)
            spent[row["set"]] = spent.get(row["set"], 0.0) + time.perf_counter() - started
            if attempt:
                continue
            tally = rates.setdefault(row["set"], [0, 0])
            tally[1] += 1
            if row["set"] == "falsepositives":
                tally[0] += sum(e["type"] == "barcode" for e in events)
                continue
            expected = read_expected(TESTDATA / row["set"] / row["expected_file"],
                                     row["expected_kind"])
            tally[0] += any(e["format"] == SET_FORMATS[row["set"]] and e["rawValue"] == expected
                            for e in events)
        for name, seconds in spent.items():
            best[name] = min(best.get(name, float("inf")), seconds)
    return {k: (v[0], v[1], 1000 * best[k] / v[1]) for k, v in rates.items()}


def read_expected(path: Path, kind: str) -> str:
    """The expected text (``.bin`` payloads as ISO-8859-1), newlines kept as they are."""
    with open(path, encoding="latin-1" if kind == "binary" else "utf-8", newline="") as f:
        return f.read()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=60, help="frames per fps run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per setting (best shown)")
    parser.add_argument("--no-photos", action="store_true", help="skip the decode-rate part")
    parser.add_argument("--no-fps", action="store_true", help="skip the fps part")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    if not args.no_fps:
        heads = " | ".join(f"fps {w}x{h} | demo found {h}p" for w, h in SIZES)
        print(f"| setting | {heads} |")
        print("|---|" + "---|---|" * len(SIZES))
        frames = {size: demo_frames(*size, args.frames) for size in SIZES}
        for params in SETTINGS:
            cells = []
            for size in SIZES:
                fps, found = measure_fps(frames[size], params, args.repeat)
                cells += [f"{fps:.0f}", f"{found:.0%}"]
            label = ", ".join(f"{k}={v}" for k, v in params.items())
            print(f"| {label} | " + " | ".join(cells) + " |", flush=True)
        for w, h in SIZES:
            with_barcode, without = pipeline_fps(w, h, 5.0, {})
            print(f"\npipeline demo {w}x{h} -> barcode (defaults) -> null: {with_barcode:.0f} fps "
                  f"(without the transform: {without:.0f} fps)")
    if not args.no_photos:
        if not TESTDATA.is_dir():
            print(f"no test data at {TESTDATA}", file=sys.stderr)
            return 1
        settings = [("plain", {"photo": "off", "highlight": False}),
                    ("photo", {"photo": "on", "highlight": False})]
        results = {label: photo_rates(params, args.repeat) for label, params in settings}
        plain, photo = results["plain"], results["photo"]
        print("\n| set | plain read | photo mode | plain ms/picture | photo ms/picture |")
        print("|---|---|---|---|---|")
        for name in plain:
            what = " (codes reported, want 0)" if name == "falsepositives" else ""
            print(f"| {name}{what} | {plain[name][0]}/{plain[name][1]} | "
                  f"{photo[name][0]}/{photo[name][1]} | {plain[name][2]:.1f} | {photo[name][2]:.1f} |")
        sets = [n for n in plain if n != "falsepositives"]
        total = {k: sum(r[n][0] for n in sets) for k, r in results.items()}
        count = sum(plain[n][1] for n in sets)
        pictures = sum(r[1] for r in plain.values())
        mean = {k: sum(r[n][2] * r[n][1] for n in r) / pictures for k, r in results.items()}
        print(f"| **all {count} codes** | **{total['plain']}/{count}** | **{total['photo']}/{count}** "
              f"| {mean['plain']:.1f} | {mean['photo']:.1f} ({mean['photo'] / mean['plain']:.2f}x) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
