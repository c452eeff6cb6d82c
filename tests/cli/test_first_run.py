"""What a new user trips over (issue 17): each test does what the user did and checks what
they should have seen: the bytes on a terminal, the exact message and exit status."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import probe, run_mstg
from conftest_live import alsa, alsa_config  # noqa: F401


def run_on_terminal(*args: str, timeout: float = 60) -> tuple[int, bytes, bytes]:
    """``mstg ARGS`` with stdout on a pseudo-terminal (stderr a pipe): exit status, the bytes
    the terminal got, stderr."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "mstg", *args], stdout=slave,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    os.close(slave)
    shown = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer closed the terminal
                chunk = b""
            if not chunk:
                break
            shown += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    stderr = proc.stderr.read() if proc.stderr else b""
    return proc.wait(timeout=timeout), bytes(shown), stderr


# -o - on a terminal ----------------------------------------------------------------------
def test_stdout_output_on_a_terminal_is_refused_with_a_hint() -> None:
    status, shown, stderr = run_on_terminal("run", "-i", "testsrc", "--duration", "0.2", "-o", "-")
    assert status == 2 and shown == b""
    assert stderr.decode().splitlines() == [
        "error: not writing binary media to a terminal (-o - with stdout on a terminal)",
        "hint: pipe it to a player (-o - | ffplay -), write a file (-o out.mkv), or give --format "
        "nut to mean it"]


def test_stdout_output_on_a_terminal_with_format_writes_the_media() -> None:
    status, shown, stderr = run_on_terminal("run", "-i", "testsrc", "--duration", "0.2", "-o", "-",
                                            "--format", "nut", "-q")
    assert status == 0, stderr.decode()
    assert shown.startswith(b"nut/multimedia container")


def test_stdout_output_into_a_pipe_is_not_refused() -> None:
    result = run_mstg("run", "-i", "testsrc", "--duration", "0.2", "-o", "-", "-q")
    assert result.returncode == 0 and result.stdout.startswith(b"nut/multimedia container")


# probe ----------------------------------------------------------------------------------
def test_probe_describes_the_demo_input() -> None:
    result = run_mstg("probe", "demo", "--json")
    assert result.returncode == 0, result.stderr.decode()
    info = json.loads(result.stdout)
    video, audio = info["tracks"]
    assert (video["kind"], video["width"], video["height"], video["frame_rate"]) == ("video", 1280, 720, 30.0)
    assert (audio["kind"], audio["sample_rate"], audio["channels"]) == ("audio", 48000, 2)
    assert info["duration"] == 10.0
    text = run_mstg("probe", "demo").stdout.decode()
    assert "1280x720 30 fps" in text and "48000 Hz stereo" in text


def test_probe_describes_synthetic_sources() -> None:
    for spec, kind in (("testsrc", "video"), ("sine", "audio"), ("testsrc2=size=64x48:rate=10", "video"),
                       ("lavfi:smptebars", "video")):
        result = run_mstg("probe", spec, "--json")
        assert result.returncode == 0, (spec, result.stderr.decode())
        assert [t["kind"] for t in json.loads(result.stdout)["tracks"]] == [kind]


# hints ----------------------------------------------------------------------------------
def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    return result.stderr.decode().splitlines()


def test_a_speaker_that_cannot_open_points_at_the_speakers(alsa: Path) -> None:
    result = run_mstg("run", "-i", "sine", "--duration", "0.2", "-o", "speaker:nosuchdevice")
    assert result.returncode == 8
    message, hint = error_lines(result)
    assert message.startswith("error: cannot open speaker 'nosuchdevice': ")
    assert "(speakers here: speaker" in message and "microphone" not in message
    assert hint == "hint: 'mstg devices' lists the speakers; ALSA names look like default, hw:1 or plughw:1,0"


def test_a_folder_with_a_trailing_slash_is_suggested_with_one_slash(tmp_path: Path) -> None:
    shots = tmp_path / "qrcode-1"
    shots.mkdir()
    for name in ("a.jpg", "b.jpg", "notes.txt"):
        (shots / name).write_bytes(b"")
    result = run_mstg("run", "-i", f"{shots}/", "-o", "null")
    assert result.returncode == 3
    assert error_lines(result) == [f"error: {shots}/ is a folder", f"hint: for its pictures use '{shots}/*.jpg'"]


def test_an_unknown_encoder_points_at_mstg_encoders(tmp_path: Path) -> None:
    result = run_mstg("run", "-i", "testsrc", "--duration", "0.2", "--video-codec", "h265", "-o",
                      str(tmp_path / "out.mp4"))
    assert result.returncode == 5
    assert error_lines(result) == ["error: unknown video encoder 'h265'",
                                   "hint: 'mstg encoders' lists the encoders this installation has"]


