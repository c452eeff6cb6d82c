"""Audio transforms: gain, mute, mono, resample, level; sample values checked directly."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from conftest import probe, run_mstg
from mstg.chain import TransformChain
from mstg.frames import AudioData
from mstg.transforms.audio import Gain, Level, Mono, Mute, Resample
from mstg.transforms.registry import load_transform


def sine(freq: float, rate: int, seconds: float, amplitude: float = 0.5,
         channels: int = 2) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    wave = (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.repeat(wave[None, :], channels, axis=0)


def frames_of(samples: np.ndarray, rate: int, size: int = 1024) -> list[AudioData]:
    """Cut samples into AudioData frames with timestamps as a decoder gives them."""
    out = []
    for index, start in enumerate(range(0, samples.shape[1], size)):
        part = np.ascontiguousarray(samples[:, start:start + size])
        out.append(AudioData.from_ndarray(part, sample_rate=rate, timestamp=start * 1_000_000 // rate,
                                          index=index))
    return out


def run_chain(transform: object, frames: list[AudioData],
              events: list[dict] | None = None) -> list[AudioData]:
    chain = TransformChain([transform], on_event=events.append if events is not None else None)
    out = [o for frame in frames for o in chain.push(frame)]
    return out + chain.flush()


def samples_of(frames: list[AudioData]) -> np.ndarray:
    return np.concatenate([f.to_ndarray("fltp") for f in frames], axis=1)


def test_gain_of_6_02_db_doubles_the_amplitude() -> None:
    source = sine(440, 48000, 0.1, amplitude=0.25)
    out = samples_of(run_chain(Gain(db=6.0206), frames_of(source.copy(), 48000)))
    assert out.shape == source.shape
    ratio = np.abs(out).max() / np.abs(source).max()
    assert ratio == pytest.approx(2.0, rel=0.01)
    np.testing.assert_allclose(out, source * 2, atol=1e-5)
    quieter = samples_of(run_chain(load_transform("gain:db=-20"), frames_of(source.copy(), 48000)))
    np.testing.assert_allclose(quieter, source / 10, atol=1e-6)


def test_mute_gives_zeros_and_keeps_the_timing() -> None:
    frames = frames_of(sine(440, 48000, 0.1), 48000)
    stamps = [f.timestamp for f in frames]
    out = run_chain(Mute(), frames)
    assert [f.timestamp for f in out] == stamps
    assert samples_of(out).shape == (2, 4800) and not samples_of(out).any()


def test_mono_is_the_mean_of_the_channels() -> None:
    left = np.ones(1000, np.float32)
    stereo = np.stack([left, -left])
    out = samples_of(run_chain(Mono(), frames_of(stereo, 48000)))
    assert out.shape == (1, 1000) and not out.any()
    rng = np.random.default_rng(1)
    three = rng.uniform(-1, 1, (3, 2048)).astype(np.float32)
    frames = run_chain(load_transform("mono:channels=2"), frames_of(three.copy(), 48000))
    assert frames[0].number_of_channels == 2 and frames[0].layout == "stereo"
    out = samples_of(frames)
    np.testing.assert_allclose(out[0], three.mean(axis=0), atol=1e-6)
    np.testing.assert_array_equal(out[0], out[1])


def peak_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[np.argmax(spectrum)])


def test_resample_keeps_duration_frequency_and_continuous_timestamps() -> None:
    source = sine(1000, 44100, 1.0)
    out = run_chain(Resample(rate=48000), frames_of(source, 44100))
    assert {f.sample_rate for f in out} == {48000}
    total = sum(f.number_of_frames for f in out)
    assert total == 48000  # exactly one second
    for before, after in zip(out, out[1:]):  # each frame starts where the previous ended
        assert abs(before.timestamp + before.duration - after.timestamp) <= 21
    samples = samples_of(out)[0]
    assert peak_frequency(samples[1000:], 48000) == pytest.approx(1000, abs=1.0)
    body = samples[2000:-2000]
    assert np.sqrt(np.mean(body ** 2)) == pytest.approx(0.5 / math.sqrt(2), rel=0.01)


def test_resample_to_the_same_rate_passes_frames_through() -> None:
    frames = frames_of(sine(440, 48000, 0.05), 48000)
    out = run_chain(Resample(rate=48000), frames)
    assert out == frames


def test_level_reports_the_rms_of_a_sine_within_0_1_db() -> None:
    events: list[dict] = []
    source = sine(997, 48000, 1.0, amplitude=0.5)
    source[1] *= 0.1  # right channel 20 dB lower
    out = run_chain(Level(interval=0.25), frames_of(source.copy(), 48000), events)
    np.testing.assert_array_equal(samples_of(out), source)  # the audio passes unchanged
    assert [e["type"] for e in events] == ["level"] * 4
    assert [e["timestamp"] for e in events] == [0, 250_000, 500_000, 750_000]
    expected_rms = 20 * math.log10(0.5 / math.sqrt(2))
    for event in events:
        assert event["duration"] == 0.25 and event["channels"] == 2
        assert event["rms"][0] == pytest.approx(expected_rms, abs=0.1)
        assert event["rms"][1] == pytest.approx(expected_rms - 20, abs=0.1)
        assert event["peak"][0] == pytest.approx(20 * math.log10(0.5), abs=0.1)


def test_level_of_silence_and_a_partial_last_window() -> None:
    events: list[dict] = []
    run_chain(Level(interval=1.0), frames_of(np.zeros((1, 24000), np.float32), 48000), events)
    assert len(events) == 1
    assert events[0]["duration"] == 0.5 and events[0]["rms"] == [-120.0]


# --- through the command line --------------------------------------------------------------
def test_gain_on_the_command_line(tmp_path: Path) -> None:
    ref, loud = tmp_path / "ref.wav", tmp_path / "loud.wav"
    for out, extra in ((ref, []), (loud, ["-t", "gain:db=6.0206"])):
        result = run_mstg("run", "-i", "sine", "--duration", "0.5", *extra, "-o", str(out), "-y", "-q")
        assert result.returncode == 0, result.stderr.decode()
    a, b = (np.concatenate([f.to_ndarray().ravel() for _, f in probe(p)["audio"]]).astype(float)
            for p in (ref, loud))
    assert len(a) == len(b) > 0
    assert np.abs(b).max() / np.abs(a).max() == pytest.approx(2.0, rel=0.01)


def test_resample_and_level_on_the_command_line(tmp_path: Path) -> None:
    ref, out = tmp_path / "ref.wav", tmp_path / "out.wav"
    assert run_mstg("run", "-i", "sine", "--duration", "0.5", "-o", str(ref), "-y", "-q").returncode == 0
    result = run_mstg("run", "-i", "sine", "--duration", "0.5", "-t", "resample:rate=16000",
                      "-t", "level:interval=0.25", "-o", str(out), "-y", "-q", "--events", "-")
    assert result.returncode == 0, result.stderr.decode()
    source, decoded = probe(ref)["audio"], probe(out)["audio"]
    assert {f.sample_rate for _, f in source} == {44100}
    assert {f.sample_rate for _, f in decoded} == {16000}
    n_in = sum(f.samples for _, f in source)
    samples = np.concatenate([f.to_ndarray().ravel() for _, f in decoded]).astype(float)
    assert len(samples) == n_in * 16000 // 44100  # the same duration
    assert peak_frequency(samples, 16000) == pytest.approx(440, abs=2)  # FFmpeg's sine: 440 Hz
    events = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [e["timestamp"] for e in events[:2]] == [0, 250_000]
    # FFmpeg's sine source: amplitude 1/8, so RMS is 20*log10(1/8/sqrt(2)) = -21.07 dBFS.
    assert events[0]["rms"][0] == pytest.approx(20 * math.log10(1 / 8 / math.sqrt(2)), abs=0.1)


@pytest.mark.parametrize("make, message", [
    (lambda: Gain(db=500), "db"),
    (lambda: Resample(rate="fast"), "rate"),
    (lambda: Resample(rate=-44100), "rate"),
    (lambda: Level(interval=0), "interval"),
    (lambda: Mono(channels=3), "channels"),
])
def test_audio_parameters_are_checked_in_python_too(make, message: str) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match=message):
        make()


def test_audio_parameters_given_as_text_are_converted() -> None:
    assert Resample(rate="16000").rate == 16000 and Gain(db="-6").db == -6.0
