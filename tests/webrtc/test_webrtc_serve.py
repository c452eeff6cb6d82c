"""``mstg serve`` in a real browser: headless Chromium's fake camera shows a QR code; the page
sends it to mstg, which finds the code, outlines it and sends the picture back."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import av
import numpy as np
import pytest

from browser import chromium, need_browser, qr_y4m, wait_for

TEXT = "mstg webrtc test 15"
pytestmark = pytest.mark.slow


class Serve:
    """``mstg serve ARGS`` in the background; its stderr lines are collected as they come."""

    def __init__(self, *args: str, cwd: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "mstg", "serve", *args], cwd=cwd,
                                     stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        found = wait_for(lambda: next((m for line in self.lines if (m := re.search(r"serving on (\S+)", line))), None)
                         or self.proc.poll() is not None, what="the URL mstg serve prints")
        assert found is not True, f"mstg serve ended ({self.proc.poll()}): {self.lines}"
        self.url = found.group(1)

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def said(self, pattern: str) -> str | None:
        return next((line for line in self.lines if re.search(pattern, line)), None)

    def stop(self, signum: int = signal.SIGINT) -> int:
        self.proc.send_signal(signum)
        return self.proc.wait(60)


def green_near(driver, x: float, y: float, reach: int = 4) -> bool:
    """A pixel of the outline's green within ``reach`` of (x, y) in the processed picture."""
    for dy in range(-reach, reach + 1):
        for dx in range(-reach, reach + 1):
            r, g, b = driver.execute_script("return mstgPage.pixel(arguments[0], arguments[1])",
                                            int(x + dx), int(y + dy))
            if g > 140 and r < 110 and b < 110:
                return True
    return False


def test_serve_page_scans_the_camera_and_records(tmp_path: Path) -> None:
    need_browser()
    clip = tmp_path / "clip.y4m"
    qr_y4m(clip, TEXT)
    serve = Serve("-t", "barcode", "-o", "scans.mp4", "--events", "scans.jsonl", cwd=tmp_path)
    url = serve.url
    try:
        assert url.startswith("http://127.0.0.1:")
        with chromium(clip) as driver:
            driver.get(url)
            page = lambda what: driver.execute_script(f"return mstgPage.{what}")  # noqa: E731
            # the events reach the page, carrying the code's text
            event = wait_for(lambda: next((e for e in page("events") if e.get("rawValue") == TEXT), None),
                             what="a barcode event on the page")
            assert event["format"] == "qr_code"
            # the processed track is decoded and shown, and mstg's outline is in its pixels
            wait_for(lambda: page("framesShown") >= 30, what="30 processed frames shown")
            scale = 1  # the events' corners are in the pictures mstg got, and sent back at that size
            a, b = event["cornerPoints"][0], event["cornerPoints"][1]
            wait_for(lambda: green_near(driver, (a["x"] + b["x"]) / 2 * scale, (a["y"] + b["y"]) / 2 * scale),
                     timeout=20, what="the green outline on the top edge of the code")
            # the middle of the code, away from the outline, is not green
            centre = (a["x"] + b["x"]) / 2 * scale, (a["y"] + event["cornerPoints"][3]["y"]) / 2 * scale
            r, g, _ = driver.execute_script("return mstgPage.pixel(arguments[0], arguments[1])", *map(int, centre))
            assert not (g > 140 and r < 110)
            # the microphone's sound came back (Opus) with energy in it
            wait_for(lambda: page("audio")["energy"] > 0, what="audio energy received by the page")
            # the live figures: latency measured by mstg
            stats = wait_for(lambda: page("stats").get("latency_p50_ms") and page("stats"), what="stats")
            # H.264 where the browser offers it, VP8 otherwise; Opus for the sound
            h264 = driver.execute_script("return RTCRtpReceiver.getCapabilities('video').codecs"
                                         ".some(c => c.mimeType === 'video/H264')")
            assert stats["codecs"] == {"video": "H264" if h264 else "VP8", "audio": "opus"}
    finally:
        status = serve.stop()
    assert status == 130
    lines = [json.loads(line) for line in (tmp_path / "scans.jsonl").read_text().splitlines()]
    assert any(e["rawValue"] == TEXT for e in lines)
    with av.open(str(tmp_path / "scans.mp4")) as recording:
        kinds = {s.type for s in recording.streams}
        assert kinds == {"video", "audio"}
        frames = [f.to_ndarray(format="rgb24") for f in recording.decode(video=0)]
    assert len(frames) >= 10
    last = frames[-1]
    green = (last[:, :, 1] > 140) & (last[:, :, 0] < 110) & (last[:, :, 2] < 110)
    assert green.sum() > 50  # the outline was recorded too (the browser may send a smaller picture)


def test_serve_refuses_a_bad_offer_and_keeps_serving(tmp_path: Path) -> None:
    need_browser()
    import urllib.error
    import urllib.request

    serve = Serve("-t", "barcode", cwd=tmp_path)
    url = serve.url
    try:
        request = urllib.request.Request(url.rstrip("/") + "/session", data=b"not sdp at all",
                                         method="POST", headers={"Content-Type": "application/sdp"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 400
        with urllib.request.urlopen(url, timeout=30) as reply:  # the server is still there
            assert b"mstg" in reply.read()
        assert serve.said(r"not an SDP offer")  # one line on stderr
    finally:
        assert serve.stop(signal.SIGTERM) == 143
    assert not any("Traceback" in line for line in serve.lines)


def test_a_vanished_visitor_ends_their_session_not_the_server(tmp_path: Path) -> None:
    need_browser()
    import urllib.request

    clip = tmp_path / "clip.y4m"
    qr_y4m(clip, TEXT)
    serve = Serve("-t", "barcode", "-o", "first.mkv", cwd=tmp_path)
    try:
        with chromium(clip) as driver:
            driver.get(serve.url)
            wait_for(lambda: driver.execute_script("return mstgPage.framesShown") >= 10,
                     what="frames shown")
        # the browser is gone: its session ends with one summary line, the recording is finished
        wait_for(lambda: serve.said(r"browser 1: \d+ video frames in"), timeout=90,
                 what="the end of the vanished visitor's session")
        with av.open(str(tmp_path / "first.mkv")) as recording:
            assert sum(1 for _ in recording.decode(video=0)) >= 10
        with urllib.request.urlopen(serve.url, timeout=30) as reply:  # still serving
            assert reply.status == 200
    finally:
        assert serve.stop() == 130
    assert not any("Traceback" in line for line in serve.lines)