def test_a_gpu_encoder_without_a_gpu_names_the_software_one(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    result = run_mstg("run", "-i", "testsrc", "--duration", "0.2", "--video-codec", "h264_nvenc",
                      "-o", str(out))
    if result.returncode == 0:
        pytest.skip("this machine has a working NVIDIA encoder")
    assert result.returncode == 5 and not out.exists()
    assert error_lines(result) == [
        f"error: {out}: no usable GPU encoder was found for h264_nvenc (no such GPU, or no driver for it)",
        "hint: use the software encoder: --video-codec libx264"]


# input-only settings on a file -------------------------------------------------------------
@pytest.mark.parametrize("flags, message, hint", [
    (["--sample-rate", "16000"], "error: --sample-rate: only for cameras, microphones, the screen, the demo and raw video "
     "(--input-format rawvideo)",
     "hint: to resample the sound, use the resample transform: -t resample:rate=16000"),
    (["--input-size", "640x360"], "error: --input-size: only for cameras, microphones, the screen, the demo and raw video "
     "(--input-format rawvideo)",
     "hint: to scale the pictures, use --size 640x360"),
])
def test_input_only_settings_on_a_file_point_at_the_output_side_way(clip: Path, tmp_path: Path, flags: list[str],
                                                                    message: str, hint: str) -> None:
    result = run_mstg("run", "-i", str(clip), *flags, "-o", str(tmp_path / "out.wav"))
    assert result.returncode == 2 and error_lines(result) == [message, hint]
    assert not (tmp_path / "out.wav").exists()


def test_the_hinted_resample_does_what_was_asked(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.wav"
    result = run_mstg("run", "-i", str(clip), "-t", "resample:rate=16000", "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    assert probe(out)["audio"][0][1].sample_rate == 16000


# a glob over a folder of pictures and other files -------------------------------------------
def test_a_glob_over_a_mixed_folder_reads_the_pictures_and_names_what_was_skipped(tmp_path: Path) -> None:
    import cv2

    folder = tmp_path / "scans"
    folder.mkdir()
    for n, grey in enumerate((40, 120, 200)):
        cv2.imwrite(str(folder / f"{n}.png"), np.full((48, 64, 3), grey, np.uint8))
    (folder / "notes.txt").write_text("not a picture")
    (folder / "list.txt").write_text("nor this")
    out = tmp_path / "out.nut"  # raw pictures on stdout: the pixels as read
    result = run_mstg("run", "-i", f"{folder}/*", "-o", "-")
    assert result.returncode == 0, result.stderr.decode()
    assert error_lines(result) == [
        f"warning: {folder}/*: skipped 2 match(es) that are not pictures: list.txt, notes.txt"]
    out.write_bytes(result.stdout)
    frames = [frame.to_ndarray(format="bgr24") for _, frame in probe(out)["video"]]
    assert [int(np.median(f)) for f in frames] == [40, 120, 200]
    quiet = run_mstg("run", "-i", f"{folder}/*", "-o", "null", "-q")
    assert quiet.returncode == 0 and quiet.stderr == b""


def test_a_glob_that_matches_no_picture_says_so(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a picture")
    result = run_mstg("run", "-i", f"{tmp_path}/*", "-o", "null")
    assert result.returncode == 3
    assert error_lines(result) == [f"error: no picture among the 1 match(es) of {tmp_path}/*",
                                   "hint: a glob reads pictures (.png, .jpg, .webp ...); give a video as its own -i"]


# a crop outside the picture ------------------------------------------------------------------
def test_a_crop_outside_the_picture_is_a_parameter_error_naming_its_size(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    result = run_mstg("run", "-i", "testsrc=size=640x240", "--duration", "0.2", "-t", "crop:x=2000",
                      "-o", str(out))
    assert result.returncode == 2 and not out.exists()
    assert error_lines(result) == ["error: transform 'crop': x=2000, y=0 is outside the 640x240 picture",
                                   "hint: x must be under 640 and y under 240"]
    wide = run_mstg("run", "-i", "testsrc=size=640x240", "--duration", "0.2", "-t", "crop:x=20,width=640",
                    "-o", str(out))
    assert wide.returncode == 2 and not out.exists()
    assert error_lines(wide) == [
        "error: transform 'crop': the crop 640x240 at 20,0 does not fit in the 640x240 picture",
        "hint: x + width must be at most 640, y + height at most 240"]


# mstg transforms NAME ------------------------------------------------------------------------
def test_a_transform_s_description_shows_no_markup() -> None:
    result = run_mstg("transforms", "blur")
    assert result.returncode == 0
    text = result.stdout.decode()
    assert "Gaussian blur like FFmpeg's gblur: luma at sigma, chroma at sigma / 2." in text
    for name in ("blur", "ffmpeg", "text", "barcode", "mono"):
        shown = run_mstg("transforms", name).stdout.decode()
        assert "``" not in shown and ":meth:" not in shown, name
    listing = run_mstg("transforms").stdout.decode()
    assert "``" not in listing and "blur" in listing


# presets ------------------------------------------------------------------------------------
def test_presets_copy_makes_the_folder_and_renames_the_preset(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}  # no such folder yet
    result = run_mstg("presets", "copy", "to-gif", "my-gif", env=env)
    assert result.returncode == 0, result.stderr.decode()
    copied = tmp_path / "config" / "mstg" / "presets" / "my-gif.yaml"
    assert result.stdout.decode() == f"{copied}\n"
    assert "name: my-gif" in copied.read_text() and "name: to-gif" not in copied.read_text()
    listed = run_mstg("presets", "--json", env=env)
    assert {"name": "my-gif", "source": "user"}.items() <= \
        next(r for r in json.loads(listed.stdout) if r["name"] == "my-gif").items()
    gif = tmp_path / "clip.gif"
    ran = run_mstg("run", "--preset", "my-gif", "-i", "testsrc=size=960x540", "--duration", "0.5",
                   "-o", str(gif), env=env)
    assert ran.returncode == 0, ran.stderr.decode()
    frames = probe(gif)["video"]
    assert (frames[0][1].width, frames[0][1].height) == (480, 270)
    again = run_mstg("presets", "copy", "to-gif", "my-gif", env=env)
    assert again.returncode == 6 and error_lines(again) == [f"error: {copied} exists", "hint: pass -y to overwrite it"]
    copied.write_text(copied.read_text() + "# mine\n")
    assert run_mstg("presets", "copy", "to-gif", "my-gif", "-y", env=env).returncode == 0
    assert "# mine" not in copied.read_text()


def test_presets_copy_refuses_a_bundled_name(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    result = run_mstg("presets", "copy", "to-gif", "to-gif", env=env)
    assert result.returncode == 2 and not (tmp_path / "mstg").exists()
    assert error_lines(result) == ["error: 'to-gif' is the name of a bundled preset, which would hide the copy",
                                   "hint: pick another name, e.g. my-to-gif"]


def test_a_yaml_tag_does_not_stop_validate_from_reporting_the_rest(tmp_path: Path) -> None:
    preset = tmp_path / "mine.yaml"
    preset.write_text("version: 1\ninputs: !!python/object:os.system x\ncrf: abc\n"
                      "transforms:\n  - blur: {sigma: !big 3}\n  - blurr\n")
    result = run_mstg("presets", "validate", str(preset))
    assert result.returncode == 2
    assert error_lines(result) == [
        f"error: {preset}:2:9: YAML tags are not allowed in a preset (found !!python/object:os.system)",
        f"error: {preset}:5:19: YAML tags are not allowed in a preset (found !big)",
        f"error: {preset}:3:6: crf: expected an integer 0..63, got 'abc'",
        f"error: {preset}:6:5: transforms[1]: unknown transform 'blurr' (did you mean 'blur'?)",
        "hint: 'mstg transforms' lists them"]


# bad flag values, in mstg's words ------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (["run", "--crf", "abc", "-o", "null"], "error: --crf: expected an integer 0..63, got 'abc'"),
    (["run", "--crf", "99", "-o", "null"], "error: --crf: expected an integer 0..63, got '99'"),
    (["run", "--duration", "-1", "-o", "null"], "error: --duration: expected a number above 0, got '-1'"),
    (["run", "--sample-rate", "5", "-o", "null"], "error: --sample-rate: expected an integer 1000..768000, got '5'"),
    (["run", "--on-error", "later", "-o", "null"], "error: --on-error: expected one of fail, skip, pass, got 'later'"),
    (["run", "--size", "big", "-o", "null"], "error: --size: 'big' is not WIDTHxHEIGHT"),
    (["probe"], "error: missing argument 'INPUT'."),
])
def test_a_bad_flag_value_is_worded_as_in_a_preset(args: list[str], message: str) -> None:
    result = run_mstg(*args)
    lines = error_lines(result)
    assert result.returncode == 2 and len(lines) == 2 and lines[0].startswith(message), lines
    assert "not a valid" not in lines[0] and "<=x<=" not in lines[0] and "invalid value" not in lines[0]
