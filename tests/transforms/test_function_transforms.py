"""Plain functions as transforms, for scripts: ``Pipeline(..., [func])`` and ``mstg.transform``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import mstg
from conftest import probe

LOSSLESS = mstg.EncodeOptions(video_codec="ffv1", audio_codec="flac")


def run(clip: Path, out: Path, transforms: list) -> mstg.Stats:
    sink = mstg.open_output(str(out), options=LOSSLESS)
    return mstg.Pipeline([mstg.open_input(str(clip))], [sink], transforms).run()


def bgr(frames: list) -> list[np.ndarray]:
    return [f.to_ndarray(format="bgr24").astype(np.int16) for _, f in frames]


def test_a_bare_function_is_a_bgr_video_transform(clip: Path, tmp_path: Path) -> None:
    seen: list[tuple[tuple[int, ...], int]] = []

    def negative(pixels: np.ndarray, frame: mstg.VideoFrame) -> np.ndarray:
        seen.append((pixels.shape, frame.timestamp))
        return 255 - pixels

    run(clip, tmp_path / "plain.mkv", [])
    stats = run(clip, tmp_path / "negative.mkv", [negative])
    plain, negated = probe(tmp_path / "plain.mkv"), probe(tmp_path / "negative.mkv")
    assert stats.frames_out["video"] == len(negated["video"]) == len(seen) == 50
    assert {shape for shape, _ in seen} == {(240, 320, 3)}
    assert [ts for _, ts in seen] == [round(t * 1e6) for t, _ in plain["video"]]
    for before, after in zip(bgr(plain["video"]), bgr(negated["video"])):
        # 255 - x, to within the rounding of two colour conversions
        assert np.abs(before + after - 255).mean() < 3
    assert len(negated["audio"]) == len(plain["audio"])  # the sound goes through untouched


def test_decorated_function_gets_the_layout_it_names(clip: Path, tmp_path: Path) -> None:
    shapes: list[tuple[int, ...]] = []

    @mstg.transform(pixel_format="gray")
    def threshold(pixels: np.ndarray, frame: mstg.VideoFrame) -> np.ndarray:
        shapes.append(pixels.shape)
        return np.where(pixels > 100, 255, 0).astype(np.uint8)

    assert threshold.name == "threshold" and threshold.input_format == "gray"
    run(clip, tmp_path / "bw.mkv", [threshold])
    assert set(shapes) == {(240, 320)}
    pictures = bgr(probe(tmp_path / "bw.mkv")["video"])
    assert len(pictures) == 50
    for picture in pictures:
        near_black, near_white = picture.max(axis=2) <= 20, picture.min(axis=2) >= 235
        assert (near_black | near_white).mean() > 0.99  # black and white only
        assert near_black.any() and near_white.any()


def test_a_function_returning_none_drops_the_frame(clip: Path, tmp_path: Path) -> None:
    stats = run(clip, tmp_path / "half.mkv", [lambda pixels, frame: pixels if frame.index % 2 == 0 else None])
    video = probe(tmp_path / "half.mkv")["video"]
    assert stats.frames_out["video"] == len(video) == 25
    assert [round(t, 2) for t, _ in video] == [round(i * 0.08, 2) for i in range(25)]


def test_audio_function_gets_the_samples(clip: Path, tmp_path: Path) -> None:
    quieter = mstg.transform(lambda samples, frame: samples * 0.5, kind="audio", name="half")
    assert repr(quieter) == "<transform half (audio, fltp)>"
    run(clip, tmp_path / "plain.mkv", [])
    run(clip, tmp_path / "quiet.mkv", [quieter])

    def rms(path: Path) -> float:
        samples = np.concatenate([f.to_ndarray() for _, f in probe(path)["audio"]], axis=1)
        return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))

    assert rms(tmp_path / "quiet.mkv") / rms(tmp_path / "plain.mkv") == pytest.approx(0.5, rel=0.02)


def test_a_failing_function_is_named_in_the_error(clip: Path, tmp_path: Path) -> None:
    def broken(pixels: np.ndarray, frame: mstg.VideoFrame) -> np.ndarray:
        raise RuntimeError("oops")

    with pytest.raises(mstg.TransformError, match="broken.*oops"):
        run(clip, tmp_path / "x.mkv", [broken])


def test_kind_must_be_video_or_audio() -> None:
    with pytest.raises(ValueError, match="kind must be"):
        mstg.transform(lambda p, f: p, kind="subtitles")


def test_transforms_given_as_strings_are_the_cli_ones(clip: Path, tmp_path: Path) -> None:
    events: list[dict] = []
    stats = mstg.Pipeline([mstg.open_input(str(clip))],
                          [mstg.open_output(str(tmp_path / "flipped.mkv"), options=LOSSLESS)],
                          ["flip:direction=horizontal", mstg.load_transform("level:interval=0.5")],
                          on_event=events.append).run()
    run(clip, tmp_path / "plain.mkv", [])
    plain = bgr(probe(tmp_path / "plain.mkv")["video"])
    flipped = bgr(probe(tmp_path / "flipped.mkv")["video"])
    assert stats.frames_out["video"] == len(flipped) == 50
    assert max(np.abs(a[:, ::-1] - b).max() for a, b in zip(plain, flipped)) <= 2
    assert {e["type"] for e in events} == {"level"} and len(events) >= 3


def test_a_bad_transform_string_is_a_usage_error() -> None:
    source = mstg.open_input("testsrc", duration=0.1)
    with pytest.raises(mstg.UsageError, match="did you mean 'blur'"):
        mstg.Pipeline([source], [mstg.open_output("null")], ["blurr:sigma=3"])
    with pytest.raises(TypeError, match="not a transform"):
        mstg.Pipeline([source], [mstg.open_output("null")], [42])


def test_a_function_with_a_third_parameter_reports_events(clip: Path, tmp_path: Path) -> None:
    @mstg.transform(pixel_format="gray", name="bright")
    def bright(pixels: np.ndarray, frame: mstg.VideoFrame, emit) -> mstg.VideoFrame:  # noqa: ANN001
        emit({"mean": round(float(pixels.mean()), 1)})
        return frame  # passed on as it is, in colour

    events: list[dict] = []
    stats = mstg.Pipeline([mstg.open_input(str(clip))], [mstg.open_output("null")], [bright],
                          on_event=events.append).run()
    assert stats.frames_out["video"] == 50 == len(events)
    assert [e["frame"] for e in events] == list(range(50))
    assert {e["type"] for e in events} == {"bright"} and all(16 <= e["mean"] <= 235 for e in events)
    assert [e["timestamp"] for e in events] == [n * 40_000 for n in range(50)]
    sink = tmp_path / "colour.mkv"
    mstg.Pipeline([mstg.open_input(str(clip))], [mstg.open_output(str(sink), options=LOSSLESS)], [bright]).run()
    run(clip, tmp_path / "plain.mkv", [])
    assert all(np.array_equal(a, b) for a, b in zip(bgr(probe(sink)["video"]), bgr(probe(tmp_path / "plain.mkv")["video"])))


def test_layouts_are_checked_when_the_transform_is_made() -> None:
    with pytest.raises(ValueError, match="pixel_format must be one of bgr24"):
        mstg.transform(lambda p, f: p, pixel_format="rgb")
    with pytest.raises(ValueError, match="sample_format must be one of fltp"):
        mstg.transform(lambda s, f: s, kind="audio", sample_format="s32")


def test_pixels_that_are_not_uint8_are_refused_not_wrapped(clip: Path, tmp_path: Path) -> None:
    summed = mstg.transform(lambda pixels, frame: pixels.sum(axis=2), name="summed")  # up to 765
    with pytest.raises(mstg.TransformError, match="summed.*int64 pixels; a picture is uint8"):
        run(clip, tmp_path / "x.mkv", [summed])
