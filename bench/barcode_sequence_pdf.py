"""How often and how fast Macro PDF417 parts are placed in their sequence on photo-like pictures.

    python3 bench/barcode_sequence_pdf.py --seeds 60

The three segments of the tests (``tests/transforms/test_barcode_sequence_pdf.py``: pdf417gen's
encoder and a control block) at 2, 3, 5 and 8 px per module, each turned into photo-like pictures
(``photo_like`` there: quarter turns and 2 to 4 degrees more, keystoned, dimmed, blurred,
noisy), one per seed; for those zxing-cpp reads, how many ``pdf_part`` places (right index),
refuses, or places wrongly, and its time per part (mean and most, ms). Then symbols whose
segment index codeword was changed after the error correction was computed (zxing-cpp corrects
it), half of them photo-like: how many stay plain, are placed at their true index (the cell
solved as an erasure) or at the changed one.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import zxingcpp

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path[:0] = [str(TESTS / "transforms"), str(TESTS)]

from mstg.transforms.barcode_sequence_pdf import pdf_part  # noqa: E402
from test_barcode_sequence_pdf import CHUNKS, macro_pdf417, parts, photo_like  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=60)
    args = parser.parse_args()
    print("| px per module | photos | read by zxing-cpp | placed | refused | wrong | mean ms | most ms |")
    print("|---|---|---|---|---|---|---|---|")
    for scale in (2, 3, 5, 8):
        made = parts(scale=scale)
        placed = refused = wrong = 0
        times = []
        for seed in range(args.seeds):
            photo = photo_like(made[seed % 3], seed)
            results = zxingcpp.read_barcodes(photo, formats=zxingcpp.BarcodeFormat.PDF417)
            if not results:
                continue
            started = time.perf_counter()
            part = pdf_part(photo, results[0])
            times.append(time.perf_counter() - started)
            if part is None:
                refused += 1
            elif part.index == seed % 3:
                placed += 1
            else:
                wrong += 1
        print(f"| {scale} | {args.seeds} | {len(times)} | {placed} | {refused} | {wrong} | "
              f"{sum(times) / max(1, len(times)) * 1e3:.1f} | {max(times, default=0) * 1e3:.1f} |")
    outcomes = {"plain": 0, "true index": 0, "changed index": 0, "not read": 0}
    for scale in (2, 3):
        for n in range(args.seeds):
            grey = macro_pdf417(CHUNKS[n % 3], n % 3, scale=scale, tamper=2, level=n % 4)
            grey = photo_like(grey, n + 100) if n % 2 else grey
            results = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.PDF417)
            part = pdf_part(grey, results[0]) if results else None
            outcomes["not read" if not results else "plain" if part is None else
                     "true index" if part.index == n % 3 else "changed index"] += 1
    print(f"\nsegment index changed, {2 * args.seeds} symbols: {outcomes}")


if __name__ == "__main__":
    main()
