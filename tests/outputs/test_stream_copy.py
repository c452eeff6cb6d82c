"""``--audio-codec copy``: the input's audio packets muxed untouched, timestamps rebased."""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import numpy as np
import pytest

from mstg import InvalidStateError, Pipeline, UsageError, open_input, open_output
from mstg.frames import EncodedAudioChunk
from mstg.outputs import EncodeOptions

from conftest import make_clip, probe, run_mstg

COPY = EncodeOptions(audio_codec="copy")


def audio_packets(path: Path) -> list[tuple[float, str]]:
    """(pts in seconds, md5 of the payload) of every audio packet of a file."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return [(float(p.pts * p.time_base), hashlib.md5(bytes(p)).hexdigest())
                for p in container.demux(stream) if p.size]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 s of 160x120 H.264 and AAC."""
    return make_clip(tmp_path_factory.mktemp("copy") / "in.mp4", seconds=2.0, size=(160, 120))


def test_packets_are_copied_untouched(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mkv"
    stats = Pipeline([open_input(str(source))], [open_output(str(out), options=COPY)]).run()
    original, copied = audio_packets(source), audio_packets(out)
    assert [h for _, h in copied] == [h for _, h in original]
    assert stats.frames_out["audio"] == len(original)
    # same spacing (Matroska keeps milliseconds and shifts the priming packet's negative time
    # to 0, as FFmpeg's copy does), and the video is there, in step
    assert np.allclose(np.diff([t for t, _ in copied]), np.diff([t for t, _ in original]), atol=0.0011)
    decoded = probe(out)
    assert len(decoded["video"]) == 50
    assert abs(decoded["video"][0][0] - decoded["audio"][0][0]) < 0.03


def test_copy_from_a_start_point_is_rebased(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "cut.mp4"
    Pipeline([open_input(str(source), start=1.0, duration=0.6)],
             [open_output(str(out), options=COPY)]).run()
    copied = audio_packets(out)
    original = dict((h, t) for t, h in audio_packets(source))
    # each copied packet is one of the source's, 1 s earlier than it was there
    shifts = [original[h] - t for t, h in copied]
    assert np.allclose(shifts, 1.0, atol=0.002)
    assert 0.55 < copied[-1][0] - copied[0][0] < 0.65
    decoded = probe(out)
    assert abs(decoded["video"][0][0]) < 0.05 and abs(decoded["audio"][0][0]) < 0.05


def test_two_outputs_copy_the_same_packets(source: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.mp4", tmp_path / "b.mkv"
    Pipeline([open_input(str(source))], [open_output(str(a), options=COPY),
                                         open_output(str(b), options=COPY)]).run()
    assert [h for _, h in audio_packets(a)] == [h for _, h in audio_packets(b)] \
        == [h for _, h in audio_packets(source)]
    assert audio_packets(a) == audio_packets(source)  # MP4 keeps the times exactly
    assert np.allclose(np.diff([t for t, _ in audio_packets(b)]),
                       np.diff([t for t, _ in audio_packets(source)]), atol=0.0011)


def test_cli_copy_matches_ffmpeg_stream_copy(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    result = run_mstg("run", "-q", "-i", str(source), "--audio-codec", "copy", "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    assert audio_packets(out) == audio_packets(source)


def test_copy_into_a_container_that_cannot_hold_the_codec(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.ogg"  # Ogg holds no AAC
    result = run_mstg("run", "-i", str(source), "--audio-codec", "copy", "-o", str(out))
    assert result.returncode == 5
    assert "cannot hold aac audio" in result.stderr.decode()
    assert not out.exists()


def test_copy_refused_where_samples_are_needed(source: Path, tmp_path: Path) -> None:
    result = run_mstg("run", "-i", str(source), "-t", "gain:db=-6", "--audio-codec", "copy",
                      "-o", str(tmp_path / "x.mp4"))
    assert result.returncode == 2
    assert result.stderr.decode().startswith("error: --audio-codec copy: the audio transforms (gain)")
    assert "hint: name an encoder instead, e.g. --audio-codec aac" in result.stderr.decode()
    # Python callers read Python's names, and the parameter as a field
    with pytest.raises(UsageError, match="^audio_codec='copy': demo makes its audio itself") as caught:
        Pipeline([open_input("demo", duration=0.2)],
                 [open_output(str(tmp_path / "y.mp4"), options=COPY)]).run()
    assert caught.value.values == {"audio_codec": "copy"}


def test_a_chunk_has_no_samples(source: Path) -> None:
    source_input = open_input(str(source))
    source_input.copy_packets("audio")
    chunks = []
    with av.open(str(source)):
        for _, frame in source_input._frames():
            if isinstance(frame, EncodedAudioChunk):
                chunks.append(frame)
            else:
                frame.close()
            if len(chunks) == 3:
                break
    first = chunks[0]
    assert first.codec == "aac" and first.sample_rate == 48000 and first.number_of_channels == 2
    assert first.number_of_frames == 1024
    with pytest.raises(InvalidStateError, match="no samples"):
        first.to_ndarray()
    twin = first.clone()
    first.close()
    assert twin.packet is not None and not twin.closed


def test_copy_through_a_timestamp_reset_stays_in_order(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "part.ts", seconds=1.0, size=(64, 48))
    joined = tmp_path / "joined.ts"  # two clips back to back: the clock starts again halfway
    joined.write_bytes(clip.read_bytes() * 2)
    out = tmp_path / "out.mp4"
    Pipeline([open_input(str(joined))], [open_output(str(out), options=COPY)]).run()
    copied = audio_packets(out)
    times = [t for t, _ in copied]
    assert all(b > a for a, b in zip(times, times[1:]))
    assert len(copied) == 2 * len(audio_packets(clip))
    assert 1.9 < times[-1] - times[0] < 2.1
