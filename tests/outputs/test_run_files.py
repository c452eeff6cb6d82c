"""`mstg run` on files: frame counts, timestamps, A/V sync, codecs and containers, flags."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

import mstg
from conftest import make_clip, pattern, probe, run_mstg


def test_library_transcode_keeps_every_frame_and_its_timestamp(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mkv"
    stats = mstg.Pipeline([mstg.open_input(str(clip))], [mstg.open_output(str(out))]).run()
    src, dst = probe(clip), probe(out)
    assert stats.frames_in["video"] == stats.frames_out["video"] == len(src["video"]) == 50
    assert [round(t, 3) for t, _ in dst["video"]] == [round(t, 3) for t, _ in src["video"]]
    assert dst["video"][0][1].width == 320 and dst["video"][0][1].height == 240


def test_audio_and_video_end_together_within_one_video_frame(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    assert run_mstg("run", "-i", str(clip), "-o", str(out)).returncode == 0
    frames = probe(out)
    v_end = frames["video"][-1][0] + 1 / 25
    last_audio_t, last_audio = frames["audio"][-1]
    a_end = last_audio_t + last_audio.samples / last_audio.sample_rate
    a_start, v_start = frames["audio"][0][0], frames["video"][0][0]
    assert abs(a_end - v_end) < 1 / 25 and abs(a_start - v_start) < 1 / 25


@pytest.mark.parametrize("ext, vcodec, acodec", [
    (".mp4", "h264", "aac"), (".mkv", "h264", "aac"), (".webm", "vp9", "opus"), (".mov", "h264", "aac"),
    (".gif", "gif", None), (".wav", None, "pcm_s16le"), (".flac", None, "flac"), (".mp3", None, "mp3"),
    (".ogg", None, "opus"), (".opus", None, "opus"), (".m4a", None, "aac"),
])
def test_output_container_and_codecs_follow_the_extension(clip: Path, tmp_path: Path, ext: str,
                                                          vcodec: str | None, acodec: str | None) -> None:
    out = tmp_path / f"out{ext}"
    result = run_mstg("run", "-i", str(clip), "--duration", "0.5", "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    with av.open(str(out)) as container:
        videos = [s.codec_context.codec.canonical_name for s in container.streams.video]
        audios = [s.codec_context.codec.canonical_name for s in container.streams.audio]
        assert videos == ([vcodec] if vcodec else [])
        assert audios == ([acodec] if acodec else [])
        decoded = list(container.decode(*container.streams))
    assert decoded, "the file plays back"


def test_lossless_pass_keeps_the_pattern_pixel_for_pixel(tmp_path: Path) -> None:
    src = tmp_path / "src.mkv"
    make_clip(src, seconds=0.4, vcodec="ffv1", audio=False)
    out = tmp_path / "out.mkv"
    result = run_mstg("run", "-i", str(src), "-o", str(out), "--video-codec", "ffv1")
    assert result.returncode == 0, result.stderr.decode()
    before = [f.to_ndarray(format="yuv420p") for _, f in probe(src)["video"]]
    after = [f.to_ndarray(format="yuv420p") for _, f in probe(out)["video"]]
    assert len(before) == len(after) == 10
    assert all(np.array_equal(a, b) for a, b in zip(before, after))


def test_start_and_duration_cut_the_input(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "cut.mkv"
    result = run_mstg("run", "-i", str(clip), "--start", "0.8", "--duration", "0.4", "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    video = probe(out)["video"]
    assert len(video) == 10
    assert video[0][0] == pytest.approx(0.0, abs=0.001)
    # the first frame kept is input frame 20 (0.8 s): its bar sits at x = 80
    bright = video[0][1].to_ndarray(format="bgr24")[120, :, 0]
    assert 80 <= int(np.argmax(bright > 200)) <= 82


def test_size_fps_and_no_audio(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "small.mp4"
    result = run_mstg("run", "-i", str(clip), "--size", "160x120", "--fps", "10", "--no-audio",
                      "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    frames = probe(out)
    assert frames["audio"] == []
    assert {(f.width, f.height) for _, f in frames["video"]} == {(160, 120)}
    assert len(frames["video"]) == 20
    gaps = np.diff([t for t, _ in frames["video"]])
    assert np.allclose(gaps, 0.1, atol=0.002)


def test_no_video_makes_an_audio_only_file(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "sound.mkv"
    assert run_mstg("run", "-i", str(clip), "--no-video", "-o", str(out)).returncode == 0
    frames = probe(out)
    assert frames["video"] == [] and len(frames["audio"]) > 0


def test_two_synthetic_inputs_give_video_from_one_and_audio_from_the_other(tmp_path: Path) -> None:
    out = tmp_path / "tone.mp4"
    result = run_mstg("run", "-i", "testsrc", "-i", "sine", "--duration", "1", "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    frames = probe(out)
    assert len(frames["video"]) == 25
    assert frames["video"][0][1].width == 320
    samples = np.concatenate([f.to_ndarray()[0] for _, f in frames["audio"]])
    spectrum = np.abs(np.fft.rfft(samples[4096:4096 + 32768]))
    peak_hz = np.argmax(spectrum) * 44100 / 32768
    assert abs(peak_hz - 440) < 5  # lavfi sine's default frequency


def test_nut_with_flac_decodes_cleanly_with_every_sample(tmp_path: Path) -> None:
    """FFV1 + FLAC in NUT: FFmpeg's CLI decodes it without an error, the FLAC packets follow
    each other sample for sample (not 4607 after 0: microseconds rounded down), and the file
    holds as many samples as a WAV written in the same run."""
    import shutil
    import subprocess

    if shutil.which("ffmpeg") is None:
        pytest.skip("Debian's ffmpeg CLI checks the file (.ci/run installs it)")
    nut, wav = tmp_path / "x.nut", tmp_path / "x.wav"
    result = run_mstg("run", "-i", "testsrc", "-i", "sine", "--duration", "1", "-o", str(nut), "-o", str(wav))
    assert result.returncode == 0, result.stderr.decode()
    decoded = subprocess.run(["ffmpeg", "-v", "error", "-i", str(nut), "-f", "null", "-"], capture_output=True)
    assert decoded.returncode == 0 and decoded.stderr == b"", decoded.stderr.decode()

    def samples(path: Path) -> int:
        raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:a", "-f", "s16le", "-ac", "1",
                              "-"], capture_output=True, check=True).stdout
        return len(raw) // 2

    assert samples(nut) == samples(wav) >= 44100
    with av.open(str(nut)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "flac"
        packets = [p for p in container.demux(stream) if p.size]
    sizes = [f.samples for p in packets for f in stream.codec_context.decode(p)]
    assert [p.pts for p in packets] == [sum(sizes[:i]) for i in range(len(packets))]


def test_images_and_globs_become_one_frame_each_sizes_free(tmp_path: Path) -> None:
    import cv2

    for i, (w, h) in enumerate([(64, 48), (80, 60), (64, 48)]):
        cv2.imwrite(str(tmp_path / f"shot{i + 1}.png"), pattern(i, w, h))
    out = tmp_path / "shots.mkv"
    result = run_mstg("run", "-i", str(tmp_path / "shot*.png"), "-o", str(out), "--video-codec", "ffv1")
    assert result.returncode == 0, result.stderr.decode()
    video = probe(out)["video"]
    assert len(video) == 3
    assert {(f.width, f.height) for _, f in video} == {(64, 48)}  # scaled to the first picture's size


def test_demo_input_has_video_and_audio(tmp_path: Path) -> None:
    out = tmp_path / "demo.mp4"
    result = run_mstg("run", "-i", "demo", "--duration", "0.5", "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    frames = probe(out)
    assert len(frames["video"]) == 15 and frames["video"][0][1].width == 1280
    assert len(frames["audio"]) > 0


def test_demo_input_takes_a_picture_size_and_tone_rate(tmp_path: Path) -> None:
    out = tmp_path / "small.mkv"
    result = run_mstg("run", "-i", "demo", "--duration", "0.5", "--input-size", "320x180",
                      "--input-fps", "20", "--sample-rate", "16000", "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    frames = probe(out)
    assert len(frames["video"]) == 10
    assert {(f.width, f.height) for _, f in frames["video"]} == {(320, 180)}
    assert {f.sample_rate for _, f in frames["audio"]} == {16000}


@pytest.mark.parametrize("size", [(320, 180), (160, 120), (64, 64), (16, 16)])
def test_demo_pictures_of_any_size_hold_the_codes_inside_the_frame(size: tuple[int, int]) -> None:
    from mstg.inputs.demo import DemoInput

    width, height = size
    demo = DemoInput(width=width, height=height, duration=1.0, audio=False)
    pictures = [demo._picture(n) for n in range(0, 300, 7)]  # every position of the drift
    assert {p.shape for p in pictures} == {(height, width, 3)}
    # the codes are black and white modules on a coloured background: both show in each frame
    grey = [p.max(axis=2) - p.min(axis=2) for p in pictures]
    assert all((g == 0).any() for g in grey)


def test_demo_smaller_than_16_pixels_is_a_usage_error(tmp_path: Path) -> None:
    result = run_mstg("run", "-i", "demo", "--input-size", "8x8", "-o", str(tmp_path / "x.mp4"))
    assert result.returncode == 2
    assert result.stderr.decode().startswith("error: ") and "16x16" in result.stderr.decode()
    assert not (tmp_path / "x.mp4").exists()


def test_null_output_decodes_and_writes_nothing(clip: Path, tmp_path: Path) -> None:
    stats = mstg.Pipeline([mstg.open_input(str(clip))], [mstg.open_output("null")]).run()
    assert stats.frames_out["video"] == 50 and stats.frames_out["audio"] > 0


def test_several_outputs_share_one_read(clip: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.mp4", tmp_path / "b.webm"
    source = mstg.open_input(str(clip))
    stats = mstg.Pipeline([source], [mstg.open_output(str(a)), mstg.open_output(str(b))]).run()
    assert source.frames_read == stats.frames_in["video"] + stats.frames_in["audio"]
    assert len(probe(a)["video"]) == len(probe(b)["video"]) == 50


def test_existing_file_is_kept_without_y_and_replaced_with_it(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "keep.mp4"
    out.write_bytes(b"precious")
    result = run_mstg("run", "-i", str(clip), "-o", str(out))
    assert result.returncode == 6
    assert result.stderr.decode().startswith("error: ") and out.read_bytes() == b"precious"
    assert run_mstg("run", "-i", str(clip), "-o", str(out), "-y").returncode == 0
    assert len(probe(out)["video"]) == 50


@pytest.mark.parametrize("ext", [".mp3", ".m4a", ".opus"])
def test_wav_without_channel_mask_encodes_to_lossy_audio(tmp_path: Path, ext: str) -> None:
    wav = tmp_path / "plain.wav"
    with av.open(str(wav), "w") as container:  # PCM with no channel layout: "2 channels"
        stream = container.add_stream("pcm_s16le", rate=44100)
        stream.layout = "stereo"
        samples = (np.sin(np.arange(44100) / 10) * 8000).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(np.repeat(samples, 2)[None, :], format="s16", layout="stereo")
        frame.sample_rate, frame.pts = 44100, 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    out = tmp_path / f"out{ext}"
    result = run_mstg("run", "-i", str(wav), "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    decoded = probe(out)["audio"]
    assert len(decoded[0][1].layout.channels) == 2 and sum(f.samples for _, f in decoded) >= 44100 * 0.9


def test_outputs_converting_the_same_rgb_frames_on_their_own_threads(tmp_path: Path) -> None:
    # lavfi's testsrc gives rgb24 frames: every output converts each shared frame at the same time
    outs = [tmp_path / n for n in ("a.mp4", "b.mkv", "c.webm")]
    for _ in range(3):
        stats = mstg.Pipeline([mstg.open_input("testsrc=size=640x480:rate=25", duration=2)],
                              [mstg.open_output(str(o), overwrite=True) for o in outs]).run()
        assert stats.frames_out["video"] == 50
        assert [len(probe(o)["video"]) for o in outs] == [50, 50, 50]


@pytest.mark.parametrize("source_rate, fps, frames", [
    ("30", "30", 60),               # the source's own rate: every frame kept
    ("30000/1001", "29.97", 60),
    ("24000/1001", "23.976", 48),
    ("15", "30", 60),               # twice the rate: each picture twice
    ("60", "25", 50),               # fewer: the nearest picture to each slot
])
def test_fps_gives_a_constant_rate_as_ffmpeg_r_does(tmp_path: Path, source_rate: str, fps: str,
                                                    frames: int) -> None:
    out = tmp_path / "cfr.mkv"
    result = run_mstg("run", "-i", f"testsrc=size=64x48:rate={source_rate}", "--duration", "2",
                      "--fps", fps, "-o", str(out), "--video-codec", "ffv1")
    assert result.returncode == 0, result.stderr.decode()
    times = [t for t, _ in probe(out)["video"]]
    assert len(times) == frames
    steps = np.diff(times)
    assert np.allclose(steps, 1 / float(fps), atol=0.0015)
    if source_rate == "15":  # the repeated pictures are the same picture
        pictures = [f.to_ndarray(format="gray") for _, f in probe(out)["video"]]
        assert np.array_equal(pictures[0], pictures[1]) and not np.array_equal(pictures[1], pictures[2])


def test_an_animated_gif_is_read_as_video_and_a_still_one_as_a_picture(tmp_path: Path) -> None:
    anim = tmp_path / "anim.gif"
    made = run_mstg("run", "-i", "testsrc=size=64x48:rate=10", "--duration", "1.5", "-o", str(anim))
    assert made.returncode == 0, made.stderr.decode()
    out = tmp_path / "back.mkv"
    result = run_mstg("run", "-i", str(anim), "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    times = [round(t, 2) for t, _ in probe(out)["video"]]
    assert times == [round(i * 0.1, 2) for i in range(15)]  # every picture, at its own time
    still = tmp_path / "still.gif"
    with av.open(str(still), "w") as container:
        stream = container.add_stream("gif", rate=1)
        stream.width, stream.height, stream.pix_fmt = 32, 24, "rgb8"
        picture = av.VideoFrame.from_ndarray(np.full((24, 32, 3), 200, np.uint8), format="rgb24")
        container.mux(stream.encode(picture.reformat(format="rgb8")))
        container.mux(stream.encode(None))
    one = tmp_path / "one.mkv"
    assert run_mstg("run", "-i", str(still), "-o", str(one)).returncode == 0
    assert len(probe(one)["video"]) == 1


def test_a_late_audio_track_does_not_make_the_output_hold_the_video_meanwhile(tmp_path: Path) -> None:
    """Audio that starts 14 s in: the file starts with the audio's declared parameters after a
    second of video, instead of holding 14 s of decoded pictures until the first sound."""
    import shutil
    import subprocess
    import sys

    if shutil.which("ffmpeg") is None:
        pytest.skip("Debian's ffmpeg CLI makes the late-audio file (.ci/run installs it)")

    def ff(*args: str) -> None:
        subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, cwd=tmp_path)

    ff("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-t", "16", "-c:v", "libx264", "-preset",
       "ultrafast", "v.mp4")
    ff("-f", "lavfi", "-i", "sine=f=440:sample_rate=48000", "-t", "2", "-c:a", "aac", "a.m4a")
    ff("-i", "v.mp4", "-itsoffset", "14", "-i", "a.m4a", "-map", "0:v", "-map", "1:a", "-c", "copy", "late.mkv")
    ff("-i", "v.mp4", "-i", "a.m4a", "-map", "0:v", "-map", "1:a", "-c", "copy", "early.mkv")

    def peak_mib(name: str) -> float:
        code = ("import resource, mstg; out = mstg.open_output(%r, options=mstg.EncodeOptions("
                "video_codec='ffv1'), overwrite=True); mstg.Pipeline([mstg.open_input(%r)], [out]).run(); "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)") % (f"{name}.mkv.out.mkv", f"{name}.mkv")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return int(done.stdout.split()[-1]) / 1024

    late, early = peak_mib("late"), peak_mib("early")
    assert late < early + 50, (late, early)  # 14 s of 640x360 pictures would be about 140 MiB more
    frames = probe(tmp_path / "late.mkv.out.mkv")
    assert len(frames["video"]) == 480
    assert abs(frames["audio"][0][0] - 14.0) < 0.1 and frames["audio"][-1][0] > 15.5
