"""WHIP and WHEP: mstg publishes over WHIP to mstg's own WHIP endpoint, which runs the barcode
scanner and serves the result over WHEP to a viewer in headless Chromium."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

import mstg
from mstg.outputs import EncodeOptions
from browser import chromium, need_browser, need_webrtc, wait_for

DEMO_QR = "https://github.com/mstg/mstg#demo"
pytestmark = pytest.mark.slow


def run_in_thread(pipeline: mstg.Pipeline, results: dict[str, Any], key: str) -> threading.Thread:
    def target() -> None:
        try:
            results[key] = pipeline.run()
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            results[key] = exc
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_whip_publish_reaches_a_whep_viewer() -> None:
    need_browser()
    events: list[dict[str, Any]] = []
    results: dict[str, Any] = {}
    endpoint = mstg.open_input("whip://127.0.0.1:0/")
    viewers = mstg.open_output("whep://127.0.0.1:0/", options=EncodeOptions(fps=10))
    relay = run_in_thread(mstg.Pipeline([endpoint], [viewers], ["barcode:formats=qr_code"],
                                        on_event=events.append), results, "relay")
    with chromium() as driver:
        driver.get(viewers.url)
        wait_for(lambda: driver.execute_script("return mstgViewer.state") in ("connecting", "new", "connected"),
                 what="the viewer page")
        publisher = mstg.Pipeline([mstg.open_input("demo", duration=8, size=(640, 360))],
                                  [mstg.open_output("whip+" + endpoint.url)])
        published = run_in_thread(publisher, results, "publisher")
        viewer = lambda what: driver.execute_script(f"return mstgViewer.{what}")  # noqa: E731
        wait_for(lambda: viewer("framesShown") >= 10, what="10 frames shown by the WHEP viewer")
        assert viewer("size()") == [640, 360]
        wait_for(lambda: viewer("audio")["energy"] > 0, what="the demo's tone at the viewer")
        published.join(60)
    relay.join(60)
    assert not relay.is_alive(), "the relay did not end when the publisher hung up"
    assert isinstance(results["publisher"], mstg.Stats), results["publisher"]
    assert isinstance(results["relay"], mstg.Stats), results["relay"]
    assert results["relay"].frames_in["video"] >= 10 and results["relay"].frames_in["audio"] > 0
    assert any(e["rawValue"] == DEMO_QR for e in events)
    # --fps 10: of the 8 s the viewers were sent at most 10 frames a second
    assert 10 <= viewers.frames_written["video"] <= 8 * 10 + 2


def test_a_bad_offer_is_refused_with_one_line() -> None:
    need_webrtc()
    import urllib.error
    import urllib.request

    endpoint = mstg.open_input("whip://127.0.0.1:0/")
    try:
        request = urllib.request.Request(endpoint.url, data=b"v=0\r\nbogus", method="POST",
                                         headers={"Content-Type": "application/sdp"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 400
        assert b"SDP" in refused.value.read()
    finally:
        endpoint.stop()
        endpoint._close()


def test_publishing_to_nothing_is_an_output_error() -> None:
    need_webrtc()
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = mstg.open_output(f"whip+http://127.0.0.1:{port}/whip")
    started = time.monotonic()
    with pytest.raises(mstg.OutputError) as failed:
        mstg.Pipeline([mstg.open_input("demo", duration=1, size=(320, 180))], [out]).run()
    assert "cannot publish" in str(failed.value)
    assert time.monotonic() - started < 60


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_command_line_publish_into_a_whip_recording(tmp_path) -> None:  # type: ignore[no-untyped-def]
    need_webrtc()
    import json
    import subprocess
    import sys

    import av

    port = free_port()
    relay = subprocess.Popen([sys.executable, "-m", "mstg", "run", "-i", f"whip://127.0.0.1:{port}/",
                              "--duration", "2", "-t", "barcode:formats=qr_code", "-o", "rec.mp4",
                              "--events", "scans.jsonl"],
                             cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    try:
        def publish() -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "mstg", "run", "-i", "demo", "--duration", "3",
                                   "--input-size", "640x360", "-o", f"whip+http://127.0.0.1:{port}/"],
                                  capture_output=True, text=True, timeout=120)
        # the relay may still be starting: until it listens a publish is refused (exit 5, one line)
        tries: list[subprocess.CompletedProcess[str]] = []
        wait_for(lambda: tries.append(publish()) or "cannot publish" not in tries[-1].stderr,
                 what="the relay to listen")
        assert tries[-1].returncode == 0, tries[-1].stderr
        assert all(t.returncode == 5 and len(t.stderr.splitlines()) <= 2 for t in tries[:-1])
        _, err = relay.communicate(timeout=60)
    finally:
        if relay.poll() is None:
            relay.kill()
    assert relay.returncode == 0, err
    with av.open(str(tmp_path / "rec.mp4")) as recording:
        assert {s.type for s in recording.streams} == {"video", "audio"}
        video = recording.streams.video[0]
        assert (video.width, video.height) == (640, 360)
        frames = [f.time for f in recording.decode(video=0)]
    # --duration 2 of the 3 s published: the relay ended on its own after 2 s of media
    assert len(frames) >= 5 and frames[-1] < 2.0  # a live source: a busy machine drops frames
    events = [json.loads(line) for line in (tmp_path / "scans.jsonl").read_text().splitlines()]
    assert any(e["rawValue"] == DEMO_QR for e in events)
