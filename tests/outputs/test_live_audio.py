"""Microphone and speaker through ALSA devices backed by files; ``play`` keeping picture and
sound in step (Xvfb and ALSA)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest
from conftest_live import alsa, alsa_config, make_clip, xvfb, xvfb_display  # noqa: F401

from mstg import Pipeline, open_input, open_output
from mstg.errors import DeviceError, ExitStatus
from mstg.outputs.play import PlayOutput
from mstg.tracks import MediaStreamTrackProcessor
from mstg.transforms.base import Transform


def peak_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64) * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * rate / len(samples))


def write_tone(path: Path, hz: float, seconds: float, rate: int, amplitude: float) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    (np.sin(2 * np.pi * hz * t) * amplitude * 32767).astype("<i2").tofile(path)
    return path


@dataclass
class Doubler(Transform):
    """A tiny local audio transform: twice as loud."""

    name = "doubler-test"
    summary = "Twice as loud."
    kind = "audio"
    sample_format = "fltp"

    def process(self, samples: np.ndarray, frame: object) -> np.ndarray:
        return samples * 2.0


def test_speaker_plays_the_samples_in_channel_order(alsa: Path) -> None:
    played = alsa / "played.raw"
    source = open_input("aevalsrc=sin(2*PI*440*t)*0.5|sin(2*PI*880*t)*0.25:s=48000", duration=0.5)
    stats = Pipeline([source], [open_output(f"speaker:mstgplay:{played}")]).run()
    assert stats.wall_s >= 0.45  # a synthetic source sent to a speaker plays in real time
    samples = np.fromfile(played, "<i2").reshape(-1, 2)
    assert abs(len(samples) - 24000) <= 1024
    left, right = samples[:, 0], samples[:, 1]
    assert abs(peak_hz(left, 48000) - 440) < 5 and abs(peak_hz(right, 48000) - 880) < 5
    assert 0.47 < np.abs(left).max() / 32767 < 0.53 and 0.22 < np.abs(right).max() / 32767 < 0.28


def test_microphone_gives_20ms_blocks_stamped_by_sample_count(alsa: Path) -> None:
    tone = write_tone(alsa / "in.raw", 440, 2.0, 16000, 0.5)
    mic = open_input(f"mic:mstgrec:{tone}", sample_rate=16000, channels=1, duration=0.2)
    assert mic.live and mic.audio is not None and mic.video is None
    processor = MediaStreamTrackProcessor(mic.audio, max_buffer_size=100)
    mic.start()
    blocks = list(processor.readable)
    assert [b.timestamp for b in blocks] == [n * 20_000 for n in range(10)]
    assert all(b.number_of_frames == 320 and b.sample_rate == 16000 for b in blocks)
    assert all(b.capture_time is not None for b in blocks)
    samples = np.concatenate([b.to_ndarray("fltp")[0] for b in blocks])
    assert abs(peak_hz(samples, 16000) - 440) < 10
    assert 0.45 < np.abs(samples).max() < 0.55


def test_microphone_records_to_a_file_in_real_time(alsa: Path) -> None:
    tone = write_tone(alsa / "in.raw", 1000, 2.0, 16000, 0.5)
    out = alsa / "voice.wav"
    mic = open_input(f"mic:mstgrec:{tone}", sample_rate=16000, channels=1, duration=1.0)
    stats = Pipeline([mic], [open_output(str(out))]).run()
    assert stats.live and stats.wall_s >= 0.9  # a microphone never runs ahead of the clock
    assert stats.latencies_ms and max(stats.latencies_ms) < 200
    with av.open(str(out)) as container:
        samples = np.concatenate([f.to_ndarray()[0] for f in container.decode(audio=0)])
    assert abs(len(samples) - 16000) <= 320
    assert abs(peak_hz(samples, 16000) - 1000) < 10


def test_microphone_through_a_transform_to_the_speaker(alsa: Path) -> None:
    tone = write_tone(alsa / "in.raw", 600, 2.0, 48000, 0.25)
    played = alsa / "played.raw"
    mic = open_input(f"mic:mstgrec:{tone}", sample_rate=48000, channels=1, duration=0.6)
    speaker = open_output(f"speaker:mstgplay:{played}")
    stats = Pipeline([mic], [speaker], [Doubler()]).run()
    samples = np.fromfile(played, "<i2") / 32767
    assert abs(len(samples) - 0.6 * 48000) <= 960
    assert abs(peak_hz(samples, 48000) - 600) < 5
    assert 0.47 < np.abs(samples).max() < 0.53  # 0.25, twice as loud
    assert len(stats.latencies_ms) == stats.frames_out["audio"]  # measured at the speaker
    assert 0 < stats.latency_percentile(50) < 250


def test_a_missing_microphone_is_a_device_error(alsa: Path) -> None:
    with pytest.raises(DeviceError) as caught:
        open_input("mic:nosuchcard", sample_rate=16000, channels=1)
    assert "cannot open microphone 'nosuchcard'" in str(caught.value)
    assert "mic0" in str(caught.value)  # what exists is named
    assert caught.value.exit_status == ExitStatus.DEVICE_ERROR


def test_play_shows_each_picture_when_its_sound_is_heard(xvfb: str, alsa: Path) -> None:
    clip = make_clip(alsa / "talk.mkv", seconds=2.0, fps=25, bgr=None, tone=440)
    shown: list[tuple[int, float]] = []
    heard: list[tuple[int, int, float]] = []
    play = PlayOutput(f"mstgplay:{alsa / 'played.raw'}", title="mstg-play",
                      on_present=lambda ts, at: shown.append((ts, at)),
                      on_play=lambda ts, dur, at: heard.append((ts, dur, at)))
    stats = Pipeline([open_input(str(clip))], [play]).run()
    # every picture is shown or, when it came too late for its sound, skipped (on a busy
    # machine the window falls behind now and then and catches up by skipping)
    assert stats.frames_out["video"] + play.late_frames == 50 and stats.frames_out["video"] >= 15
    assert stats.dropped == play.late_frames  # the skipped pictures are counted as dropped
    assert len(heard) >= 90
    starts = np.array([at for _, _, at in heard])
    errors = []
    for ts, at in shown[1:]:
        i = int(np.searchsorted(starts, at, side="right")) - 1
        if i < 0:
            continue
        audio_ts, duration, began = heard[i]
        heard_now = audio_ts + min(duration, (at - began) * 1e6)  # media time heard at `at`
        errors.append(abs(ts - heard_now) / 1000)
    assert len(errors) >= 14
    assert np.percentile(errors, 80) <= 40  # within one frame (25 fps); a late picture shown
    assert np.median(errors) <= 25          # after 0.2 s without any is the exception
