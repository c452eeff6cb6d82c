"""Text subtitle tracks carried from the input to file outputs (as FFmpeg does): copied with
their language and title, converted between MKV (subrip, ass) and MP4 (mov_text), cut and
shifted by --start/--duration, left out by -sn and by containers that hold none."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import pytest

from helpers import run_mstg

SRT = """1
00:00:00,500 --> 00:00:01,500
Hello there

2
00:00:02,000 --> 00:00:03,200
Second <i>cue</i>
"""
CUES = [(0.5, 1.5, "Hello there"), (2.0, 3.2, "Second cue")]


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """4 s of video and audio with the two cues: as an MKV subrip track (French, titled),
    an MKV ass track, and an MP4 mov_text track."""
    folder = tmp_path_factory.mktemp("subs")
    (folder / "cues.srt").write_text(SRT)
    mkv = folder / "in.mkv"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=4", "-f", "lavfi", "-i", "sine=duration=4",
           "-i", str(folder / "cues.srt"), "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264",
           "-c:a", "flac", "-c:s", "srt", "-metadata:s:s:0", "language=fre", "-metadata:s:s:0",
           "title=French cues", str(mkv))
    ass = folder / "ass.mkv"
    ffmpeg("-i", str(mkv), "-map", "0", "-c:v", "copy", "-c:a", "copy", "-c:s", "ass", str(ass))
    mp4 = folder / "in.mp4"
    ffmpeg("-i", str(mkv), "-map", "0", "-c:v", "copy", "-c:a", "aac", "-c:s", "mov_text", str(mp4))
    return {"srt": mkv, "ass": ass, "mp4": mp4}


def subtitle_streams(path: Path) -> list[dict]:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,codec_type:stream_tags",
                          "-of", "json", str(path)], capture_output=True, check=True).stdout
    return [s for s in json.loads(out)["streams"] if s["codec_type"] == "subtitle"]


def cues(path: Path) -> list[tuple[float, float, str]]:
    """The cues of the file's first subtitle track, decoded by FFmpeg: (start s, end s, text)."""
    found = []
    with av.open(str(path)) as container:
        stream = container.streams.subtitles[0]
        for packet in container.demux(stream):
            if packet.pts is None:
                continue
            for subtitle in packet.decode():  # PyAV gives the ASS rectangles (text with override tags)
                text = re.sub(r"\{\\[^}]*\}", "", subtitle.dialogue.decode()).replace("\\N", "\n").strip()
                if text:
                    start = float(packet.pts * packet.time_base)
                    found.append((round(start, 2), round(start + float(packet.duration * packet.time_base), 2), text))
    return found


def plays(path: Path) -> None:
    """FFmpeg decodes the file without a word (the cues: see :func:`cues`)."""
    result = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
                            capture_output=True, text=True)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def mstg(*args: str) -> None:
    result = run_mstg("run", *args, "-q")
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr


def test_the_input_has_the_cues(inputs: dict[str, Path]) -> None:
    assert cues(inputs["srt"]) == CUES and cues(inputs["ass"]) == CUES and cues(inputs["mp4"]) == CUES


@pytest.mark.parametrize("source, ext, codec", [("srt", ".mkv", "subrip"), ("ass", ".mkv", "ass"),
                                                ("srt", ".mp4", "mov_text"), ("ass", ".mp4", "mov_text"),
                                                ("mp4", ".mkv", "subrip"), ("mp4", ".mov", "mov_text"),
                                                ("srt", ".webm", "webvtt")])
def test_subtitles_are_copied_or_converted(inputs: dict[str, Path], tmp_path: Path, source: str, ext: str,
                                           codec: str) -> None:
    out = tmp_path / f"out{ext}"
    mstg("-i", str(inputs[source]), "-o", str(out))
    [stream] = subtitle_streams(out)
    assert stream["codec_name"] == codec
    if ext != ".mov":  # FFmpeg's MOV muxer writes no language for text (nor for its own copies)
        assert stream["tags"].get("language") == "fre"
    if ext == ".mkv" and source != "mp4":  # MP4 keeps no track title
        assert stream["tags"].get("title") == "French cues"
    assert cues(out) == CUES
    plays(out)


