"""The job description: flags, presets, plain data and Python build the same job, and it runs."""

from __future__ import annotations

import functools
import http.server
import json
import re
import shlex
import threading
from pathlib import Path

import click
import numpy as np
import pytest

from conftest import ROOT, make_clip, pattern, probe, run_mstg
from mstg import Pipeline
from mstg.cli.run import job_from_args, run
from mstg.job import FLAGS, ConfigError, InputConfig, OutputConfig, RunConfig, from_flags

README = ROOT / "README.md"
NEEDS_DEVICE = re.compile(r"\bcam\d|\bmic\d|-i screen\b|-o (play|window|speaker)\b|v4l2:|srt://|rtmp://|rtsp://"
                          r"|whip://|whep://|whip\+https?://")  # WebRTC: tests/webrtc/test_webrtc_*.py


# --- the flag table ------------------------------------------------------------------------
def test_every_flag_of_mstg_run_sets_a_job_field() -> None:
    cli_only = {"preset", "debug"}
    options = {p.name for p in run.params if isinstance(p, click.Option)} - cli_only
    assert options == set(FLAGS)
    for flag in FLAGS.values():
        param = next(p for p in run.params if p.name == flag.dest)
        assert f"--{flag.long}" in param.opts or (flag.long == "fragmented"), flag


def test_flags_apply_to_every_input_and_output() -> None:
    job = job_from_args(["-i", "a.mkv", "-i", "b.mkv", "--start", "2", "--video-track", "none",
                         "-o", "x.mp4", "-o", "y.webm", "--crf", "30", "--no-audio", "-y", "--on-error", "skip"])
    assert [(i.spec, i.start, i.video_track) for i in job.inputs] == [("a.mkv", 2.0, "none"), ("b.mkv", 2.0, "none")]
    assert [(o.spec, o.crf, o.audio, o.video, o.overwrite) for o in job.outputs] == [
        ("x.mp4", 30, False, None, True), ("y.webm", 30, False, None, True)]
    assert (job.on_error, job.overwrite, job.transforms) == ("skip", True, None)
    assert job.inputs[0].open_kwargs() == {"start": 2.0, "video_track": None}


# --- plain data ----------------------------------------------------------------------------
def full_job() -> RunConfig:
    return RunConfig(
        inputs=[InputConfig("talk.mkv", start=1.5, duration=2, video_track=1, audio_track="none",
                            format="matroska", options={"probesize": "32"}, timeout=3, realtime=True),
                InputConfig("demo", fps=30, size=(640, 360), sample_rate=44100),
                InputConfig("mic0", pixel_format="mjpeg", channels=1)],
        transforms=["blur:sigma=3", {"text": {"text": "hi", "size": 2}}],
        outputs=[OutputConfig("a.mp4", video_codec="libx264", audio_codec="aac", crf=20, preset="fast",
                              size=(320, 180), fps=12.5, pix_fmt="yuv420p", format="mp4", fragmented=True,
                              overwrite=True, codec_options={"tune": "film"}, muxer_options={"movflags": "faststart"}),
                 OutputConfig("b.ogg", bitrate="1M", audio_bitrate="96k", video=False, audio=True)],
        events="scans.jsonl", overwrite=False, on_error="pass", max_buffer=4, quiet=True, verbose=False)


def test_a_job_goes_through_json_and_yaml_unchanged() -> None:
    job = full_job()
    assert RunConfig.from_json(job.to_json()) == job
    assert RunConfig.from_yaml(job.to_yaml()) == job
    assert RunConfig.from_dict(json.loads(json.dumps(job.to_dict()))).to_dict() == job.to_dict()
    assert job.to_dict()["outputs"][0]["size"] == "320x180"


def test_every_problem_is_named_with_its_place() -> None:
    with pytest.raises(ConfigError) as caught:
        RunConfig.from_dict({"inputs": [{"spec": "a.mkv", "start": -1}, 7],
                             "outputs": [{"spec": "a.mp4"}, {"spec": "b.mp4", "crf": "x", "crff": 2}],
                             "transforms": [{"blur": 3}], "on_error": "later", "colour": 1})
    assert str(caught.value) == "inputs[0].start: expected a number 0 or more, got -1"
    assert caught.value.problems == [
        ("inputs[0].start", "expected a number 0 or more, got -1"),
        ("inputs[1]", "expected a name or a mapping with 'spec', got int"),
        ("transforms[0]", "expected a '-t' text ('blur:sigma=3') or one {name: {parameters}} mapping"),
        ("outputs[1].crf", "expected an integer 0..63, got 'x'"),
        ("outputs[1].crff", "unknown key 'crff' (did you mean 'crf'?)"),
        ("on_error", "expected one of fail, skip, pass, got 'later'"),
        ("colour", "unknown key 'colour'")]
    assert caught.value.exit_status == 2 and caught.value.hint == "6 more problem(s)"
    with pytest.raises(ConfigError, match="^not JSON"):
        RunConfig.from_json("{")


def test_python_objects_in_the_chain_have_no_plain_form() -> None:
    job = RunConfig(["demo"], [lambda pixels, frame: pixels], ["null"])
    with pytest.raises(ConfigError, match=r"^transforms\[0\]: .* is a Python object"):
        job.to_dict()


