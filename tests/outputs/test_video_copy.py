"""--video-codec copy: the input's video packets muxed untouched, trimmed at keyframes as
``ffmpeg -ss ... -c copy`` does, mixed with transcoded audio (and copied audio)."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import av
import pytest

from conftest import run_mstg


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6 s of H.264 (a keyframe every second) and AAC, made by FFmpeg."""
    path = tmp_path_factory.mktemp("vcopy") / "in.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=6",
                    "-f", "lavfi", "-i", "sine=duration=6", "-c:v", "libx264", "-g", "25", "-sc_threshold", "0",
                    "-c:a", "aac", str(path)], check=True)
    return path


def video_packets(path: Path) -> list[tuple[float, bool, str]]:
    """(pts seconds, keyframe, md5 of the payload) of every video packet, in decoding order."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [(float(p.pts * p.time_base), p.is_keyframe, hashlib.md5(bytes(p)).hexdigest())
                for p in container.demux(stream) if p.size]


def codecs(path: Path) -> dict[str, str]:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name", "-of", "json",
                          str(path)], capture_output=True, check=True).stdout
    return {s["codec_type"]: s["codec_name"] for s in json.loads(out)["streams"]}


def test_video_copy_keeps_every_packet(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mkv"
    result = run_mstg("run", "-i", str(source), "-cv", "copy", "-ca", "copy", "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    assert codecs(out) == {"video": "h264", "audio": "aac"}
    assert [h for _, _, h in video_packets(out)] == [h for _, _, h in video_packets(source)]
    played = subprocess.run(["ffmpeg", "-v", "error", "-i", str(out), "-f", "null", "-"], capture_output=True)
    assert played.returncode == 0 and not played.stderr


def test_trim_starts_at_the_keyframe_before_start(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "cut.mp4"
    result = run_mstg("run", "-i", str(source), "--start", "2.5", "--duration", "2", "-cv", "copy",
                      "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    original = {h: (t, key) for t, key, h in video_packets(source)}
    copied = video_packets(out)
    assert copied[0][1] and original[copied[0][2]] == (2.0, True)  # the keyframe at 2 s comes first
    assert min(t for t, _, _ in copied) == pytest.approx(0.0, abs=0.001)
    assert max(original[h][0] for _, _, h in copied) == pytest.approx(4.48, abs=0.05)  # ends at 2.5 + 2
    assert [t for t, key, _ in copied if key] == pytest.approx([0.0, 1.0, 2.0], abs=0.001)
    assert codecs(out) == {"video": "h264", "audio": "aac"}  # the audio re-encoded from 2 s too
    with av.open(str(out)) as container:
        audio = [float(f.pts * f.time_base) for f in container.decode(audio=0)]
    assert audio[0] == pytest.approx(0.0, abs=0.03) and audio[-1] == pytest.approx(2.5, abs=0.05)


def test_copied_video_with_transcoded_audio(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "mixed.mkv"
    result = run_mstg("run", "-i", str(source), "-cv", "copy", "-ca", "libopus", "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    assert codecs(out) == {"video": "h264", "audio": "opus"}
    assert len(video_packets(out)) == 150


def test_transcoded_video_with_copied_audio(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "mixed.webm"
    result = run_mstg("run", "-i", str(source), "-cv", "libvpx-vp9", "-ca", "copy", "--duration", "1",
                      "-o", str(tmp_path / "mixed.mkv"), "-q")
    assert result.returncode == 0, result.stderr
    assert codecs(tmp_path / "mixed.mkv") == {"video": "vp9", "audio": "aac"}
    assert not out.exists()


def test_a_container_that_cannot_hold_the_codec(source: Path, tmp_path: Path) -> None:
    result = run_mstg("run", "-i", str(source), "-cv", "copy", "-o", str(tmp_path / "x.webm"))
    assert result.returncode == 5 and b"cannot hold h264 video as it is" in result.stderr
    assert not list(tmp_path.iterdir())


def test_copy_and_a_video_transform_do_not_mix(source: Path, tmp_path: Path) -> None:
    result = run_mstg("run", "-i", str(source), "-cv", "copy", "-t", "grayscale", "-o", str(tmp_path / "x.mkv"))
    assert result.returncode == 2 and b"need decoded video" in result.stderr
    assert b"--video-codec libx264" in result.stderr
