"""The FFmpeg bridge: libavfilter chains as transforms (``ffmpeg:vf=...`` / ``ffmpeg:af=...``)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

import mstg
from conftest import probe, run_mstg
from mstg.chain import TransformChain
from mstg.errors import TransformError, UsageError
from mstg.frames import AudioData, VideoFrame
from mstg.transforms.registry import load_transform

W, H = 64, 48


@pytest.fixture(scope="module")
def decoded() -> list[av.VideoFrame]:
    """Ten 64x48 frames of FFmpeg's testsrc at 10 fps, as a decoder gives them (yuv420p)."""
    with av.open(f"testsrc=size={W}x{H}:rate=10:duration=1", format="lavfi") as container:
        frames = [f.reformat(format="yuv420p") for f in container.decode(video=0)]
    assert len(frames) == 10
    return frames


def wrap(frames: list[av.VideoFrame]) -> list[VideoFrame]:
    return [VideoFrame.from_av(f, timestamp=i * 100_000, duration=100_000, index=i)
            for i, f in enumerate(frames)]


def run_chain(transform: object, frames: list, settings: dict | None = None) -> list:
    chain = TransformChain([transform])
    chain.setup(settings or {})
    out = [o for frame in frames for o in chain.push(frame)]
    return out + chain.flush()


