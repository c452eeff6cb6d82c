"""Time `mstg run` against FFmpeg's CLI on the same 1080p H.264 transcode, in one run.

    python bench/transcode.py [--seconds 10] [--repeat 5]

The ``transcode`` and ``transcode-aac`` cases of bench/run.py (which runs every comparison):
1080p30 H.264 + AAC made by FFmpeg, then, taking turns,
  ffmpeg -i in.mp4 -c:v libx264 -preset veryfast -crf 23 -c:a copy out.mp4
  mstg run -i in.mp4 -o out.mp4 --audio-codec copy
  a plain PyAV loop (decode, encode, mux)
and the same with AAC re-encoded (``-c:a aac``; mstg's default). Prints the medians, CPU
time, peak memory and the ratios.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import main  # noqa: E402 - bench/run.py

if __name__ == "__main__":
    sys.exit(main(["--only", "transcode,transcode-aac", *sys.argv[1:]]))
