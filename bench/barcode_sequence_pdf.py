"""How often and how fast Macro PDF417 parts are placed in their sequence on photo-like pictures.

    python3 bench/barcode_sequence_pdf.py --seeds 60

The three segments of the tests (``tests/transforms/test_barcode_sequence_pdf.py``: pdf417gen's
encoder and a control block) at 2 and 3 px per module, each turned into photo-like pictures
(``photo_like`` there: quarter turns and 2 to 4 degrees more, keystoned, dimmed, blurred,
noisy), one per seed; for those zxing-cpp reads, how many ``pdf_part`` places (right index),
refuses, or places wrongly, and its time per part (mean and most, ms).
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
from test_barcode_sequence_pdf import parts, photo_like  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=60)
    args = parser.parse_args()
    print("| px per module | photos | read by zxing-cpp | placed | refused | wrong | mean ms | most ms |")
    print("|---|---|---|---|---|---|---|---|")
    for scale in (3, 2):
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


if __name__ == "__main__":
    main()