# --- merging: flags over a preset --------------------------------------------------------
def test_flags_win_over_the_preset_and_the_rest_comes_from_it() -> None:
    preset = from_flags({"inputs": ("cam0",), "outputs": ("rec.mp4",), "crf": "20", "duration": "9",
                         "events": "-"})
    preset.transforms = [{"barcode": {"once": "true"}}]
    flags = from_flags({"outputs": ("x.mkv", "y.mkv"), "duration": 1.0, "transforms": ("edges",)})
    job = preset.merge(flags)
    assert [(i.spec, i.duration) for i in job.inputs] == [("cam0", 1.0)]
    assert [(o.spec, o.crf) for o in job.outputs] == [("x.mkv", 20), ("y.mkv", 20)]
    assert (job.transforms, job.events) == (["edges"], "-")
    assert preset.merge(RunConfig()) == preset and RunConfig().merge(preset) == preset


def test_a_preset_is_a_job() -> None:
    from mstg.presets import load_preset

    job = load_preset("to-gif").to_config()
    assert job.inputs == [] and [(o.spec, o.fps, o.audio, o.format) for o in job.outputs] == [(None, 12.0, False, "gif")]
    assert job.transforms == [{"resize": {"width": "480"}}]


# --- running -----------------------------------------------------------------------------
def test_a_job_built_in_python_runs(tmp_path: Path) -> None:
    events: list[dict] = []
    job = RunConfig([InputConfig("testsrc", duration=0.4)], ["grayscale"],
                    [OutputConfig(str(tmp_path / "a.mkv"), video_codec="ffv1"), OutputConfig("null")])
    stats = Pipeline.from_config(RunConfig.from_json(job.to_json()), on_event=events.append).run()
    frames = probe(tmp_path / "a.mkv")["video"]
    assert stats.frames_out["video"] == len(frames) == 10
    picture = frames[3][1].to_ndarray(format="bgr24")
    assert np.array_equal(picture[..., 0], picture[..., 2])  # gray: every channel the same


def readme_run_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            found = re.search(r"\bmstg (run [^|&]*)$", line)
            if found and "|" not in line and not NEEDS_DEVICE.search(line):
                commands.append(found.group(1).strip())
    return commands


@pytest.fixture(scope="module")
def readme_dir(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    import cv2

    from test_readme import readme_python

    folder = tmp_path_factory.mktemp("jobs")
    for block in readme_python(files=True):
        (folder / block.split("\n", 1)[0][2:].strip()).write_text(block, encoding="utf-8")
    make_clip(folder / "talk.mkv", seconds=12, size=(160, 120), fps=10)
    make_clip(folder / "clip.mp4", seconds=1, size=(160, 120))
    (folder / "shots").mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / "shots" / f"{i}.jpg"), pattern(i, 160, 120))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield folder, server.server_address[1]
    server.shutdown()


def test_the_readme_has_jobs_to_check() -> None:
    assert len(readme_run_commands()) >= 7


@pytest.mark.parametrize("command", readme_run_commands())
def test_each_readme_command_runs_the_same_as_its_job(command: str, readme_dir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder, port = readme_dir
    command = command.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    args = shlex.split(command)[1:]
    monkeypatch.chdir(folder)
    job = RunConfig.from_json(job_from_args(args).to_json())  # through plain data
    outputs = [o.spec for o in job.outputs if o.spec not in ("null", "-")]
    for path in outputs + [job.events or ""]:
        Path(folder, path).unlink(missing_ok=True) if path not in ("", "-") else None
    result = run_mstg("run", *args, "-q", cwd=folder, timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    by_command = {p: probe(folder / p) for p in outputs}
    events_command = _events(folder, job.events, result.stdout)
    for path in outputs + ([job.events] if job.events not in (None, "-") else []):
        (folder / path).unlink()
    seen: list[dict] = []
    stats = Pipeline.from_config(job, on_event=seen.append if job.events == "-" else None).run()
    events_job = seen if job.events == "-" else _events(folder, job.events, b"")
    assert events_job == events_command and stats.events == len(events_command)
    for path in outputs:
        _same_media(by_command[path], probe(folder / path))
    assert stats.frames_in["video"] > 0


def _events(folder: Path, target: str | None, stdout: bytes) -> list[dict]:
    if target is None:
        return []
    text = stdout.decode() if target == "-" else (folder / target).read_text()
    return [json.loads(line) for line in text.splitlines()]


def _same_media(expected: dict[str, list], got: dict[str, list]) -> None:
    for kind in ("video", "audio"):
        assert [t for t, _ in got[kind]] == [t for t, _ in expected[kind]], kind
    for (_, a), (_, b) in zip(expected["video"], got["video"]):
        left, right = a.to_ndarray(format="gray").astype(int), b.to_ndarray(format="gray").astype(int)
        assert np.abs(left - right).mean() < 1.0
    if expected["audio"]:
        left = np.concatenate([f.to_ndarray().ravel() for _, f in expected["audio"]])
        right = np.concatenate([f.to_ndarray().ravel() for _, f in got["audio"]])
        assert left.shape == right.shape and np.abs(left - right).max() < 1e-3
