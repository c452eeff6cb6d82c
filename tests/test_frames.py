"""VideoFrame and AudioData: timing, formats, conversions once, clone and close."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from mstg import AudioData, InvalidStateError, VideoFrame


def decoded_yuv(width: int = 64, height: int = 48) -> av.VideoFrame:
    bgr = np.zeros((height, width, 3), np.uint8)
    bgr[:, : width // 2] = (0, 0, 255)  # red left half
    frame = av.VideoFrame.from_ndarray(bgr, format="bgr24").reformat(format="yuv420p")
    frame.pts, frame.time_base = 3, Fraction(1, 25)
    return frame


def limited_i420(width: int, height: int, lumas: list[int]) -> av.VideoFrame:
    """A decoded-style I420 frame whose columns of Y run through ``lumas``, neutral colour."""
    y = np.tile(np.array(lumas, np.uint8), (height, width // len(lumas)))
    return av.VideoFrame.from_ndarray(np.vstack([y, np.full((height // 2, width), 128, np.uint8)]),
                                      format="yuv420p")


def test_gray_is_full_range_as_in_opencv_and_ffmpeg() -> None:
    """Video luma runs 16-235; grey runs 0-255 (OpenCV's BGR2GRAY, FFmpeg's ``gray``)."""
    source = limited_i420(64, 48, [16, 235, 126, 70])
    frame = VideoFrame.from_av(source, timestamp=120_000, duration=40_000, index=3)
    gray = frame.to_ndarray("gray")
    assert gray.shape == (48, 64) and gray[0, :4].tolist() == [0, 255, 128, 63]
    assert gray[0, :4].tolist() == source.reformat(format="gray").to_ndarray()[0, :4].tolist()  # as swscale
    assert (frame.timestamp, frame.duration, frame.index) == (120_000, 40_000, 3)
    # and back: grey made into video is limited range again, every luma kept
    lumas = list(range(16, 236))
    wide = VideoFrame.from_av(limited_i420(220 * 2, 2, lumas), timestamp=0).to_ndarray("gray")
    back = VideoFrame.from_ndarray(wide.copy(), format="gray", timestamp=0).to_ndarray("yuv420p")
    assert back[0, :220].tolist() == lumas and set(back[2:].ravel().tolist()) == {128}


def test_gray_of_a_full_range_frame_is_its_y_plane_without_copy() -> None:
    source = limited_i420(64, 48, [0, 255])
    source.color_range = 2  # JPEG (full) range, as cameras' MJPEG gives
    gray = VideoFrame.from_av(source, timestamp=0).to_ndarray("gray")
    assert gray[0, :2].tolist() == [0, 255]
    assert np.shares_memory(gray, np.frombuffer(source.planes[0], np.uint8))


def test_bgr_conversion_is_cached_and_correct() -> None:
    frame = VideoFrame.from_av(decoded_yuv(), timestamp=0)
    bgr = frame.to_ndarray("bgr24")
    assert frame.to_ndarray("bgr24") is bgr
    b, g, r = bgr[24, 8].tolist()
    assert r > 200 and g < 40 and b < 40
    assert bgr[24, 56].max() < 20


def test_i420_round_trip_through_pyav_keeps_pixels() -> None:
    i420 = np.random.default_rng(1).integers(0, 255, (72, 64), np.uint8)
    frame = VideoFrame.from_ndarray(i420, format="yuv420p", timestamp=0)
    assert (frame.width, frame.height) == (64, 48)
    back = VideoFrame.from_av(frame.to_av(), timestamp=0).to_ndarray("yuv420p")
    assert np.array_equal(back, i420)


def test_clone_shares_pixels_and_close_is_per_handle() -> None:
    frame = VideoFrame.from_ndarray(np.full((4, 4, 3), 9, np.uint8), timestamp=5)
    twin = frame.clone()
    frame.close()
    assert frame.closed and not twin.closed
    assert twin.to_ndarray("bgr24")[0, 0, 0] == 9 and twin.timestamp == 5
    with pytest.raises(InvalidStateError):
        frame.to_ndarray("bgr24")


def test_odd_sized_frames_convert_through_swscale() -> None:
    frame = VideoFrame.from_ndarray(np.full((5, 7, 3), 128, np.uint8), timestamp=0)
    assert frame.to_ndarray("gray").shape == (5, 7)
    assert frame.to_av().width == 7


def test_bad_pixels_are_refused() -> None:
    with pytest.raises(TypeError):
        VideoFrame.from_ndarray(np.zeros((4, 4, 3), np.float32), timestamp=0)
    with pytest.raises(ValueError):
        VideoFrame.from_ndarray(np.zeros((4, 4, 3), np.uint8), format="hsv", timestamp=0)


def test_audio_formats_convert_between_planar_interleaved_and_int16() -> None:
    planar = np.stack([np.full(480, 0.5, np.float32), np.full(480, -0.25, np.float32)])
    data = AudioData.from_ndarray(planar, sample_rate=48000, timestamp=1000)
    assert (data.number_of_channels, data.number_of_frames, data.duration) == (2, 480, 10_000)
    assert data.to_ndarray("flt").shape == (480, 2)
    assert data.to_ndarray("s16p")[0, 0] == 16384 and data.to_ndarray("s16p")[1, 0] == -8192
    back = AudioData.from_av(data.to_av(), timestamp=0).to_ndarray("fltp")
    assert np.allclose(back, planar)


def test_audio_from_interleaved_s16_pyav_frame() -> None:
    samples = np.array([[1000, -1000, 2000, -2000]], np.int16)  # two stereo samples interleaved
    frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="stereo")
    frame.sample_rate = 8000
    data = AudioData.from_av(frame, timestamp=0)
    planar = data.to_ndarray("fltp")
    assert planar.shape == (2, 2)
    assert np.allclose(planar * 32768, [[1000, 2000], [-1000, -2000]])


def test_rgb_and_bgra_convert_exactly_both_ways() -> None:
    stripes = np.zeros((6, 8, 3), np.uint8)
    stripes[:, 0::2] = (255, 0, 0)  # red in RGB
    rgb = VideoFrame.from_ndarray(stripes.copy(), format="rgb24", timestamp=0)
    bgra = rgb.to_ndarray("bgra")
    assert bgra[0, 0].tolist() == [0, 0, 255, 255] and bgra[0, 1].tolist() == [0, 0, 0, 255]
    back = VideoFrame.from_ndarray(bgra.copy(), format="bgra", timestamp=0).to_ndarray("rgb24")
    assert np.array_equal(back, stripes)
