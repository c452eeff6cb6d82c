"""Presets: every bundled one validates and runs; every kind of mistake is located; flags win."""

from __future__ import annotations

import importlib.util
import json
import socket
import sys
from pathlib import Path

import av
import numpy as np
import pytest
import yaml

from conftest import ROOT, make_clip, probe, run_mstg
from mstg.cli.presets_cmd import preset_options
from mstg.errors import UsageError
from mstg.inputs.demo import DEMO_BARCODES
from mstg.presets import PresetError, bundled_dir, list_presets, load_preset

BUNDLED = sorted(p.stem for p in (ROOT / "presets").glob("*.yaml"))


def needs_transforms(preset: str) -> None:
    """Skip when a transform the preset names has no module yet (being written elsewhere)."""
    from mstg.transforms.registry import BUILTINS

    doc = yaml.safe_load((ROOT / "presets" / f"{preset}.yaml").read_text())
    for item in doc.get("transforms") or []:
        name = next(iter(item)) if isinstance(item, dict) else item.split(":")[0]
        module = BUILTINS.get(name, "").partition(":")[0]
        if module and importlib.util.find_spec(module) is None:
            pytest.skip(f"transform '{name}' ({module}) does not exist yet")


def write(tmp_path: Path, text: str, name: str = "mine.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# --- the bundled presets -------------------------------------------------------------------
def test_the_bundled_presets_are_the_ones_shipped() -> None:
    assert bundled_dir().resolve() == (ROOT / "presets").resolve() or \
        sorted(p.stem for p in bundled_dir().glob("*.yaml")) == BUNDLED
    assert {"barcode-scanner", "record-webcam", "privacy-blur", "podcast-voice", "screen-record",
            "stream-to-network", "to-web-mp4", "to-gif", "extract-audio"} <= set(BUNDLED)
    assert [p.name for p in list_presets({"XDG_CONFIG_HOME": "/nonexistent"})] == BUNDLED


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_preset_validates(name: str) -> None:
    needs_transforms(name)
    preset = load_preset(name, preset_options())
    text = (ROOT / "presets" / f"{name}.yaml").read_text()
    assert preset.name == name and preset.description and preset.source == "bundled"
    assert text.startswith(f"# {name}: ") and "mstg run --preset " + name in text  # usage shown
    assert [t for t in preset.build_transforms()] or preset.transforms is None


def test_barcode_scanner_finds_the_demo_codes() -> None:
    needs_transforms("barcode-scanner")
    result = run_mstg("run", "--preset", "barcode-scanner", "-i", "demo", "-o", "null",
                      "--duration", "0.3")
    assert result.returncode == 0, result.stderr.decode()
    events = [json.loads(line) for line in result.stdout.decode().splitlines()]  # events: "-"
    found = {(e["format"], e["rawValue"]) for e in events}
    assert ("qr_code", DEMO_BARCODES[0][1]) in found
    assert len(events) == len(found)  # dedupe: view, each code reported once while in view


def test_record_webcam_records_video_and_audio(tmp_path: Path) -> None:
    out = tmp_path / "rec.mp4"
    result = run_mstg("run", "--preset", "record-webcam", "-i", "testsrc", "-i", "sine",
                      "--duration", "0.4", "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.audio[0].codec_context.name == "aac"
    assert len(probe(out)["video"]) == 10  # 0.4 s of 25 fps


def test_privacy_blur_runs_on_a_picture_without_faces(tmp_path: Path) -> None:
    needs_transforms("privacy-blur")
    events = tmp_path / "faces.jsonl"
    result = run_mstg("run", "--preset", "privacy-blur", "-i", "testsrc", "--duration", "0.2",
                      "-o", str(tmp_path / "out.mkv"), "--events", str(events))
    assert result.returncode == 0, result.stderr.decode()
    assert events.read_text() == "" and len(probe(tmp_path / "out.mkv")["video"]) == 5


def test_podcast_voice_cleans_a_tone_into_48k_flac(tmp_path: Path) -> None:
    needs_transforms("podcast-voice")
    out = tmp_path / "voice.flac"
    result = run_mstg("run", "--preset", "podcast-voice", "-i", "sine=frequency=440:sample_rate=44100",
                      "--duration", "0.5", "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    frames = probe(out)["audio"]
    samples = np.concatenate([f.to_ndarray() for _, f in frames], axis=1).astype(np.float32) / 32768
    assert frames[0][1].sample_rate == 48000 and not probe(out)["video"]
    assert abs(samples.shape[1] / 48000 - 0.5) < 0.05
    spectrum = np.abs(np.fft.rfft(samples[0]))
    assert abs(np.argmax(spectrum) * 48000 / samples.shape[1] - 440) < 5 and samples.std() > 0.01


def test_screen_record_writes_h264(tmp_path: Path) -> None:
    out = tmp_path / "screen.mp4"
    result = run_mstg("run", "--preset", "screen-record", "-i", "testsrc", "--duration", "0.2",
                      "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    video = probe(out)["video"]
    assert len(video) == 5 and video[0][1].format.name == "yuv420p"


def test_stream_to_network_sends_mpeg_ts_over_udp(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
        receiver.bind(("127.0.0.1", 0))
        port = receiver.getsockname()[1]
        result = run_mstg("run", "--preset", "stream-to-network", "-i", "testsrc", "--duration",
                          "0.4", "-o", f"udp://127.0.0.1:{port}?pkt_size=1316")
        assert result.returncode == 0, result.stderr.decode()
        receiver.setblocking(False)
        datagrams = []
        while True:
            try:
                datagrams.append(receiver.recv(65536))
            except BlockingIOError:
                break
    assert datagrams and all(len(d) <= 1316 and len(d) % 188 == 0 and set(d[::188]) == {0x47}
                             for d in datagrams)  # whole MPEG-TS packets, at most 7 a datagram
    (tmp_path / "received.ts").write_bytes(b"".join(datagrams))
    received = probe(tmp_path / "received.ts")["video"]
    assert len(received) >= 8 and received[0][1].width == 320  # what a receiver would play


def test_to_web_mp4_gives_h264_yuv420p_and_aac(tmp_path: Path) -> None:
    src = make_clip(tmp_path / "in.mkv", seconds=0.4, size=(64, 48), vcodec="ffv1", acodec="flac")
    out = tmp_path / "web.mp4"
    result = run_mstg("run", "--preset", "to-web-mp4", "-i", str(src), "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    with av.open(str(out)) as container:
        assert container.format.name.startswith("mov,mp4")
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.name, video.codec_context.format.name) == ("h264", "yuv420p")
        assert audio.codec_context.name == "aac"
    assert len(probe(out)["video"]) == 10


def test_to_gif_scales_to_480_wide_at_12_fps(tmp_path: Path) -> None:
    needs_transforms("to-gif")
    src = make_clip(tmp_path / "in.mp4", seconds=1.0, size=(160, 120), audio=False)
    out = tmp_path / "clip.gif"
    result = run_mstg("run", "--preset", "to-gif", "-i", str(src), "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    video = probe(out)["video"]
    assert (video[0][1].width, video[0][1].height) == (480, 360)
    assert 11 <= len(video) <= 13


def test_extract_audio_leaves_the_video_out(tmp_path: Path) -> None:
    src = make_clip(tmp_path / "in.mp4", seconds=0.5, size=(64, 48))
    out = tmp_path / "sound.m4a"
    result = run_mstg("run", "--preset", "extract-audio", "-i", str(src), "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    with av.open(str(out)) as container:
        assert not container.streams.video and container.streams.audio[0].codec_context.name == "aac"


def test_conversion_presets_ask_for_an_input() -> None:
    result = run_mstg("run", "--preset", "to-gif", "-o", "x.gif")
    assert result.returncode == 2
    assert result.stderr.decode().splitlines()[0] == "error: preset 'to-gif' names no input: give one with -i"


# --- command-line flags win over the preset ------------------------------------------------
PRECEDENCE = """\
version: 1
name: short-gray
inputs: [testsrc]
duration: 2
size: 64x48
transforms:
  - grayscale
outputs: [{out}]
"""


def test_flags_given_win_over_the_preset_and_the_rest_applies(tmp_path: Path) -> None:
    preset = write(tmp_path, PRECEDENCE.format(out=tmp_path / "preset.mkv"))
    out = tmp_path / "flag.mkv"
    result = run_mstg("run", "--preset", str(preset), "--duration", "0.2", "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    video = probe(out)["video"]
    assert len(video) == 5  # --duration 0.2 (25 fps), not the preset's 2 s
    frame = video[0][1]
    assert (frame.width, frame.height) == (64, 48)  # the preset's size
    chroma = frame.to_ndarray(format="yuv420p")[48:]
    assert np.abs(chroma.astype(int) - 128).max() <= 2  # the preset's grayscale
    assert not (tmp_path / "preset.mkv").exists()  # -o replaced the preset's outputs


def test_transforms_on_the_command_line_replace_the_preset_chain(tmp_path: Path) -> None:
    preset = write(tmp_path, PRECEDENCE.format(out=tmp_path / "out.mkv"))
    result = run_mstg("run", "--preset", str(preset), "--duration", "0.08", "-t", "null")
    assert result.returncode == 0, result.stderr.decode()
    chroma = probe(tmp_path / "out.mkv")["video"][0][1].to_ndarray(format="yuv420p")[48:]
    assert np.abs(chroma.astype(int) - 128).max() > 40  # testsrc's colours: no grayscale


# --- mistakes, each with its file:line:column and key path ---------------------------------
@pytest.mark.parametrize("text, expected", [
    ("version: 1\ninputs: [testsrc]\ndurationn: 2\n",
     "mine.yaml:3:1: durationn: unknown key 'durationn' (did you mean 'duration'?)"),
    ("version: 1\nvideo_codec: libx264\n",
     "mine.yaml:2:1: video_codec: unknown key 'video_codec' (did you mean 'video-codec'?)"),
    ("version: 1\nduration: soon\n", "mine.yaml:2:11: duration: expected a number above 0, got 'soon'"),
    ("version: 1\ncrf: abc\n", "mine.yaml:2:6: crf: expected an integer 0..63, got 'abc'"),
    ("version: 1\nsample-rate: 5\n", "mine.yaml:2:14: sample-rate: expected an integer 1000..768000, got '5'"),
    ("version: 1\ncrf: [1, 2]\n", "mine.yaml:2:6: crf: expected one value, got a list"),
    ("version: 1\noverwrite: 3\n", "mine.yaml:2:12: overwrite: expected true or false, got 3"),
    ("version: 1\nsize: big\n", "mine.yaml:2:7: size: expected WIDTHxHEIGHT (e.g. 1280x720), got 'big'"),
    ("version: 1\non-error: later\n", "mine.yaml:2:11: on-error: expected one of fail, skip, pass, got 'later'"),
    ("version: 1\noutputs: [a.mp4, {b: c}]\n", "mine.yaml:2:18: outputs[1]: expected one value, got a mapping"),
    ("version: 1\ntransforms:\n  - grayscale\n  - blur:\n      sigmaa: 3\n",
     "mine.yaml:5:7: transforms[1].blur.sigmaa: unknown parameter 'sigmaa' (did you mean 'sigma'?)"),
    ("version: 1\ntransforms:\n  - blur: {sigma: 900}\n",
     "mine.yaml:3:19: transforms[0].blur.sigma: parameter 'sigma' must be between"),
    ("version: 1\ntransforms:\n  - blur: {sigma: lots}\n",
     "mine.yaml:3:19: transforms[0].blur.sigma: parameter 'sigma' expects a number, got 'lots'"),
    ("version: 1\ntransforms:\n  - blurr\n",
     "mine.yaml:3:5: transforms[0]: unknown transform 'blurr' (did you mean 'blur'?)"),
    ("version: 1\ntransforms:\n  - blur: 3\n",
     "mine.yaml:3:11: transforms[0].blur: parameters are a mapping (key: value), got 3"),
    ("version: 1\ntransforms: {blur: {sigma: 3}}\n",
     "mine.yaml:2:13: transforms: expected a list of transforms, got a mapping"),
    ("version: 1\ntransforms:\n  - blur: {sigma: 3}\n    grayscale:\n",
     "mine.yaml:3:5: transforms[0]: a transform is a name or one 'name: {parameters}' pair, got 2 keys"),
    ("version: 1\ninputs: [testsrc\n", "mine.yaml:3:1: YAML syntax error: "),
    ("version: 1\n  inputs: testsrc\n", "mine.yaml:2:9: YAML syntax error: mapping values are not allowed here"),
    ("version: 1\ninputs: !!python/object/apply:os.system ['touch hacked']\n",
     "mine.yaml:2:9: YAML tags are not allowed in a preset (found !!python/object/apply:os.system)"),
    ("version: 1\nname: !custom x\n", "mine.yaml:2:7: YAML tags are not allowed in a preset (found !custom)"),
    ("version: 1\nx: &a [1]\ninputs: *a\n", "mine.yaml:3:9: YAML aliases (*a) are not allowed in a preset"),
    ("inputs: [testsrc]\n", "mine.yaml:1:1: missing key 'version'"),
    ("version: 2\n", "mine.yaml:1:10: version: unsupported preset version 2: this mstg reads version 1"),
    ("version: 1\nduration: 1\nduration: 2\n",
     "mine.yaml:3:1: duration: duplicate key 'duration' (first given at line 2)"),
    ("- version: 1\n", "mine.yaml:1:1: a preset is a mapping of keys (version: 1, inputs: ...), got a list"),
    ("", "mine.yaml: the file is empty"),
    ("version: 1\ndescription: [a]\n", "mine.yaml:2:14: description: expected text, got a list"),
])
def test_each_mistake_names_its_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str,
                                      expected: str) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, text)
    with pytest.raises(PresetError) as caught:
        load_preset("./mine.yaml", preset_options())
    assert str(caught.value).startswith(expected), str(caught.value)
    assert isinstance(caught.value, UsageError) and caught.value.exit_status == 2
    assert not (tmp_path / "hacked").exists()


def test_a_transform_parameter_error_points_at_the_value(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\ntransforms:\n  - blur:\n      sigma: -4\n")
    with pytest.raises(PresetError) as caught:
        load_preset(str(path), preset_options())
    problem = caught.value.problems[0]
    assert (problem.line, problem.column, problem.path) == (4, 14, "transforms[0].blur.sigma")


@pytest.mark.parametrize("ref, expected", [
    ("./nothere.yaml", "preset file not found: ./nothere.yaml"),
    ("barcode-scaner", "no preset named 'barcode-scaner' (did you mean 'barcode-scanner'?)"),
])
def test_a_missing_preset_is_a_usage_error(ref: str, expected: str) -> None:
    with pytest.raises(UsageError, match=expected.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        load_preset(ref, preset_options())


def test_run_with_a_broken_preset_says_where_in_one_line(tmp_path: Path) -> None:
    write(tmp_path, "version: 1\ntransforms:\n  - blur: {sigmaa: 3}\nfps: fast\n")
    result = run_mstg("run", "--preset", "./mine.yaml", "-o", "null", cwd=tmp_path)
    lines = result.stderr.decode().splitlines()
    assert result.returncode == 2 and "Traceback" not in result.stderr.decode()
    assert lines[0] == ("error: mine.yaml:3:12: transforms[0].blur.sigmaa: unknown parameter "
                        "'sigmaa' (did you mean 'sigma'?)")
    assert lines[1] == "hint: 1 more problem(s): mstg presets validate mine.yaml"


def test_validate_lists_every_problem(tmp_path: Path) -> None:
    write(tmp_path, "version: 1\ntransforms:\n  - blur: {sigmaa: 3}\nfps: fast\n")
    write(tmp_path, "version: 1\ninputs: [testsrc]\n", "good.yaml")
    result = run_mstg("presets", "validate", "./mine.yaml", "./good.yaml", cwd=tmp_path)
    errors = [line for line in result.stderr.decode().splitlines() if line.startswith("error:")]
    assert result.returncode == 2
    assert [e.split(": ")[1] for e in errors] == ["mine.yaml:3:12", "mine.yaml:4:6"]
    assert result.stdout.decode().startswith("ok: good.yaml (good)")
    report = json.loads(run_mstg("presets", "validate", "--json", "./mine.yaml", cwd=tmp_path).stdout)
    assert [(p["line"], p["column"], p["path"]) for p in report[0]["problems"]] == [
        (3, 12, "transforms[0].blur.sigmaa"), (4, 6, "fps")]


# --- lookup: bundled, then the user's folder, then paths -----------------------------------
def test_user_presets_are_listed_and_found_by_name(tmp_path: Path) -> None:
    folder = tmp_path / "config" / "mstg" / "presets"
    folder.mkdir(parents=True)
    (folder / "tiny.yaml").write_text(
        f"version: 1\ndescription: A tiny test clip.\ninputs: [testsrc]\nduration: 0.12\n"
        f"outputs: [{tmp_path / 'tiny.mkv'}]\n")
    (folder / "to-gif.yaml").write_text("version: 1\ndescription: Mine.\n")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    listing = run_mstg("presets", env=env).stdout.decode().splitlines()
    tiny = next(line for line in listing if line.startswith("tiny "))
    assert tiny.split() == ["tiny", "user", "A", "tiny", "test", "clip."]
    mine = [line for line in listing if line.startswith("to-gif ") and " user " in line]
    assert "hidden by the bundled 'to-gif'" in mine[0]
    result = run_mstg("run", "--preset", "tiny", env=env)
    assert result.returncode == 0, result.stderr.decode()
    assert len(probe(tmp_path / "tiny.mkv")["video"]) == 3
    rows = json.loads(run_mstg("presets", "--json", env=env).stdout)
    assert {(r["name"], r["source"]) for r in rows} >= {("tiny", "user"), ("barcode-scanner", "bundled")}


def test_a_local_transform_file_is_relative_to_the_preset(tmp_path: Path) -> None:
    (tmp_path / "filters").mkdir()
    (tmp_path / "filters" / "dim.py").write_text(
        "from dataclasses import dataclass\nfrom mstg import Transform\n\n@dataclass\n"
        "class Dim(Transform):\n    name = 'dim'\n    factor: float = 1.0\n"
        "    def process(self, data, frame):\n        return (data * self.factor).astype(data.dtype)\n")
    path = write(tmp_path / "filters", "version: 1\ntransforms:\n  - dim.py:Dim: {factor: 0.5}\n"
                 "  - dim.py:Dim: {factr: 2}\n")
    with pytest.raises(PresetError) as caught:
        load_preset(str(path), preset_options())
    assert [str(p).split(": ", 1)[1] for p in caught.value.problems] == [
        "transforms[1].dim.py:Dim.factr: unknown parameter 'factr' (did you mean 'factor'?)"]


def test_show_prints_the_yaml_with_its_comments() -> None:
    result = run_mstg("presets", "show", "podcast-voice")
    assert result.returncode == 0
    assert result.stdout.decode() == (ROOT / "presets" / "podcast-voice.yaml").read_text()
    assert run_mstg("presets", "show", "nope").returncode == 2


@pytest.mark.parametrize("command", [["presets"], ["presets", "show"], ["presets", "validate"],
                                     ["probe"], ["run"]])
def test_help_has_examples(command: list[str]) -> None:
    text = run_mstg(*command, "--help").stdout.decode()
    assert "Examples:" in text and "mstg " + command[0] in text.split("Examples:")[1]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is Python 3.11+")
def test_every_package_and_the_presets_are_packaged() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "mstg").rglob("__init__.py")}
    assert packages <= set(config["packages"]), "add the new package to pyproject.toml"
    assert config["package-dir"]["mstg.presets_data"] == "presets"
    assert "*.yaml" in config["package-data"]["mstg.presets_data"]


def test_the_null_output_may_be_written_without_quotes(tmp_path: Path) -> None:
    write(tmp_path, "version: 1\ninputs: [demo]\noutputs: [null]\ntransforms: [barcode]\n")
    result = run_mstg("run", "--preset", "./mine.yaml", "--duration", "0.2", "--events", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert b'"type": "barcode"' in result.stdout and list(tmp_path.iterdir()) == [tmp_path / "mine.yaml"]
    write(tmp_path, "version: 1\ninputs: [demo]\noutputs: [~]\n")  # another null: no output named
    refused = run_mstg("presets", "validate", "./mine.yaml", cwd=tmp_path)
    assert refused.returncode == 2 and "outputs[0]: expected a value" in refused.stderr.decode()
