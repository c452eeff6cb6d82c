"""Network stream outputs: MPEG-TS over UDP and TCP read back by a receiver in the test."""

from __future__ import annotations

import io
import socket
import threading
from pathlib import Path

import av
import numpy as np
import pytest
from helpers import make_flat_clip

from mstg import Pipeline, open_input, open_output
from mstg.errors import OutputError


class UdpReceiver:
    """Collects every datagram sent to a local port until the sender has been quiet a while."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.datagrams: list[bytes] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.sock.settimeout(10.0)  # until the first datagram
        try:
            while True:
                self.datagrams.append(self.sock.recv(65536))
                self.sock.settimeout(1.0)
        except OSError:
            pass
        finally:
            self.sock.close()


class TcpReceiver:
    """Accepts one connection on a local port and keeps every byte until it closes."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.data = bytearray()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.server.settimeout(10.0)
        try:
            conn, _ = self.server.accept()
            with conn:
                conn.settimeout(10.0)
                while chunk := conn.recv(65536):
                    self.data += chunk
        except OSError:
            pass
        finally:
            self.server.close()


def decode_ts(data: bytes) -> tuple[list[np.ndarray], list[av.Packet]]:
    """The grey pictures and the video packets of an MPEG-TS byte stream."""
    pictures, packets = [], []
    with av.open(io.BytesIO(data), format="mpegts") as container:
        for packet in container.demux(video=0):
            if packet.size:
                packets.append(packet)
            for frame in packet.decode():
                pictures.append(frame.to_ndarray(format="gray"))
    return pictures, packets


def test_udp_stream_carries_every_frame_paced_and_low_latency(tmp_path: Path) -> None:
    clip = make_flat_clip(tmp_path / "count.mkv", seconds=2.0, fps=25, bgr=None)  # brightness 5 * n
    receiver = UdpReceiver()
    stream = open_output(f"udp://127.0.0.1:{receiver.port}")
    assert stream.live
    stats = Pipeline([open_input(str(clip))], [stream]).run()
    assert stats.wall_s >= 1.9  # a file sent to a stream goes at its own speed (like ffmpeg -re)
    receiver.thread.join(15)
    assert all(len(d) % 188 == 0 and len(d) <= 1316 for d in receiver.datagrams)
    pictures, packets = decode_ts(b"".join(receiver.datagrams))
    assert len(pictures) == 50
    levels = [float(p[20:-20, 20:-20].mean()) for p in pictures]
    assert all(abs(level - expected) < 4 for level, expected in zip(levels, range(0, 250, 5)))
    keys = [i for i, p in enumerate(packets) if p.is_keyframe]
    assert keys[0] == 0 and max(np.diff(keys + [len(packets)])) <= 25  # a keyframe every second
    pts = [p.pts for p in packets]
    assert pts == sorted(pts)  # no B-frames: sent in the order they are shown


def test_tcp_stream_and_a_file_from_one_read(tmp_path: Path) -> None:
    clip = make_flat_clip(tmp_path / "count.mkv", seconds=1.0, fps=25, bgr=None)
    receiver = TcpReceiver()
    record = tmp_path / "copy.mkv"
    outputs = [open_output(f"tcp://127.0.0.1:{receiver.port}"), open_output(str(record))]
    stats = Pipeline([open_input(str(clip))], outputs).run()
    receiver.thread.join(15)
    streamed, _ = decode_ts(bytes(receiver.data))
    with av.open(str(record)) as container:
        recorded = [f.to_ndarray(format="gray") for f in container.decode(video=0)]
    assert len(streamed) == len(recorded) == stats.frames_in["video"] == 25


def test_srt_needs_an_ffmpeg_with_srt() -> None:
    try:
        av.open("srt://127.0.0.1:9?connect_timeout=1", timeout=0.2)
    except av.error.ProtocolNotFoundError:
        with pytest.raises(OutputError, match="cannot send srt://"):
            open_output("srt://127.0.0.1:9000?mode=listener")
        return
    except Exception:  # noqa: BLE001 - refused: this PyAV speaks SRT
        pass
    out = open_output("srt://127.0.0.1:9000?mode=listener")
    assert out.live and out.container_format == "mpegts"
