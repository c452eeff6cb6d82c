"""Parity with FFmpeg on awkward media: every file of ../shared/testdata/media through
``mstg run`` and FFmpeg's CLI, the results compared as a user would (tracks, displayed size,
frame count, durations). Each difference is either fixed or listed in :data:`DELIBERATE` and
in docs/reliability.md, with the reason."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import av
import pytest
from conftest import ROOT, TESTDATA, run_mstg

FFMPEG = shutil.which("ffmpeg")
MEDIA = sorted(p for p in (TESTDATA / "media").glob("*") if p.suffix not in (".tsv", ".md")) \
    if (TESTDATA / "media").is_dir() else []
#: Seconds two durations may differ by (an AAC frame of priming or padding, rounding).
DURATION_SLACK_S = 0.06
#: What differs on purpose, per file and field (the reasons are in docs/reliability.md).
DELIBERATE: dict[str, dict[str, str]] = {
    "bear-vp9-odd-dimensions.webm": {"ffmpeg": "FFmpeg's CLI stops: libx264 refuses the odd size; mstg "
                                               "scales to the nearest even size"},
    "cursed-vfr.mp4": {"frames": "mstg keeps every frame with its own timestamp (63); FFmpeg's "
                                 "Matroska output makes the rate constant (33)"},
    "resolution_change_500frames-vp9.ivf": {"frames": "every frame is stamped 0: mstg keeps all 500; "
                                                      "FFmpeg's CLI keeps 2"},
    "sample.flac": {"tracks": "cover art is not a video track in mstg: it is carried as cover art; "
                              "FFmpeg's CLI encodes it as a one-frame video"},
}


def shown(path: Path) -> dict[str, Any]:
    """Tracks, the first picture's displayed size, the frame count and each kind's duration."""
    found: dict[str, Any] = {"tracks": [], "size": None, "frames": 0, "video_s": None, "audio_s": None}
    with av.open(str(path)) as container:
        cover = av.stream.Disposition.attached_pic
        found["tracks"] = sorted("cover" if s.disposition & cover else s.type for s in container.streams
                                 if s.type in ("video", "audio"))
        video = [s for s in container.streams.video if not s.disposition & cover][:1]
        audio = container.streams.audio[:1]
        times: dict[str, list[float]] = {"video": [], "audio": []}
        for frame in container.decode(*video, *audio):
            if frame.pts is None:
                continue
            start = float(frame.pts * frame.time_base)
            if isinstance(frame, av.VideoFrame):
                if found["size"] is None:
                    sar = video[0].sample_aspect_ratio or video[0].codec_context.sample_aspect_ratio or 1
                    found["size"] = (round(frame.width * float(sar)), frame.height)
                times["video"].append(start)
            else:
                times["audio"] += [start, start + frame.samples / frame.sample_rate]
    found["frames"] = len(times["video"])
    for kind in ("video", "audio"):
        if times[kind]:
            found[f"{kind}_s"] = max(times[kind]) - min(times[kind])
    return found


@pytest.mark.skipif(FFMPEG is None, reason="Debian's ffmpeg CLI is not installed (.ci/run installs it)")
@pytest.mark.skipif(not MEDIA, reason=f"real-world test data not found at {TESTDATA}")
@pytest.mark.parametrize("source", MEDIA, ids=[p.name for p in MEDIA])
def test_mstg_shows_what_ffmpeg_shows(source: Path, tmp_path: Path) -> None:
    ours, theirs = tmp_path / "mstg.mkv", tmp_path / "ffmpeg.mkv"
    mine = run_mstg("run", "-i", str(source), "--encoder-preset", "ultrafast", "-o", str(ours), timeout=300)
    ref = subprocess.run([FFMPEG, "-v", "error", "-y", "-i", str(source), "-c:v", "libx264",  # type: ignore[list-item]
                          "-preset", "ultrafast", "-c:a", "aac", str(theirs)], capture_output=True, timeout=300)
    allowed = DELIBERATE.get(source.name, {})
    if ref.returncode != 0:
        if mine.returncode != 0:  # both refuse it (a corrupt file): parity
            assert mine.stderr.decode().startswith("error: ")
            return
        assert "ffmpeg" in allowed, f"FFmpeg fails, mstg does not: {ref.stderr.decode()[-300:]}"
        return
    assert mine.returncode == 0, mine.stderr.decode()
    a, b = shown(ours), shown(theirs)
    for field in ("tracks", "size", "frames"):
        if field in ("size", "frames") and "tracks" in allowed:
            continue  # a track one side does not have
        if field not in allowed:
            assert a[field] == b[field], f"{field}: mstg {a[field]}, FFmpeg {b[field]}"
        else:
            assert a[field] != b[field], f"{field} is listed as different but is the same: drop it"
    for field in ("video_s", "audio_s"):
        if a[field] is not None and b[field] is not None and "frames" not in allowed:
            assert abs(a[field] - b[field]) <= DURATION_SLACK_S, f"{field}: mstg {a[field]}, FFmpeg {b[field]}"


def test_every_deliberate_difference_is_documented() -> None:
    text = (ROOT / "docs" / "reliability.md").read_text()
    for name in DELIBERATE:
        assert name in text, f"{name} is not in docs/reliability.md's parity table"