def planes(frame: VideoFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    i420 = frame.to_ndarray("yuv420p")
    h, w = frame.height, frame.width
    chroma = i420[h:].reshape(2, h // 2, w // 2)
    return i420[:h], chroma[0], chroma[1]


def test_hflip_equals_a_numpy_flip_of_every_plane(decoded: list[av.VideoFrame]) -> None:
    out = run_chain(load_transform("ffmpeg:vf=hflip"), wrap(decoded))
    assert len(out) == len(decoded)
    assert [f.timestamp for f in out] == [i * 100_000 for i in range(10)]
    for source, result in zip(wrap(decoded), out):
        for before, after in zip(planes(source), planes(result)):
            np.testing.assert_array_equal(after, before[:, ::-1])


def test_hflip_equals_the_builtin_flip(decoded: list[av.VideoFrame]) -> None:
    try:
        flip = load_transform("flip")
    except Exception as exc:  # noqa: BLE001 - the video helper's transform may not exist yet
        pytest.skip(f"built-in flip not available: {exc}")
    settings = {"width": W, "height": H, "frame_rate": 10}
    ours = run_chain(flip, wrap(decoded), settings)
    bridge = run_chain(load_transform("ffmpeg:vf=hflip"), wrap(decoded), settings)
    assert len(ours) == len(bridge) == 10
    for a, b in zip(ours, bridge):
        np.testing.assert_array_equal(a.to_ndarray("yuv420p"), b.to_ndarray("yuv420p"))


def test_volume_doubles_the_samples() -> None:
    t = np.arange(4096) / 48000
    wave = (0.25 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    source = np.stack([wave, -wave])
    frames = [AudioData.from_ndarray(np.ascontiguousarray(source[:, s:s + 1024]), sample_rate=48000,
                                     timestamp=s * 1_000_000 // 48000) for s in range(0, 4096, 1024)]
    out = run_chain(load_transform("ffmpeg:af=volume=2"), frames)
    assert [f.number_of_frames for f in out] == [1024] * 4
    assert [f.timestamp for f in out] == [0, 21333, 42666, 64000]
    result = np.concatenate([f.to_ndarray("fltp") for f in out], axis=1)
    np.testing.assert_allclose(result, source * 2, atol=1e-6)


def test_fps_filter_changes_the_frame_count_with_ordered_timing(decoded: list[av.VideoFrame]) -> None:
    assert len(run_chain(load_transform("ffmpeg:vf=fps=20"), wrap(decoded))) == 20
    # The frames as the filter times them (the chain may re-time them to its input frames).
    bridge = load_transform("ffmpeg:vf=fps=20")
    made: list[VideoFrame] = []
    for frame in wrap(decoded):
        out = bridge.process(None, frame)
        made += out if isinstance(out, list) else [out] if out is not None else []
    made += bridge.flush()  # fps holds the last frame until the end of the stream
    assert [f.timestamp for f in made] == [i * 50_000 for i in range(20)]
    assert {f.duration for f in made} == {50_000}
    half = run_chain(load_transform("ffmpeg:vf=fps=5"), wrap(decoded))
    assert len(half) == 5


def test_scale_changes_the_size_and_graphs_with_commas(decoded: list[av.VideoFrame]) -> None:
    out = run_chain(load_transform("ffmpeg:vf=scale=32:-2,hflip"), wrap(decoded[:2]))
    assert [(f.width, f.height) for f in out] == [(32, 24), (32, 24)]


def test_setup_tells_the_next_transforms_the_new_size_and_rate() -> None:
    video = {"width": 64, "height": 48, "frame_rate": 10.0}
    load_transform("ffmpeg:vf=scale=32:-2,transpose=1").setup(video)
    assert video == {"width": 24, "height": 32, "frame_rate": 10.0}
    audio = {"sample_rate": 44100, "channel_count": 2}
    load_transform("ffmpeg:af=aresample=16000,pan=mono|c0=c0").setup(audio)
    assert audio == {"sample_rate": 16000, "channel_count": 1}


def test_a_builtin_after_a_resizing_bridge_works_on_the_new_size(decoded: list[av.VideoFrame]) -> None:
    try:
        flip = load_transform("flip")
    except Exception as exc:  # noqa: BLE001 - the video helper's transform may not exist yet
        pytest.skip(f"built-in flip not available: {exc}")
    settings = {"width": W, "height": H}
    both = run_chain_of([load_transform("ffmpeg:vf=scale=32:-2"), flip], wrap(decoded[:3]), settings)
    alone = run_chain(load_transform("ffmpeg:vf=scale=32:-2,hflip"), wrap(decoded[:3]))
    assert settings == {"width": W, "height": H}  # the caller's settings are left alone
    for a, b in zip(both, alone, strict=True):
        np.testing.assert_array_equal(a.to_ndarray("yuv420p"), b.to_ndarray("yuv420p"))


def run_chain_of(transforms: list, frames: list, settings: dict) -> list:
    chain = TransformChain(transforms)
    chain.setup(settings)
    return [o for frame in frames for o in chain.push(frame)] + chain.flush()


def test_frames_held_until_the_end_come_out_on_flush(decoded: list[av.VideoFrame]) -> None:
    transform = load_transform("ffmpeg:vf=reverse")
    chain = TransformChain([transform])
    assert [o for frame in wrap(decoded[:4]) for o in chain.push(frame)] == []
    held = chain.flush()
    assert len(held) == 4
    first_in = wrap(decoded[3:4])[0].to_ndarray("gray")
    np.testing.assert_array_equal(held[0].to_ndarray("gray"), first_in)


def test_a_size_change_midstream_rebuilds_the_graph(decoded: list[av.VideoFrame]) -> None:
    small = decoded[0].reformat(width=32, height=24)
    frames = wrap([decoded[0], small])
    out = run_chain(load_transform("ffmpeg:vf=hflip"), frames)
    assert [(f.width, f.height) for f in out] == [(64, 48), (32, 24)]


def test_frames_from_arrays_go_through_too() -> None:
    picture = np.zeros((H, W, 3), np.uint8)
    picture[:, : W // 2] = (255, 0, 0)  # left half blue (BGR)
    frame = VideoFrame.from_ndarray(picture, format="bgr24", timestamp=0, duration=40_000)
    (out,) = run_chain(load_transform("ffmpeg:vf=hflip"), [frame])
    np.testing.assert_array_equal(out.to_ndarray("bgr24"), picture[:, ::-1])


@pytest.mark.parametrize("spec, message", [
    ("ffmpeg:vf=volume=2", "transform 'ffmpeg': 'volume=2' filters audio: use af= instead of vf="),
    ("ffmpeg:af=hflip", "transform 'ffmpeg': 'hflip' filters video: use vf= instead of af="),
    ("ffmpeg:vf=hflipp", "transform 'ffmpeg': FFmpeg has no filter 'hflipp'"),
    ("ffmpeg:vf=scale=w=10:h=10:bogus=1",
     "transform 'ffmpeg': filter 'scale' does not take 'w=10:h=10:bogus=1': No such option: bogus."),
    ("ffmpeg:vf=[in]hflip[out]", "transform 'ffmpeg': only a chain of filters joined by ',' is "
                                 "supported, not '[' (labelled graphs need ffmpeg itself)"),
    ("ffmpeg:vf=hflip,af=volume=2", "transform 'ffmpeg': FFmpeg has no filter 'af'"),
])
def test_mistakes_are_caught_when_the_transform_is_made(spec: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        load_transform(spec)
    assert str(caught.value) == message


def test_a_graph_that_cannot_take_the_frames_names_the_reason(decoded: list[av.VideoFrame]) -> None:
    with pytest.raises(TransformError) as caught:
        run_chain(load_transform("ffmpeg:vf=crop=400:300"), wrap(decoded[:1]))
    assert "filter chain 'crop=400:300' cannot take 64x48 yuv420p video" in str(caught.value)
    assert "Invalid too big or non positive size" in str(caught.value)


# --- through the command line --------------------------------------------------------------
def test_command_line_video_and_audio_bridges(tmp_path: Path) -> None:
    plain, flipped, small = tmp_path / "plain.mkv", tmp_path / "flipped.mkv", tmp_path / "small.mkv"
    common = ["-i", "testsrc", "--duration", "0.2", "--video-codec", "ffv1", "-y", "-q"]
    for out, extra in ((plain, []), (flipped, ["-t", "ffmpeg:vf=hflip"]),
                       (small, ["-t", "ffmpeg:vf=scale=160:-2,hflip"])):
        result = run_mstg("run", *common, *extra, "-o", str(out))
        assert result.returncode == 0, result.stderr.decode()
    before, after = probe(plain)["video"], probe(flipped)["video"]
    assert len(before) == len(after) == 5
    for (_, a), (_, b) in zip(before, after):  # ffv1 is lossless: exact pixels
        for plane_a, plane_b in zip(a.reformat(format="yuv420p").planes, b.reformat(format="yuv420p").planes):
            width = plane_a.width
            rows_a = np.frombuffer(plane_a, np.uint8).reshape(-1, plane_a.line_size)[:, :width]
            rows_b = np.frombuffer(plane_b, np.uint8).reshape(-1, plane_b.line_size)[:, :width]
            np.testing.assert_array_equal(rows_b, rows_a[:, ::-1])
    assert {(f.width, f.height) for _, f in probe(small)["video"]} == {(160, 120)}
    ref, loud = tmp_path / "ref.wav", tmp_path / "loud.wav"
    assert run_mstg("run", "-i", "sine", "--duration", "0.3", "-o", str(ref), "-y", "-q").returncode == 0
    result = run_mstg("run", "-i", "sine", "--duration", "0.3", "-t", "ffmpeg:af=volume=2",
                      "-o", str(loud), "-y", "-q")
    assert result.returncode == 0, result.stderr.decode()
    a, b = (np.concatenate([f.to_ndarray().ravel() for _, f in probe(p)["audio"]]).astype(float)
            for p in (ref, loud))
    assert len(a) == len(b) and np.abs(b - 2 * a).max() <= 1


def test_command_line_error_for_a_wrong_kind_is_one_line() -> None:
    result = run_mstg("run", "-i", "testsrc", "--duration", "0.2", "-t", "ffmpeg:vf=volume=2",
                      "-o", "null")
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        "error: transform 'ffmpeg': 'volume=2' filters audio: use af= instead of vf="]


# filters that hold frames back keep their own timing, end to end ---------------------------------
def test_reverse_keeps_every_timestamp_of_the_clip(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "reversed.mkv"
    result = run_mstg("run", "-i", str(clip), "-t", "ffmpeg:vf=reverse", "-o", str(out), "--no-audio")
    assert result.returncode == 0, result.stderr.decode()
    video = probe(out)["video"]
    times = [round(t, 3) for t, _ in video]
    assert len(video) == 50 and times == [round(i * 0.04, 3) for i in range(50)]  # not squeezed into 40 ms
    first, last = (f.to_ndarray(format="bgr24").astype(int) for f in (video[0][1], video[-1][1]))
    plain = probe(clip)["video"]
    # the first picture out is the clip's last one
    assert np.abs(first - plain[-1][1].to_ndarray(format="bgr24").astype(int)).mean() < 4
    assert np.abs(last - plain[0][1].to_ndarray(format="bgr24").astype(int)).mean() < 4


def test_an_audio_filter_that_holds_samples_keeps_the_sound_in_sync(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "areverse.mkv"
    result = run_mstg("run", "-i", str(clip), "-t", "ffmpeg:af=areverse", "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    frames = probe(out)
    audio_start, video_start = frames["audio"][0][0], frames["video"][0][0]
    audio_end = frames["audio"][-1][0] + frames["audio"][-1][1].samples / frames["audio"][-1][1].sample_rate
    assert abs(audio_start - video_start) < 0.03 and abs(audio_end - 2.0) < 0.05
    starts = [t for t, _ in frames["audio"]]
    assert starts == sorted(starts)


def test_frames_a_filter_makes_are_numbered_in_order(decoded: list[av.VideoFrame]) -> None:
    events: list[dict] = []
    counter = load_transform("ffmpeg:vf=fps=5")
    def seen(pixels: np.ndarray, frame: VideoFrame, emit) -> VideoFrame:  # noqa: ANN001
        emit({})
        return frame

    chain = TransformChain([counter, mstg.transform(seen)], on_event=events.append)
    chain.setup({"width": decoded[0].width, "height": decoded[0].height, "frame_rate": 25})
    for frame in wrap(decoded):
        chain.push(frame)
    chain.flush()
    assert [e["frame"] for e in events] == list(range(len(events))) and len(events) == 5
    assert [e["timestamp"] for e in events] == [i * 200_000 for i in range(5)]


def test_a_list_holding_the_input_frame_leaves_it_open() -> None:
    twice = mstg.transform(lambda pixels, frame: [frame, pixels.copy()], name="twice")
    chain = TransformChain([twice])
    chain.setup({"width": 8, "height": 6})
    frame = VideoFrame.from_ndarray(np.full((6, 8, 3), 77, np.uint8), timestamp=0, duration=40_000)
    out = chain.push(frame)
    assert len(out) == 2 and not any(f.closed for f in out)
    assert [f.timestamp for f in out] == [0, 20_000]
    assert all(int(f.to_ndarray("bgr24")[0, 0, 0]) == 77 for f in out)
