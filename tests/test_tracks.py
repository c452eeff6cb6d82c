"""DESIGN.md's semantics of tracks, processors and generators: one test per rule."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest

from mstg import (AudioData, InvalidStateError, MediaStreamTrackGenerator,
                  MediaStreamTrackProcessor, VideoFrame)
from mstg.tracks import MediaStreamTrack, TrackSource


def video(ts: int = 0, value: int = 200, size: tuple[int, int] = (8, 6)) -> VideoFrame:
    w, h = size
    return VideoFrame.from_ndarray(np.full((h, w, 3), value, np.uint8), timestamp=ts, duration=40_000)


def audio(ts: int = 0) -> AudioData:
    return AudioData.from_ndarray(np.full((2, 480), 0.5, np.float32), sample_rate=48000, timestamp=ts)


def drain(processor: MediaStreamTrackProcessor) -> list:
    frames = []
    while (frame := processor.read(timeout=0)) is not None:
        frames.append(frame)
    return frames


# Generator (writing) ------------------------------------------------------------------------

def test_writing_a_frame_of_the_wrong_kind_raises_type_error() -> None:
    generator = MediaStreamTrackGenerator("video")
    frame = audio()
    with pytest.raises(TypeError):
        generator.writable.write(frame)
    assert not frame.closed


def test_writing_a_closed_frame_raises_type_error() -> None:
    generator = MediaStreamTrackGenerator("video")
    frame = video()
    frame.close()
    with pytest.raises(TypeError):
        generator.writable.write(frame)


def test_writing_something_that_is_not_a_frame_raises_type_error() -> None:
    generator = MediaStreamTrackGenerator("audio")
    with pytest.raises(TypeError):
        generator.writable.write(np.zeros((2, 10), np.float32))  # type: ignore[arg-type]


def test_a_written_frame_is_closed_by_the_write() -> None:
    generator = MediaStreamTrackGenerator("video")
    processor = MediaStreamTrackProcessor(generator, max_buffer_size=2)
    frame = video(ts=1234)
    generator.writable.write(frame)
    assert frame.closed
    received = processor.read(timeout=1)
    assert received is not None and not received.closed and received.timestamp == 1234


def test_writable_closes_only_when_the_last_clone_stopped_and_a_late_write_leaves_the_frame_open() -> None:
    generator = MediaStreamTrackGenerator("video")
    twin = generator.clone()
    reader = MediaStreamTrackProcessor(twin, max_buffer_size=4)
    generator.stop()
    generator.writable.write(video(ts=1))  # the clone still lives: the write goes through
    assert [f.timestamp for f in drain(reader)] == [1]
    twin.stop()
    late = video(ts=2)
    with pytest.raises(InvalidStateError):
        generator.writable.write(late)
    assert not late.closed


def test_muted_generator_drops_written_frames_for_every_track() -> None:
    generator = MediaStreamTrackGenerator("video")
    readers = [MediaStreamTrackProcessor(t, max_buffer_size=4) for t in (generator, generator.clone())]
    generator.muted = True
    frame = video()
    generator.writable.write(frame)
    assert frame.closed
    assert generator.muted and all(r.track.muted for r in readers)
    assert [drain(r) for r in readers] == [[], []]
    generator.muted = False
    generator.writable.write(video(ts=5))
    assert [[f.timestamp for f in drain(r)] for r in readers] == [[5], [5]]


def test_disabled_track_gives_black_video_to_its_own_consumer_only() -> None:
    generator = MediaStreamTrackGenerator("video")
    shown = MediaStreamTrackProcessor(generator, max_buffer_size=2)
    hidden_track = generator.clone()
    hidden = MediaStreamTrackProcessor(hidden_track, max_buffer_size=2)
    hidden_track.enabled = False
    generator.writable.write(video(value=200))
    visible_frame, black_frame = shown.read(timeout=1), hidden.read(timeout=1)
    assert visible_frame.to_ndarray("bgr24").min() == 200
    assert black_frame.to_ndarray("bgr24").max() <= 2  # limited-range black
    assert (black_frame.width, black_frame.height) == (8, 6)


def test_disabled_audio_track_is_silent() -> None:
    generator = MediaStreamTrackGenerator("audio")
    track = generator.clone()
    reader = MediaStreamTrackProcessor(track, max_buffer_size=2)
    track.enabled = False
    generator.writable.write(audio())
    samples = reader.read(timeout=1).to_ndarray("fltp")
    assert samples.shape == (2, 480) and not samples.any()


def test_clone_feeds_a_second_consumer_from_one_write() -> None:
    generator = MediaStreamTrackGenerator("video")
    first = MediaStreamTrackProcessor(generator, max_buffer_size=8)
    second = MediaStreamTrackProcessor(generator.clone(), max_buffer_size=8)
    for ts in (0, 40_000, 80_000):
        generator.writable.write(video(ts=ts))
    assert [f.timestamp for f in drain(first)] == [f.timestamp for f in drain(second)] == [0, 40_000, 80_000]


def test_get_settings_reports_the_latest_frame() -> None:
    generator = MediaStreamTrackGenerator("video")
    generator.writable.write(video(size=(8, 6)))
    generator.writable.write(video(size=(16, 10)))
    assert generator.get_settings() == {"width": 16, "height": 10, "frame_rate": 25.0}
    sound = MediaStreamTrackGenerator("audio")
    sound.writable.write(audio())
    assert sound.get_settings() == {"sample_rate": 48000, "channel_count": 2}


def test_ended_callback_runs_once_when_the_track_ends() -> None:
    generator = MediaStreamTrackGenerator("video")
    seen: list[str] = []
    generator.add_ended_callback(lambda t: seen.append(t.ready_state))
    generator.writable.close()
    generator.stop()
    assert seen == ["ended"] and generator.ready_state == "ended"


# Processor (reading) --------------------------------------------------------------------------

def live_source(fps: float, seconds: float) -> tuple[MediaStreamTrack, threading.Thread]:
    """A real-time source: one frame every 1/fps seconds, never waiting for the reader."""
    source = TrackSource("video", live=True)
    track = MediaStreamTrack(source, label="live")

    def produce() -> None:
        start = time.monotonic()
        n = 0
        while n < fps * seconds:
            source.deliver(video(ts=int(n * 1e6 / fps)))
            n += 1
            time.sleep(max(0.0, start + n / fps - time.monotonic()))
        source.end()

    return track, threading.Thread(target=produce, daemon=True)


def test_live_processor_holds_one_video_frame_by_default() -> None:
    track, _ = live_source(25, 0)
    assert MediaStreamTrackProcessor(track).max_buffer_size == 1


def test_slow_reader_of_a_live_track_sees_gaps_not_lag() -> None:
    track, producer = live_source(fps=25, seconds=1.6)
    processor = MediaStreamTrackProcessor(track)
    producer.start()
    stamps: list[int] = []
    lags: list[float] = []
    started = time.monotonic()
    for frame in processor.readable:
        stamps.append(frame.timestamp)
        lags.append(time.monotonic() - started - frame.timestamp / 1e6)
        frame.close()
        time.sleep(0.120)
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    assert len(stamps) >= 8
    # 120 ms a frame on a 25 fps source: about 3 frames apart (scheduling jitter on a busy machine
    # can bring one pair to 2), never the next frame in a growing queue
    assert sorted(gaps[:-1])[len(gaps[:-1]) // 2] >= 3 * 40_000
    assert min(gaps[:-1]) >= 2 * 40_000
    assert processor.dropped >= 20
    assert max(lags) < 0.25  # never a growing queue


def test_file_track_never_drops_the_reader_applies_backpressure() -> None:
    source = TrackSource("video", live=False)
    track = MediaStreamTrack(source)
    processor = MediaStreamTrackProcessor(track, max_buffer_size=2)
    delivered: list[int] = []

    def produce() -> None:
        for n in range(10):
            source.deliver(video(ts=n))
            delivered.append(n)
        source.end()

    producer = threading.Thread(target=produce)
    producer.start()
    time.sleep(0.2)
    assert len(delivered) <= 3  # blocked: two queued, one waiting
    got = [f.timestamp for f in processor.readable]
    producer.join(2)
    assert got == list(range(10)) and processor.dropped == 0


def test_readable_ends_when_the_track_ends() -> None:
    source = TrackSource("audio")
    track = MediaStreamTrack(source)
    processor = MediaStreamTrackProcessor(track, max_buffer_size=4)
    source.deliver(audio(ts=7))
    source.end()
    assert [f.timestamp for f in processor.readable] == [7]
    assert track.ready_state == "ended"


def test_a_read_pending_at_stop_returns() -> None:
    generator = MediaStreamTrackGenerator("video")
    processor = MediaStreamTrackProcessor(generator)
    result: list[object] = []
    reader = threading.Thread(target=lambda: result.append(processor.read()))
    reader.start()
    time.sleep(0.1)
    assert reader.is_alive()
    generator.stop()
    reader.join(2)
    assert not reader.is_alive() and result == [None]


# asyncio ------------------------------------------------------------------------------------
async def with_ticks(work: Any, pause: float) -> tuple[Any, int]:
    """Await ``work`` while another task counts its turns (sleeping ``pause`` between them):
    (what ``work`` gave, how many turns the event loop gave the other task meanwhile)."""
    import asyncio

    turns = 0

    async def other() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(pause)

    task = asyncio.create_task(other())
    await asyncio.sleep(0)
    try:
        result = await work
    finally:
        task.cancel()
    return result, turns


async def timestamps(processor: MediaStreamTrackProcessor) -> list[int]:
    got = []
    async for frame in processor.readable:
        got.append(frame.timestamp)
        frame.close()
    return got


def test_async_for_reads_every_frame_of_a_real_input_in_order() -> None:
    import asyncio

    from mstg import open_input

    source = open_input("testsrc=size=64x48:rate=25", duration=1.0, realtime=True)
    processor = MediaStreamTrackProcessor(source.video)
    source.start()
    got, turns = asyncio.run(with_ticks(timestamps(processor), 0.005))
    assert got == [n * 40_000 for n in range(25)]
    assert turns >= 50  # about 1 s of frames paced in real time, and the loop went on


def test_async_writer_waits_for_a_slow_file_reader_without_blocking_the_loop() -> None:
    import asyncio

    generator = MediaStreamTrackGenerator("video")
    processor = MediaStreamTrackProcessor(generator, max_buffer_size=2)
    read: list[int] = []

    def slow_reader() -> None:
        for frame in processor.readable:
            read.append(frame.timestamp)
            frame.close()
            time.sleep(0.02)

    async def write() -> None:
        for n in range(20):
            await generator.writable.awrite(video(ts=n))
        generator.writable.close()

    reader = threading.Thread(target=slow_reader)
    reader.start()
    _, turns = asyncio.run(with_ticks(write(), 0.005))
    reader.join(5)
    assert read == list(range(20)) and processor.dropped == 0  # nothing lost: the writes waited
    assert turns >= 20  # about 0.4 s of waiting, while the loop went on


def test_cancelled_async_reader_leaves_the_source_running() -> None:
    import asyncio

    generator = MediaStreamTrackGenerator("video", live=True)
    processor = MediaStreamTrackProcessor(generator)

    async def read_one_then_give_up() -> None:
        async def first() -> int:
            async for frame in processor.readable:
                return frame.timestamp
            return -1

        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(first(), 0.1)  # nothing written yet

    asyncio.run(read_one_then_give_up())
    generator.writable.write(video(ts=5))
    assert processor.read(timeout=1).timestamp == 5


def test_async_for_over_queued_frames_still_lets_other_tasks_run() -> None:
    import asyncio

    generator = MediaStreamTrackGenerator("video")
    processor = MediaStreamTrackProcessor(generator, max_buffer_size=50)
    for n in range(50):
        generator.writable.write(video(ts=n))
    generator.writable.close()
    got, turns = asyncio.run(with_ticks(timestamps(processor), 0))
    assert got == list(range(50))
    assert turns >= 45  # the other task ran between (nearly) every two frames
