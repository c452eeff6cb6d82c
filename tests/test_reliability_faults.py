"""Faults: existing files are never clobbered or half-written, bad input is processed or refused
with one clear line, failing transforms stop (or are skipped) cleanly, and faulty sinks and
sources (a closed stdout, a full disk, a stalled stream, an unplugged camera) end the run with
the outputs finished. Every run is a real subprocess with a timeout: none may hang."""

from __future__ import annotations

import http.server
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from conftest import make_clip, pattern, probe, run_mstg

# --- media made here: what ../shared/testdata does not cover ----------------------------------
SIZE = (64, 48)
COLOUR = (40, 120, 200)  # BGR of the picture's flat part


def picture(index: int, width: int = SIZE[0], height: int = SIZE[1]) -> np.ndarray:
    """A flat colour with a white bar whose position says which frame it is."""
    img = np.empty((height, width, 3), np.uint8)
    img[:] = COLOUR
    x = (4 * index) % max(1, width - 8)
    img[:, x: x + 4] = 255
    return img


def video_file(path: Path, *, codec: str = "libx264", pix_fmt: str = "yuv420p", frames: int = 10,
               size: tuple[int, int] = SIZE, format: str | None = None) -> Path:
    with av.open(str(path), "w", format=format) as container:
        stream = container.add_stream(codec, rate=25)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], pix_fmt
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(picture(i, *size), format="bgr24").reformat(format=pix_fmt)
            frame.pts, frame.time_base = i, Fraction(1, 25)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def mjpeg_file(path: Path, *, sizes: list[tuple[int, int]], pts_ms: list[int] | None = None,
               corrupt: tuple[int, ...] = ()) -> Path:
    """Matroska of JPEG pictures, one packet each: sizes may change, timestamps may step back
    (the packets' decode order stays rising), chosen packets are replaced by garbage."""
    rng = np.random.default_rng(7)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mjpeg", rate=25)
        stream.width, stream.height, stream.pix_fmt = sizes[0][0], sizes[0][1], "yuvj420p"
        for i, (width, height) in enumerate(sizes):
            encoder = av.CodecContext.create("mjpeg", "w")
            encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuvj420p"
            encoder.time_base = Fraction(1, 25)
            frame = av.VideoFrame.from_ndarray(picture(i, width, height), format="bgr24").reformat(format="yuvj420p")
            frame.pts = 0
            for packet in encoder.encode(frame) + encoder.encode(None):
                if i in corrupt:
                    packet = av.Packet(rng.integers(0, 256, packet.size, dtype=np.uint8).tobytes())
                packet.stream = stream
                packet.pts, packet.dts = (pts_ms[i] if pts_ms else 40 * i), 10 * i
                packet.time_base = Fraction(1, 1000)
                container.mux(packet)
    return path


def ts_file(path: Path, seconds: float = 1.0) -> Path:
    """MPEG-TS with H.264 and AAC (a tone), starting at the muxer's usual offset."""
    with av.open(str(path), "w", format="mpegts") as container:
        video = container.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = SIZE[0], SIZE[1], "yuv420p"
        audio = container.add_stream("aac", rate=48000)
        audio.layout = "stereo"
        for i in range(int(seconds * 25)):
            frame = av.VideoFrame.from_ndarray(picture(i), format="bgr24")
            frame.pts, frame.time_base = i, Fraction(1, 25)
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        for k in range(int(seconds * 48000 / 1024)):
            tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(k * 1024, (k + 1) * 1024) / 48000)).astype(np.float32)
            frame = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp", layout="stereo")
            frame.sample_rate, frame.pts, frame.time_base = 48000, k * 1024, Fraction(1, 48000)
            container.mux(audio.encode(frame))
        container.mux(audio.encode(None))
    return path


def wav_file(path: Path, layout: str, channels: int) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=48000, layout=layout)
        for k in range(10):
            tone = (8000 * np.sin(2 * np.pi * 440 * np.arange(k * 4800, (k + 1) * 4800) / 48000)).astype(np.int16)
            frame = av.AudioFrame.from_ndarray(np.repeat(tone[:, None], channels, axis=1).reshape(1, -1),
                                               format="s16", layout=layout)
            frame.sample_rate, frame.pts = 48000, k * 4800
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def one_error_line(result: subprocess.CompletedProcess) -> str:
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if not line.startswith("hint: ")]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