def test_start_and_duration_shift_and_cut_the_cues(inputs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "cut.mp4"
    mstg("-i", str(inputs["srt"]), "--start", "1", "--duration", "2", "-o", str(out))
    # the first cue began before the start: what is left of it; the second ends at the cut
    assert cues(out) == [(0.0, 0.5, "Hello there"), (1.0, 2.0, "Second cue")]
    plays(out)


def test_a_stream_copy_remux_keeps_the_subtitles(inputs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "remux.mkv"
    mstg("-i", str(inputs["srt"]), "-cv", "copy", "-ca", "copy", "-o", str(out))
    assert [s["codec_name"] for s in subtitle_streams(out)] == ["subrip"]
    assert cues(out) == CUES
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
    plays(out)


def test_no_metadata_leaves_the_subtitle_tags_out_too(inputs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "bare.mkv"
    mstg("-i", str(inputs["srt"]), "--no-metadata", "-o", str(out))
    [stream] = subtitle_streams(out)  # FFmpeg's -map_metadata -1 leaves the cues, not their tags
    assert "language" not in stream.get("tags", {}) and "title" not in stream.get("tags", {})
    assert cues(out) == CUES


def test_no_subtitles_leaves_them_out_per_output(inputs: dict[str, Path], tmp_path: Path) -> None:
    none, kept, sn = tmp_path / "none.mkv", tmp_path / "kept.mkv", tmp_path / "sn.mp4"
    mstg("-i", str(inputs["srt"]), "-o", f"{none}::no-subtitles", "-o", str(kept))
    assert subtitle_streams(none) == [] and cues(kept) == CUES
    mstg("-i", str(inputs["srt"]), "-sn", "-o", str(sn))
    assert subtitle_streams(sn) == []
    plays(none)


@pytest.mark.parametrize("ext", [".wav", ".ts", ".ogg"])
def test_containers_without_text_subtitles_drop_them(inputs: dict[str, Path], tmp_path: Path, ext: str) -> None:
    out = tmp_path / f"out{ext}"
    mstg("-i", str(inputs["srt"]), "--duration", "1", "-o", str(out))
    assert subtitle_streams(out) == []
    plays(out)


def test_no_subtitles_in_a_job_description() -> None:
    from mstg.job import OutputConfig, RunConfig
    from mstg.job.flags import from_flags

    job = from_flags({"inputs": ("a.mkv",), "outputs": ("b.mp4",), "no_subtitles": True})
    assert job.outputs[0].subtitles is False
    assert job.outputs[0].encode_options().subtitles is False
    assert RunConfig.from_dict(job.to_dict()) == job
    assert OutputConfig("c.mkv").encode_options().subtitles is True


def test_no_subtitles_in_a_preset(inputs: dict[str, Path], tmp_path: Path) -> None:
    preset, out = tmp_path / "quiet.yaml", tmp_path / "out.mkv"
    preset.write_text("version: 1\nno-subtitles: true\n")
    mstg("--preset", str(preset), "-i", str(inputs["srt"]), "--duration", "1", "-o", str(out))
    assert subtitle_streams(out) == []


def video_seconds(path: Path) -> float:
    """How far the file's video goes (0 while it holds none)."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=pts_time",
                          "-of", "csv=p=0", str(path)], capture_output=True, text=True).stdout.split()
    times = [float(t) for t in out if t.replace(".", "", 1).isdigit()]
    return max(times, default=0.0)


@pytest.mark.timeout(180)
def test_sparse_cues_do_not_hold_back_a_crash_tolerant_recording(tmp_path: Path) -> None:
    """Two recordings of one --realtime run, one with the subtitles: killed once the one without
    holds 8 s, the one with them holds as much, give or take FFmpeg's interleaving (1 s)."""
    source = tmp_path / "long.mkv"
    (tmp_path / "cues.srt").write_text(SRT)
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=60", "-i", str(tmp_path / "cues.srt"),
           "-map", "0", "-map", "1", "-c:v", "libx264", "-preset", "ultrafast", "-c:s", "srt", str(source))
    with_cues, without = tmp_path / "with.mkv", tmp_path / "without.mkv"
    proc = subprocess.Popen([sys.executable, "-m", "mstg", "run", "-i", str(source), "--realtime", "-q",
                             "-o", str(with_cues), "-o", f"{without}::no-subtitles"], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while video_seconds(without) < 8 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)  # a poll step of the bounded wait above, not a wait for the clock
        assert video_seconds(without) >= 8, "the recording without subtitles never reached 8 s"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert video_seconds(with_cues) >= video_seconds(without) - 2  # FFmpeg's default would keep 10 s back
    assert cues(with_cues) == CUES
