"""The command line: help, version, errors as one line with a distinct exit status."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import mstg
from conftest import probe, run_mstg
from helpers import cli


def test_help_and_version_do_not_import_the_media_stack() -> None:
    code = ("import sys; from mstg.cli.main import cli; "
            "import contextlib, io\n"
            "for args in (['--help'], ['run', '--help'], ['--version']):\n"
            "    with contextlib.redirect_stdout(io.StringIO()):\n"
            "        try: cli.main(args=args, standalone_mode=False)\n"
            "        except SystemExit: pass\n"
            "print(sorted(m for m in ('av', 'cv2', 'numpy') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


def test_help_shows_examples() -> None:
    result = run_mstg("run", "--help")
    assert result.returncode == 0
    text = result.stdout.decode()
    assert "mstg run -i demo -o demo.mp4" in text and "--transform" in text
    assert run_mstg("--version").stdout.decode().startswith("mstg, version ")


@pytest.mark.parametrize("args, status, message", [
    (["-i", "nothere.mp4", "-o", "null"], 3, "error: input not found: nothere.mp4"),
    (["-i", "demo", "-o", "out.xyz"], 5, "error: unknown output format for extension .xyz"),
    (["-i", "demo", "-o", "out.mp4", "--video-codec", "nosuchcodec"], 5, "error: unknown video encoder"),
    (["-i", "demo", "-o", "null", "--size", "big"], 2, "is not WIDTHxHEIGHT"),
    (["-i", "demo"], 2, "error: no output"),
    (["-i", "demo", "-o", "-", "--events", "-"], 2, "error: stdout cannot carry both"),
    (["-i", "demo", "-t", "nosuchtransform", "-o", "null"], 2, "error: unknown transform 'nosuchtransform'"),
    (["-i", "demo", "-o", "/nonexistent-dir/out.mp4"], 5, "does not exist"),
    (["-i", "testsrc", "--start", "3", "-o", "out.mp4"], 2, "error: --start: only for files, pipes and streams"),
    (["-i", "demo", "--start", "1", "-o", "out.mp4"], 2, "error: --start: only for files, pipes and streams"),
    (["-i", "testsrc", "--input-fps", "5", "-o", "out.mp4"], 2, "put the rate in it: testsrc=rate=60"),
    (["-i", "-", "--input-format", "rawvideo", "-o", "out.mp4"], 2, "error: raw video needs its picture size: --input-size WxH"),
    (["-i", "demo", "-o", "out.mp4", "-o", "./out.mp4"], 2, "error: the same output is named twice"),
])
def test_bad_input_gives_one_error_line_and_a_distinct_status(tmp_path: Path, args: list[str],
                                                             status: int, message: str) -> None:
    result = run_mstg("run", *args, cwd=tmp_path)
    stderr = result.stderr.decode()
    assert result.returncode == status, stderr
    assert message in stderr and "Traceback" not in stderr
    assert not (tmp_path / "out.mp4").exists()


@pytest.mark.parametrize("args, message, hint", [
    (["run", "-i", "demo", "-o", "out.mp4", "--crf", "99"],
     "error: --crf: expected an integer 0..63, got '99'", "'mstg run --help' lists the options"),
    (["run", "-i", "demo", "-o", "out.mp4", "--crf", "abc"],
     "error: --crf: expected an integer 0..63, got 'abc'", "'mstg run --help' lists the options"),
    (["run", "--on-error", "later", "-o", "null"],
     "error: --on-error: expected one of fail, skip, pass, got 'later'", "'mstg run --help' lists the options"),
    (["run", "--colour"], "error: no such option '--colour'", "'mstg run --help' lists the options"),
    (["run", "-i", "demo", "--duration", "-1", "-o", "null"], "error: --duration: expected a number above 0, got '-1'",
     "'mstg run --help' lists the options"),
    (["probe"], "error: missing argument 'INPUT'.", "'mstg probe --help' lists the options"),
    (["rnu"], "error: no such command 'rnu'.", "'mstg --help' lists the commands"),
])
def test_a_wrong_flag_or_value_is_one_error_line_and_a_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           args: list[str], message: str, hint: str) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli(*args)  # in this process: the command line is refused before anything runs
    lines = result.stderr.splitlines()
    assert result.returncode == 2
    assert len(lines) == 2 and lines[0].startswith(message) and lines[1] == f"hint: {hint}"
    assert result.stdout == "" and not (tmp_path / "out.mp4").exists()


def test_mstg_alone_shows_its_help() -> None:
    result = run_mstg()
    text = result.stderr.decode() + result.stdout.decode()
    assert result.returncode in (0, 2)  # click 8.1 exits 0 here, 8.2 and later 2
    assert text.startswith("Usage: mstg [OPTIONS] COMMAND") and "Commands:" in text


def test_garbage_input_is_refused_as_unreadable(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(os.urandom(4096))
    result = run_mstg("run", "-i", str(junk), "-o", str(tmp_path / "out.mkv"))
    assert result.returncode == 4
    assert result.stderr.decode().startswith("error: cannot read")
    assert not (tmp_path / "out.mkv").exists()


def test_empty_input_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mkv"
    empty.write_bytes(b"")
    result = run_mstg("run", "-i", str(empty), "-o", "null")
    assert result.returncode == 4 and "Traceback" not in result.stderr.decode()


def test_missing_track_is_a_clear_error(clip: Path) -> None:
    result = run_mstg("run", "-i", str(clip), "--audio-track", "3", "-o", "null")
    assert result.returncode == 4
    assert "has 1 audio track(s); there is no audio track 3" in result.stderr.decode()


def test_quiet_when_stderr_is_not_a_terminal(clip: Path) -> None:
    result = run_mstg("run", "-i", str(clip), "-o", "null")
    assert result.returncode == 0 and result.stderr == b"" and result.stdout == b""


def test_python_module_and_library_agree(tmp_path: Path) -> None:
    code = ("import mstg; s = mstg.Pipeline([mstg.open_input('testsrc', duration=0.4)], "
            f"[mstg.open_output({str(tmp_path / 'lib.mp4')!r})]).run(); print(s.frames_out['video'])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "10", result.stderr


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_finishes_the_file_cleanly(tmp_path: Path, signum: int, status: int) -> None:
    out = tmp_path / "stopped.mp4"
    proc = subprocess.Popen([sys.executable, "-m", "mstg", "run", "-i", "demo", "--duration", "60",
                             "--realtime", "-o", str(out)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60  # a bound for a busy machine, not a pause
    while time.monotonic() < deadline and (not out.exists() or out.stat().st_size < 20_000):
        time.sleep(0.1)
    assert out.exists() and out.stat().st_size >= 20_000, "the recording never began"
    proc.send_signal(signum)
    assert proc.wait(30) == status, proc.stderr.read().decode()  # type: ignore[union-attr]
    frames = probe(out)
    assert len(frames["video"]) >= 15 and len(frames["audio"]) > 0


def test_verbose_says_what_is_read_and_written_even_without_a_terminal(tmp_path: Path) -> None:
    out = tmp_path / "v.mp4"
    result = run_mstg("run", "-i", "testsrc", "-i", "sine", "--duration", "0.4", "-t", "grayscale",
                      "-o", str(out), "-v")
    lines = result.stderr.decode().splitlines()
    assert result.returncode == 0
    assert lines[0].startswith("input: testsrc (video") and lines[1].startswith("input: sine (audio")
    assert lines[2] == "transforms: grayscale"
    assert lines[3] == f"output: {out} (mp4: libx264 + aac)"
    assert lines[-1].startswith("mstg: 10 video / ") and " 10 / " in lines[-1]
    assert result.stdout == b""


@pytest.mark.parametrize("args, warning", [
    (["-t", "blur", "-t", "gain:db=-3", "-o", "sound.wav"], "warning: not run: blur: no output takes video"),
    (["-t", "blur", "-t", "gain:db=-3", "-o", "picture.mkv", "--no-audio"],
     "warning: not run: gain: the audio is left out"),
])
def test_a_transform_with_nothing_to_work_on_is_named(clip: Path, tmp_path: Path, args: list[str],
                                                     warning: str) -> None:
    result = run_mstg("run", "-i", str(clip), *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr.decode().splitlines() == [warning]
    quiet = run_mstg("run", "-q", "-y", "-i", str(clip), *args, cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stderr == b""


def test_library_stats_name_the_transforms_without_a_track(tmp_path: Path) -> None:
    from conftest import make_clip

    sound = make_clip(tmp_path / "sound.wav", video=False, acodec="pcm_s16le")
    source = mstg.open_input(str(sound))
    stats = mstg.Pipeline([source], [mstg.open_output("null")], ["edges", "gain:db=6"]).run()
    assert stats.unused_transforms == ["edges: no input has video"]
    assert stats.frames_out["audio"] > 0


def test_an_output_no_input_can_feed_is_an_error_before_anything_is_written(tmp_path: Path) -> None:
    result = run_mstg("run", "-i", "testsrc", "--duration", "0.5", "-o", "video.mp4", "-o", "sound.wav",
                      cwd=tmp_path)
    assert result.returncode == 5
    assert result.stderr.decode().splitlines()[0] == "error: nothing to write to sound.wav: no input has audio"
    assert not list(tmp_path.iterdir())


def test_an_output_that_got_no_frames_is_named(clip: Path, tmp_path: Path) -> None:
    result = run_mstg("run", "-i", str(clip), "--start", "30", "-o", "late.mkv", cwd=tmp_path)
    assert result.returncode == 0  # as FFmpeg: an empty result is not a failure, but it is said
    assert result.stderr.decode().startswith("warning: nothing was written to late.mkv")
    assert not (tmp_path / "late.mkv").exists()
