"""What joining structured-append sequences costs the ``barcode`` transform.

    MSTG_TESTDATA=../shared/testdata python3 bench/barcode_sequence.py

For pictures without a sequence: the plain read (``Reader.read``) of each set of
../shared/testdata/barcodes with ``sequences`` off and on (a fresh reader per run, so nothing is
remembered between runs), alternating, best of ``--repeat``, in ms per picture; and the header
sampling alone per QR code (``qr_part``) and per Data Matrix code (``dm_part``) those pictures
hold (Aztec codes are sampled only when zxing-cpp marks them as parts: none here). For video: CPU seconds of the
transform on ``--frames`` demo frames at 1280x720 (one QR code in view) with sequences off and on.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import cv2
import zxingcpp

from mstg.transforms.barcode_formats import FORMATS
from mstg.transforms.barcode_read import Reader
from mstg.transforms.barcode_sequence import qr_part
from mstg.transforms.barcode_sequence_dm import dm_part

TESTDATA = Path(os.environ.get("MSTG_TESTDATA")
                or Path(__file__).resolve().parents[2] / "shared" / "testdata") / "barcodes"


def per_picture(pictures: list, sequences: bool) -> float:
    reader = Reader(tuple(FORMATS), sequences=sequences)
    started = time.perf_counter()
    for grey in pictures:
        reader.read(grey)
    return (time.perf_counter() - started) / len(pictures) * 1e3


def demo_cpu(pictures: list, sequences: bool) -> float:
    """CPU seconds of the transform (defaults) on the demo's decoded I420 frames."""
    from mstg.chain import TransformChain
    from mstg.frames import VideoFrame
    from mstg.transforms.barcode import Barcode

    chain = TransformChain([Barcode(sequences=sequences)])
    chain.setup({})
    started = time.process_time()
    for n, picture in enumerate(pictures):
        for out in chain.push(VideoFrame.from_av(picture, timestamp=n * 33_333, index=n)):
            out.close()
    for out in chain.flush():  # frames still being read ahead
        out.close()
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()
    print("| set | pictures | sequences off ms/picture | sequences on ms/picture |")
    print("|---|---|---|---|")
    qr_codes, dm_codes = [], []
    for folder in sorted(p for p in TESTDATA.iterdir() if p.is_dir()):
        pictures = [cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for p in sorted(folder.glob("*.png"))]
        pictures = [p for p in pictures if p is not None]
        if not pictures:
            continue
        off, on = [], []
        for _ in range(args.repeat):
            off.append(per_picture(pictures, False))
            on.append(per_picture(pictures, True))
        print(f"| {folder.name} | {len(pictures)} | {min(off):.2f} | {min(on):.2f} |")
        read = [(g, r) for g in pictures for r in zxingcpp.read_barcodes(g)]
        qr_codes += [(g, r) for g, r in read if r.format.name == "QRCode"]
        dm_codes += [(g, r) for g, r in read if r.format.name == "DataMatrix"]
    print()
    for name, sample, codes in (("qr_part", qr_part, qr_codes), ("dm_part", dm_part, dm_codes)):
        best = min(_timed(lambda: [sample(g, r) for g, r in codes]) for _ in range(args.repeat))
        print(f"{name}: {best / max(1, len(codes)) * 1e3:.3f} ms per code "
              f"({len(codes)} codes, best of {args.repeat})")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from barcode import demo_frames  # bench/barcode.py

    frames = demo_frames(1280, 720, args.frames)
    off, on = [], []
    for _ in range(3):
        off.append(demo_cpu(frames, False))
        on.append(demo_cpu(frames, True))
    print(f"demo 720p, {args.frames} frames, best of 3: {min(off):.2f} s CPU with sequences off, "
          f"{min(on):.2f} s on")


def _timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