def leftovers(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.part"))


# --- never clobber, never half-write -------------------------------------------------------------
OLD = b"an older recording that must survive"

FIRST_FAILS = '''
from dataclasses import dataclass
from mstg.transforms.base import Transform


@dataclass
class FirstFails(Transform):
    """Fails on the first frame: mstg run -t bad.py:FirstFails"""

    name = "firstfails"
    summary = "fails at once"
    kind = "video"
    pixel_format = "bgr24"

    def process(self, data, frame):
        raise RuntimeError("no")
'''


def test_an_existing_file_is_kept_without_y(tmp_path: Path, clip: Path) -> None:
    target = tmp_path / "old.mp4"
    target.write_bytes(OLD)
    result = run_mstg("run", "-i", str(clip), "-o", str(target), timeout=60)
    assert result.returncode == 6 and "exists" in one_error_line(result)
    assert target.read_bytes() == OLD


@pytest.mark.parametrize("case", ["encoder setup fails", "transform fails", "input refused"])
def test_a_run_that_fails_before_writing_keeps_the_old_file_even_with_y(tmp_path: Path, clip: Path,
                                                                        case: str) -> None:
    target = tmp_path / "old.mp4"
    target.write_bytes(OLD)
    plugin = tmp_path / "bad.py"
    plugin.write_text(FIRST_FAILS)
    source, extra, status = {
        "encoder setup fails": (clip, ["--pix-fmt", "nonsense"], 5),
        "transform fails": (clip, ["-t", f"{plugin}:FirstFails"], 7),
        "input refused": (mjpeg_file(tmp_path / "junk.mkv", sizes=[SIZE] * 4, corrupt=(0, 1, 2, 3)), [], 4),
    }[case]
    result = run_mstg("run", "-i", str(source), *extra, "-o", str(target), "-y", timeout=60)
    assert result.returncode == status
    one_error_line(result)
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_y_replaces_the_file_once_the_new_one_has_frames(tmp_path: Path, clip: Path) -> None:
    target = tmp_path / "old.mp4"
    target.write_bytes(OLD)
    result = run_mstg("run", "-i", str(clip), "--duration", "0.4", "-o", str(target), "-y", timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert len(probe(target)["video"]) == 10
    assert leftovers(tmp_path) == []


def test_a_fifo_is_written_in_place_not_replaced(tmp_path: Path, clip: Path) -> None:
    fifo = tmp_path / "pipe.mkv"
    os.mkfifo(fifo)
    received = bytearray()
    reader = threading.Thread(target=lambda: received.extend(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run_mstg("run", "-i", str(clip), "--duration", "0.4", "-o", str(fifo), "-y", timeout=60)
    reader.join(30)
    assert result.returncode == 0, result.stderr.decode()
    assert fifo.is_fifo()
    copy = tmp_path / "copy.mkv"
    copy.write_bytes(bytes(received))
    assert len(probe(copy)["video"]) == 10


def test_a_link_is_written_through_not_replaced(tmp_path: Path, clip: Path) -> None:
    """A symbolic link (as /dev/stdout is) keeps pointing where it did; the file it names gets
    the video, and keeps its permissions."""
    real = tmp_path / "real.mkv"
    real.write_bytes(OLD)
    real.chmod(0o640)
    link = tmp_path / "link.mkv"
    link.symlink_to(real)
    result = run_mstg("run", "-i", str(clip), "--duration", "0.4", "-o", str(link), "-y", timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert link.is_symlink() and link.resolve() == real
    assert len(probe(real)["video"]) == 10
    # the same for a link to the process's own stdout: what /dev/stdout is
    captured = tmp_path / "captured.mkv"
    stdout_link = tmp_path / "stdout.mkv"
    stdout_link.symlink_to("/proc/self/fd/1")
    with captured.open("wb") as sink:
        result = subprocess.run([sys.executable, "-m", "mstg", "run", "-i", str(clip), "--duration", "0.4",
                                 "-o", str(stdout_link), "-y"], stdout=sink, stderr=subprocess.PIPE, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert stdout_link.is_symlink() and len(probe(captured)["video"]) == 10
    # a replaced regular file keeps its mode
    plain = tmp_path / "plain.mkv"
    plain.write_bytes(OLD)
    plain.chmod(0o600)
    assert run_mstg("run", "-i", str(clip), "--duration", "0.4", "-o", str(plain), "-y", timeout=60).returncode == 0
    assert plain.stat().st_mode & 0o777 == 0o600 and len(probe(plain)["video"]) == 10


# --- bad input: processed, or refused with one clear line ------------------------------------
def mean_bgr(frame: av.VideoFrame) -> np.ndarray:
    pixels = frame.to_ndarray(format="bgr24")
    return pixels[:, -16:].reshape(-1, 3).mean(axis=0)  # the right side: no bar there yet


@pytest.mark.parametrize("codec, pix_fmt, ext", [
    ("libx264", "yuv420p10le", "mkv"),   # 10-bit 4:2:0 (High 10)
    ("libx264", "yuv422p", "mkv"),       # 4:2:2 (High 4:2:2)
    ("libx264", "yuv444p10le", "mp4"),   # 10-bit 4:4:4
    ("prores_ks", "yuv422p10le", "mov"),  # 10-bit 4:2:2 ProRes
    ("ffv1", "yuv444p", "mkv"),          # lossless 4:4:4
])
def test_high_depth_and_chroma_sources_are_processed(tmp_path: Path, codec: str, pix_fmt: str,
                                                     ext: str) -> None:
    source = video_file(tmp_path / f"source.{ext}", codec=codec, pix_fmt=pix_fmt)
    assert av.open(str(source)).streams.video[0].codec_context.pix_fmt == pix_fmt
    out = tmp_path / "out.mp4"
    result = run_mstg("run", "-i", str(source), "-t", "invert", "-o", str(out), timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    frames = probe(out)["video"]
    assert len(frames) == 10 and (frames[0][1].width, frames[0][1].height) == SIZE
    expected = 255 - np.array(COLOUR, float)
    assert np.abs(mean_bgr(frames[0][1]) - expected).max() < 12


def test_truncated_files(tmp_path: Path) -> None:
    whole = video_file(tmp_path / "whole.mkv", frames=50)
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 6 // 10])
    result = run_mstg("run", "-i", str(cut), "-o", str(tmp_path / "out.mkv"), timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert 10 < len(probe(tmp_path / "out.mkv")["video"]) < 50
    # an MP4 whose index (written last) is cut off cannot be read at all: refused
    mp4 = video_file(tmp_path / "whole.mp4", frames=50)
    cut_mp4 = tmp_path / "cut.mp4"
    cut_mp4.write_bytes(mp4.read_bytes()[: mp4.stat().st_size * 6 // 10])
    result = run_mstg("run", "-i", str(cut_mp4), "-o", str(tmp_path / "out2.mkv"), timeout=60)
    assert result.returncode == 4 and "cut.mp4" in one_error_line(result)
    assert not (tmp_path / "out2.mkv").exists()


@pytest.mark.parametrize("name", ["really-matroska.mp4", "really-matroska.wav", "noext"])
def test_wrong_extensions_are_read_by_content(tmp_path: Path, name: str) -> None:
    source = tmp_path / name
    source.write_bytes(video_file(tmp_path / "real.mkv").read_bytes())
    result = run_mstg("run", "-i", str(source), "-o", str(tmp_path / "out.mkv"), timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert len(probe(tmp_path / "out.mkv")["video"]) == 10


@pytest.mark.parametrize("name, content", [
    ("notes.mp4", b"just some text, not a video\n" * 20),
    ("empty.wav", b""),
    ("zeros.mkv", bytes(8192)),
])
def test_files_that_are_not_media_are_refused(tmp_path: Path, name: str, content: bytes) -> None:
    source = tmp_path / name
    source.write_bytes(content)
    result = run_mstg("run", "-i", str(source), "-o", str(tmp_path / "out.mkv"), timeout=60)
    assert result.returncode == 4 and name in one_error_line(result)
    assert not (tmp_path / "out.mkv").exists()


def test_timestamps_that_jump_back_go_on_rising(tmp_path: Path) -> None:
    """Two MPEG-TS files joined (`cat a.ts b.ts`): the second half starts over at 0."""
    part = ts_file(tmp_path / "part.ts").read_bytes()
    joined = tmp_path / "joined.ts"
    joined.write_bytes(part + part)
    out = tmp_path / "out.mkv"
    result = run_mstg("run", "-i", str(joined), "-o", str(out), timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    frames = probe(out)
    stamps = [t for t, _ in frames["video"]]
    assert len(stamps) == 50 and stamps == sorted(stamps)
    steps = np.diff(stamps)
    assert steps.min() > 0.035 and steps.max() < 0.045  # one frame apart, across the joint too
    audio_end = frames["audio"][-1][0]
    assert abs(audio_end - stamps[-1]) < 0.1  # the sound went on in step


def test_small_steps_back_in_timestamps_keep_every_frame(tmp_path: Path) -> None:
    source = mjpeg_file(tmp_path / "back.mkv", sizes=[SIZE] * 8, pts_ms=[0, 40, 80, 60, 120, 100, 160, 200])
    out = tmp_path / "out.mp4"
    result = run_mstg("run", "-i", str(source), "-o", str(out), timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    stamps = [t for t, _ in probe(out)["video"]]
    assert len(stamps) == 8 and all(b > a for a, b in zip(stamps, stamps[1:]))


def test_missing_timestamps_are_made_from_the_frame_rate(tmp_path: Path) -> None:
    source = video_file(tmp_path / "raw.h264", format="h264")  # an elementary stream: no timestamps
    assert all(f.pts is None for f in av.open(str(source)).decode(video=0))
    out = tmp_path / "out.mkv"
    result = run_mstg("run", "-i", str(source), "-o", str(out), timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert [round(t, 2) for t, _ in probe(out)["video"]] == [round(0.04 * i, 2) for i in range(10)]


def test_variable_frame_rate_keeps_each_timestamp(tmp_path: Path) -> None:
    stamps_ms = [0, 40, 50, 200, 210, 500, 520, 900]
    source = mjpeg_file(tmp_path / "vfr.mkv", sizes=[SIZE] * 8, pts_ms=stamps_ms)
    out = tmp_path / "out.mkv"
    result = run_mstg("run", "-i", str(source), "-o", str(out), timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert [round(t * 1000) for t, _ in probe(out)["video"]] == stamps_ms


def test_resolution_changes_mid_stream_are_scaled_to_the_first(tmp_path: Path) -> None:
    source = mjpeg_file(tmp_path / "sizes.mkv", sizes=[SIZE] * 5 + [(96, 72)] * 5 + [(32, 24)] * 5)
    out = tmp_path / "out.mp4"
    result = run_mstg("run", "-i", str(source), "-t", "grayscale", "-o", str(out), timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    frames = probe(out)["video"]
    assert len(frames) == 15 and {(f.width, f.height) for _, f in frames} == {SIZE}


def test_corrupt_packets_are_skipped_counted_and_reported(tmp_path: Path) -> None:
    source = mjpeg_file(tmp_path / "corrupt.mkv", sizes=[SIZE] * 10, corrupt=(3, 6))
    out = tmp_path / "out.mkv"
    result = run_mstg("run", "-i", str(source), "-o", str(out), timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr.decode().strip() == "warning: 2 corrupt packet(s) skipped"
    stamps = [round(t, 2) for t, _ in probe(out)["video"]]
    assert stamps == [0.0, 0.04, 0.08, 0.16, 0.2, 0.28, 0.32, 0.36]


@pytest.mark.parametrize("transform, ext", [("invert", "mp4"), ("grayscale", "webm"), ("blur", "mkv")])
def test_odd_dimensions_for_420_encoders(tmp_path: Path, transform: str, ext: str) -> None:
    source = make_clip(tmp_path / "odd.mkv", seconds=0.4, size=(161, 121), vcodec="ffv1", audio=False)
    out = tmp_path / f"out.{ext}"
    result = run_mstg("run", "-i", str(source), "-t", transform, "-o", str(out), timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    frames = probe(out)["video"]
    kept = (161, 121) if ext == "webm" else (160, 120)  # VP9 takes odd sides; x264 does not
    assert len(frames) == 10 and (frames[0][1].width, frames[0][1].height) == kept


@pytest.mark.parametrize("layout, channels", [("mono", 1), ("3.0", 3), ("5.1", 6), ("7.1.4", 12),
                                              ("hexadecagonal", 16)])
@pytest.mark.parametrize("ext", ["m4a", "mp3", "opus"])
def test_unusual_channel_layouts(tmp_path: Path, layout: str, channels: int, ext: str) -> None:
    source = wav_file(tmp_path / "in.wav", layout, channels)
    out = tmp_path / f"out.{ext}"
    result = run_mstg("run", "-i", str(source), "-o", str(out), timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    decoded = probe(out)["audio"]
    got = decoded[0][1].layout.nb_channels
    most = 2 if ext == "mp3" else 8
    assert got == (channels if channels <= most else 2)
    samples = np.concatenate([f.to_ndarray().reshape(-1) for _, f in decoded])
    assert 0.05 < np.sqrt(np.mean(samples.astype(np.float64) ** 2)) < 1.0  # the tone, not silence


def test_nan_and_infinite_samples_are_encoded_as_silence(tmp_path: Path) -> None:
    source = tmp_path / "garbage.wav"
    with av.open(str(source), "w") as container:
        stream = container.add_stream("pcm_f32le", rate=48000, layout="stereo")
        samples = np.full((1, 9600), 0.25, np.float32)
        samples[0, 1000:3000] = np.nan
        samples[0, 5000:5100] = np.inf
        frame = av.AudioFrame.from_ndarray(samples, format="flt", layout="stereo")
        frame.sample_rate, frame.pts = 48000, 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    out = tmp_path / "out.m4a"
    result = run_mstg("run", "-i", str(source), "-o", str(out), timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    decoded = np.concatenate([f.to_ndarray() for _, f in probe(out)["audio"]], axis=1)
    assert np.isfinite(decoded).all() and decoded.shape[1] >= 4800


# --- failing transforms ------------------------------------------------------------------------
BAD = '''
import time
from dataclasses import dataclass

import numpy as np

from mstg.transforms.base import Transform


@dataclass
class Boom(Transform):
    """Inverts the picture; fails on frames 5 and 12: mstg run -t bad.py:Boom"""

    name = "boom"
    summary = "fails now and then"
    kind = "video"
    pixel_format = "bgr24"

    def process(self, data, frame):
        if frame.index in (5, 12):
            raise RuntimeError("kaboom")
        return 255 - data


@dataclass
class AudioBoom(Transform):
    """Fails on the fourth audio frame."""

    name = "audioboom"
    summary = "fails"
    kind = "audio"
    sample_format = "fltp"

    def process(self, data, frame):
        if frame.index == 3:
            raise ValueError("no sound")
        return data


class _Returns(Transform):
    summary = "returns the wrong thing"
    kind = "video"
    pixel_format = "bgr24"


@dataclass
class Text(_Returns):
    name = "text"

    def process(self, data, frame):
        return "a picture"


@dataclass
class TwoChannels(_Returns):
    name = "twochannels"

    def process(self, data, frame):
        return data[:, :, :2]


@dataclass
class Floats(_Returns):
    name = "floats"

    def process(self, data, frame):
        return data / 255.0


@dataclass
class Empty(_Returns):
    name = "empty"

    def process(self, data, frame):
        return data[:0]


@dataclass
class HalfI420(_Returns):
    name = "halfi420"
    pixel_format = "yuv420p"

    def process(self, data, frame):
        return data[:-1]


@dataclass
class BadSetup(_Returns):
    name = "badsetup"

    def setup(self, settings):
        raise KeyError("width")

    def process(self, data, frame):
        return data
'''


@pytest.fixture()
def bad(tmp_path: Path) -> Callable[[str], str]:
    path = tmp_path / "bad.py"
    path.write_text(BAD)
    return lambda name: f"{path}:{name}"


def inverted(frame: av.VideoFrame) -> bool:
    return float(frame.to_ndarray(format="bgr24").mean()) > 128  # the pattern is dark


def test_a_failing_transform_stops_the_run_and_names_itself(tmp_path: Path, clip: Path,
                                                            bad: Callable[[str], str]) -> None:
    out = tmp_path / "out.mp4"
    result = run_mstg("run", "-i", str(clip), "-t", bad("Boom"), "-o", str(out), timeout=60)
    assert result.returncode == 7
    assert one_error_line(result) == "error: transform 'boom' failed on the frame at 0.200s: RuntimeError: kaboom"
    frames = probe(out)["video"]  # finished: it plays, with the frames before the failure
    assert len(frames) == 5 and all(inverted(f) for _, f in frames)


def test_on_error_skip_drops_the_failed_frames(tmp_path: Path, clip: Path, bad: Callable[[str], str]) -> None:
    out = tmp_path / "out.mp4"
    result = run_mstg("run", "-i", str(clip), "-t", bad("Boom"), "--on-error", "skip", "-o", str(out), timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert "2 frame(s)" in result.stderr.decode()
    frames = probe(out)["video"]
    stamps = [round(t, 2) for t, _ in frames]
    assert len(frames) == 48 and 0.2 not in stamps and 0.48 not in stamps
    assert all(inverted(f) for _, f in frames)


def test_on_error_pass_hands_the_failed_frames_on_untouched(tmp_path: Path, clip: Path,
                                                            bad: Callable[[str], str]) -> None:
    out = tmp_path / "out.mp4"
    result = run_mstg("run", "-i", str(clip), "-t", bad("Boom"), "--on-error", "pass", "-o", str(out), timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    frames = probe(out)["video"]
    assert len(frames) == 50
    untouched = [round(t, 2) for t, f in frames if not inverted(f)]
    assert untouched == [0.2, 0.48]


def test_a_failing_audio_transform_stops_the_video_too(tmp_path: Path, clip: Path,
                                                       bad: Callable[[str], str]) -> None:
    out = tmp_path / "out.mkv"
    result = run_mstg("run", "-i", str(clip), "-t", bad("AudioBoom"), "-o", str(out), timeout=60)
    assert result.returncode == 7
    assert "transform 'audioboom' failed on the frame at 0.064s: ValueError: no sound" in one_error_line(result)
    # the video stopped early too: a finished file of what it had (when the video had begun
    # before the failure), or none at all
    assert not out.exists() or len(probe(out)["video"]) < 50
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("name, message", [
    ("Text", "returned str; expected an array, a frame, a list of them, or None"),
    ("TwoChannels", "returned 2 channels for bgr24 (which has 3)"),
    ("Floats", "returned float64 pixels; a picture is uint8 (0-255)"),
    ("Empty", "returned an empty array of shape (0, 320, 3)"),
    ("HalfI420", "not an I420 picture"),
    ("BadSetup", "transform 'badsetup' cannot start: KeyError: 'width'"),
])
def test_a_transform_returning_the_wrong_thing_gets_a_clear_error(tmp_path: Path, clip: Path, bad: Callable[[str], str],
                                                                  name: str, message: str) -> None:
    result = run_mstg("run", "-i", str(clip), "-t", bad(name), "-o", str(tmp_path / "out.mkv"), timeout=60)
    assert result.returncode == 7
    line = one_error_line(result)
    assert message in line and f"'{name.lower()}'" in line


# --- faulty sinks and sources ------------------------------------------------------------------
@pytest.mark.parametrize("keep, muxer", [(0, None), (1, None), (3000, None), (200_000, None),
                                         (100, "mp4"), (5000, "matroska"), (20_000, "mpegts")])
def test_stdout_closed_by_the_reader_ends_quietly(clip: Path, keep: int, muxer: str | None) -> None:
    args = ["-i", str(clip), "-o", "-"] + (["-f", muxer] if muxer else [])
    # unbuffered: the reader takes exactly `keep` bytes; what is left (more than a pipe holds)
    # can only fail to be written
    proc = subprocess.Popen([sys.executable, "-m", "mstg", "run", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, bufsize=0)
    got = b""
    while len(got) < keep:
        chunk = proc.stdout.read(keep - len(got))  # type: ignore[union-attr]
        if not chunk:
            break
        got += chunk
    proc.stdout.close()  # type: ignore[union-attr]
    stderr = proc.stderr.read()  # type: ignore[union-attr]
    assert proc.wait(60) == 141 and stderr == b""
    assert len(got) == keep


def _limited(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_is_a_clear_error_and_the_file_keeps_what_fitted(tmp_path: Path) -> None:
    out = tmp_path / "full.mkv"
    began = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "mstg", "run", "-i", "testsrc2=size=320x240:rate=25",
                             "--duration", "300", "--crf", "0", "--fragmented", "-o", str(out)],
                            preexec_fn=_limited(400_000), capture_output=True, timeout=60)
    assert result.returncode == 5
    assert one_error_line(result) == f"error: cannot write {out}: File too large"
    assert "hint: the disk is full, or a file size limit was reached" in result.stderr.decode()
    assert time.monotonic() - began < 30  # stopped at the failure, not after 300 s of video
    frames = probe(out)["video"]
    assert len(frames) > 10 and [t for t, _ in frames] == sorted(t for t, _ in frames)


@pytest.fixture()
def stalling_server(tmp_path: Path) -> Iterator[str]:
    """HTTP on 127.0.0.1 that sends two thirds of a 12 s Matroska file (enough for FFmpeg to
    open it without waiting), then nothing, keeping the connection open."""
    data = video_file(tmp_path / "served.mkv", frames=300).read_bytes()
    release = threading.Event()

    class Stall(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            self.send_response(200)
            self.send_header("Content-Type", "video/x-matroska")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) * 2 // 3])
            self.wfile.flush()
            release.wait(30)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stall)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/served.mkv"
    release.set()
    server.shutdown()
    server.server_close()


@pytest.mark.timeout(60)
def test_a_stalled_network_input_times_out_with_a_message(tmp_path: Path, stalling_server: str) -> None:
    from mstg import InputError, Pipeline, open_input, open_output

    out = tmp_path / "out.mkv"
    began = time.monotonic()
    with pytest.raises(InputError, match=r"no data for 1s after \d\.\ds: the input stalled \(timed out\)"):
        Pipeline([open_input(stalling_server, timeout=1.0)], [open_output(str(out))]).run()
    assert time.monotonic() - began < 10
    assert len(probe(out)["video"]) > 100  # what came before the stall is in a finished file


@pytest.mark.timeout(60)
def test_ctrl_c_on_a_stalled_network_input_finishes_the_file(tmp_path: Path, stalling_server: str) -> None:
    out = tmp_path / "out.mkv"
    proc = subprocess.Popen([sys.executable, "-m", "mstg", "run", "-i", stalling_server, "-o", str(out),
                             "--video-codec", "ffv1"],  # no encoder delay: the file starts at once
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not out.exists():
            time.sleep(0.05)
        time.sleep(0.5)
        assert proc.poll() is None  # still running, its input stalled
        proc.send_signal(signal.SIGINT)
        began = time.monotonic()
        _, stderr = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr.decode()
    assert time.monotonic() - began < 5  # well before the 10 s read timeout
    assert len(probe(out)["video"]) > 100  # the 8 s that came, in a finished file


def test_a_camera_that_disappears_ends_the_run_with_the_file_finished(tmp_path: Path) -> None:
    from mstg import DeviceError, Pipeline, open_output
    from mstg.frames import VideoFrame
    from mstg.inputs.base import Frame, Input

    class Unplugged(Input):
        """A live camera that gives 30 frames, then vanishes."""

        live = True

        def __init__(self) -> None:
            super().__init__("cam-test", realtime=True)
            self._video = self._add_source("video", "test camera")

        def _frames(self) -> Iterator[tuple[int, Frame]]:
            for i in range(30):
                yield self._video, VideoFrame.from_ndarray(pattern(i, 64, 48), format="bgr24", timestamp=i * 40_000,
                                                           duration=40_000, index=i, capture_time=time.monotonic())
            raise DeviceError("cam-test: the camera was unplugged")

    out = tmp_path / "camera.mp4"
    with pytest.raises(DeviceError, match="unplugged"):
        Pipeline([Unplugged()], [open_output(str(out))]).run()
    frames = probe(out)["video"]
    assert len(frames) >= 20 and frames[-1][0] >= 1.0  # the frames up to the loss are kept
    assert b"moof" in out.read_bytes()  # a live source: the crash-tolerant layout


@pytest.mark.timeout(60)
def test_timeout_flag_ends_a_stalled_network_input_from_the_command_line(tmp_path: Path,
                                                                         stalling_server: str) -> None:
    out = tmp_path / "out.mkv"
    began = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "mstg", "run", "-i", stalling_server, "--timeout", "1",
                             "-o", str(out), "--video-codec", "ffv1"], capture_output=True, timeout=50)
    stderr = result.stderr.decode()
    assert result.returncode == 4 and "Traceback" not in stderr
    assert "the input stalled (timed out)" in stderr.splitlines()[0]
    assert time.monotonic() - began < 15
    assert len(probe(out)["video"]) > 100
