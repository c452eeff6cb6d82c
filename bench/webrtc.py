"""Benchmark of the browser round trip: browser -> mstg (barcode) -> browser, at 720p30.

    python3 bench/webrtc.py                    # 20 s per codec, H.264 and VP8
    python3 bench/webrtc.py --seconds 30 --codec vp8

``mstg serve -t barcode`` runs as a subprocess; headless Chromium (Selenium) opens its page with
``getUserMedia`` replaced by a 1280x720, 30 fps canvas stream (and a tone): each picture shows a
QR code and, as 24 black or white squares, the page's clock (``performance.now()`` in ms) when
it was drawn. The page reads the squares back from every processed frame it shows
(``requestVideoFrameCallback``, drawn into a canvas) and takes the difference to its clock now:
the whole trip (capture, the browser's encoder, the network on 127.0.0.1, mstg's decoder, the
barcode scanner and outline, mstg's encoder, the browser's decoder, the frame shown). The
first ``--warmup`` seconds are left out. CPU per stream is the mstg process's CPU time over
the measured window divided by its length (1.0 = one core busy).
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from browser import chromium, wait_for  # noqa: E402

#: The fake camera: a canvas stream with a QR code and the clock in 24 squares (bit 23 first).
CAMERA = """
(() => {
  const W = 1280, H = 720, BITS = 24, SQ = 32, qr = new Image();
  qr.src = "data:image/png;base64,%(qr)s";
  const canvas = document.createElement("canvas"); canvas.width = W; canvas.height = H;
  const ctx = canvas.getContext("2d");
  function draw() {
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, H);
    if (qr.complete) ctx.drawImage(qr, (W - qr.width) / 2, (H - qr.height) / 2);
    const now = Math.round(performance.now()) %% (1 << BITS);
    for (let i = 0; i < BITS; i++) {
      ctx.fillStyle = (now >> (BITS - 1 - i)) & 1 ? "#000" : "#fff";
      ctx.fillRect(16 + i * SQ, 16, SQ, SQ);
    }
  }
  setInterval(draw, 1000 / 30);
  const stream = canvas.captureStream(30);
  navigator.mediaDevices.getUserMedia = async () => {
    const audio = new AudioContext(), tone = audio.createOscillator(), out = audio.createMediaStreamDestination();
    tone.connect(out); tone.start();
    return new MediaStream([...stream.getVideoTracks(), ...out.stream.getAudioTracks()]);
  };
  navigator.mediaDevices.enumerateDevices = async () => [];
  window.mstgLatencies = [];
  const read = document.createElement("canvas"), rctx = read.getContext("2d", { willReadFrequently: true });
  function watch(video) {
    const tick = () => {
      const shown = performance.now(), scale = video.videoWidth / W;
      read.width = video.videoWidth; read.height = video.videoHeight;
      rctx.drawImage(video, 0, 0);
      let stamp = 0;
      for (let i = 0; i < BITS; i++) {
        const p = rctx.getImageData(Math.round((16 + i * SQ + SQ / 2) * scale), Math.round((16 + SQ / 2) * scale), 1, 1).data;
        stamp = stamp * 2 + (p[1] < 128 ? 1 : 0);
      }
      const delay = (Math.round(shown) - stamp + (1 << BITS)) %% (1 << BITS);
      if (delay < 5000) window.mstgLatencies.push([shown, delay, video.videoWidth]);
      video.requestVideoFrameCallback(tick);
    };
    video.requestVideoFrameCallback(tick);
  }
  document.addEventListener("DOMContentLoaded", () => watch(document.getElementById("processed")));
})();
"""


def qr_png(text: str) -> str:
    from mstg.inputs.demo import barcode_image

    ok, png = cv2.imencode(".png", barcode_image("qr_code", text, 8))
    return base64.b64encode(png.tobytes()).decode()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(codec: str, seconds: float, warmup: float) -> dict[str, object]:
    workdir = Path(tempfile.mkdtemp(prefix="mstg-bench-webrtc-"))
    serve = subprocess.Popen([sys.executable, "-m", "mstg", "serve", "-t", "barcode",
                              "--video-codec", codec, "--events", str(workdir / "events.jsonl")],
                             stderr=subprocess.PIPE, text=True)
    try:
        url = next(m.group(1) for line in serve.stderr  # type: ignore[union-attr]
                   if (m := re.search(r"serving on (\S+)", line)))
        with chromium() as driver:
            driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                   {"source": CAMERA % {"qr": qr_png("mstg bench")}})
            driver.get(url)
            wait_for(lambda: driver.execute_script("return window.mstgLatencies.length") > 0,
                     timeout=60, what="the first processed frame")
            time.sleep(warmup)
            start_n = driver.execute_script("return window.mstgLatencies.length")
            cpu0, t0 = cpu_seconds(serve.pid), time.monotonic()
            time.sleep(seconds)
            cpu1, t1 = cpu_seconds(serve.pid), time.monotonic()
            samples = driver.execute_script("return window.mstgLatencies")[start_n:]
            stats = driver.execute_script("return mstgPage.stats")
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(60)
        events = (workdir / "events.jsonl").read_text().count("\n") if (workdir / "events.jsonl").exists() else 0
        shutil.rmtree(workdir, ignore_errors=True)
    delays = sorted(d for _, d, _ in samples)
    widths = sorted({w for _, _, w in samples})
    return {"codec": (stats.get("codecs") or {}).get("video", codec), "frames": len(delays),
            "fps": len(delays) / (t1 - t0), "p50": statistics.median(delays) if delays else None,
            "p95": delays[int(0.95 * (len(delays) - 1))] if delays else None,
            "cpu": (cpu1 - cpu0) / (t1 - t0), "widths": widths, "events": events,
            "mstg_p50": stats.get("latency_p50_ms")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--codec", action="append", choices=["h264", "vp8"])
    args = parser.parse_args()
    print(f"cores {os.cpu_count()}, load {os.getloadavg()[0]:.1f}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print("| video codec | frames shown/s | latency p50 ms | p95 ms | mstg alone p50 ms | mstg CPU (cores) | picture widths |")
    print("|---|---|---|---|---|---|---|")
    for codec in args.codec or ["h264", "vp8"]:
        r = measure(codec, args.seconds, args.warmup)
        print(f"| {r['codec']} | {r['fps']:.1f} | {r['p50']} | {r['p95']} | {r['mstg_p50']} | "
              f"{r['cpu']:.2f} | {', '.join(map(str, r['widths']))} |", flush=True)


if __name__ == "__main__":
    main()
