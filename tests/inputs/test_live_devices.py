"""Capture devices by name: cameras, microphones, the screen; ``mstg devices``; the errors a
user gets when a device is missing."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mstg import open_input, open_output
from mstg.alsa import capture_devices, hardware_pcms, playback_devices
from mstg.cli.main import cli
from mstg.cli.errors import status_for
from mstg.errors import DeviceError, ExitStatus, OutputError, UsageError
from mstg.inputs.devices import is_device_spec
from mstg.inputs.microphone import alsa_name
from mstg.inputs.screen import x11_url
from mstg.inputs.v4l2 import describe, list_cameras
from mstg.tracks import MediaStreamTrackProcessor

CARDS = """\
 0 [PCH            ]: HDA-Intel - HDA Intel PCH
                      HDA Intel PCH at 0xf7f10000 irq 32
 1 [C920           ]: USB-Audio - HD Pro Webcam C920
                      HD Pro Webcam C920 at usb-0000:00:14.0-1, high speed
"""
PCM = """\
00-00: ALC892 Analog : ALC892 Analog : playback 1 : capture 1
00-01: ALC892 Digital : ALC892 Digital : playback 1
01-00: USB Audio : USB Audio : capture 1
"""


def test_device_names() -> None:
    for spec in ("cam", "cam0", "cam12", "cam:HD Pro Webcam", "/dev/video0", "mic", "mic3",
                 "mic:hw:1", "mic:default", "screen", "screen:0.0+100,200", "screen:+10,20"):
        assert is_device_spec(spec), spec
    for spec in ("camera.mp4", "microphone.wav", "screens/*.png", "/dev/stdin", "testsrc", "-"):
        assert not is_device_spec(spec), spec


def test_screen_names_become_x11grab_urls() -> None:
    env = {"DISPLAY": ":1"}
    assert x11_url("screen", env) == ":1"
    assert x11_url("screen:+100,200", env) == ":1+100,200"
    assert x11_url("screen:0.0+100,200", env) == ":0.0+100,200"
    assert x11_url("screen::2", env) == ":2"
    assert x11_url("screen", {"DISPLAY": "localhost:10.0"}) == "localhost:10.0"
    with pytest.raises(DeviceError, match="DISPLAY is not set"):
        x11_url("screen", {})


def test_microphone_names_become_alsa_names() -> None:
    assert alsa_name("mic:hw:1,0") == "hw:1,0"
    assert alsa_name("mic:default") == "default"
    assert alsa_name("mic0") == alsa_name("mic") == "default"
    with pytest.raises(DeviceError, match="no microphone mic42: microphones here: mic0"):
        alsa_name("mic42")


def test_sound_cards_listed_from_proc(tmp_path: Path) -> None:
    (tmp_path / "cards").write_text(CARDS)
    (tmp_path / "pcm").write_text(PCM)
    assert hardware_pcms("capture", tmp_path) == [(0, 0, "HDA Intel PCH: ALC892 Analog"),
                                                 (1, 0, "HD Pro Webcam C920: USB Audio")]
    mics = [(d.spec, d.alsa_name) for d in capture_devices(tmp_path)]
    assert mics == [("mic0", "default"), ("mic1", "plughw:0,0"), ("mic2", "plughw:1,0")]
    speakers = [d.alsa_name for d in playback_devices(tmp_path)]
    assert speakers == ["default", "plughw:0,0", "plughw:0,1"]
    assert capture_devices(tmp_path / "missing")[0].alsa_name == "default"


def test_a_missing_camera_names_the_cameras_there_are() -> None:
    missing = f"cam{len(list_cameras(modes=False)) + 3}"
    with pytest.raises(DeviceError) as caught:
        open_input(missing)
    assert caught.value.exit_status == ExitStatus.DEVICE_ERROR
    assert f"no camera {missing}" in str(caught.value)
    assert ("cameras here:" in str(caught.value)) or ("this machine has no camera" in str(caught.value))
    assert "mstg devices" in (caught.value.hint or "")
    with pytest.raises(DeviceError, match="no camera /dev/video97"):
        open_input("/dev/video97")
    with pytest.raises(DeviceError, match="no camera named 'no such camera here'"):
        open_input("cam:no such camera here")


def test_a_non_video_node_is_not_a_camera() -> None:
    assert describe("/dev/null") is None


def test_capture_settings_go_only_where_they_apply() -> None:
    with pytest.raises(UsageError, match="^sample_rate does not apply to cam0") as refused:
        open_input("cam0", sample_rate=16000)
    assert refused.value.phrased(lambda name: None) == str(refused.value)
    assert status_for(refused.value)[:2] == (2, "--sample-rate does not apply to cam0 (a camera)")
    with pytest.raises(UsageError, match="^size and fps do not apply to mic0"):
        open_input("mic0", size=(640, 480), fps=30)
    with pytest.raises(UsageError, match="^pixel_format does not apply to screen"):
        open_input("screen", pixel_format="mjpeg")
    with pytest.raises(UsageError, match="^size: only for cameras") as caught:  # Python's names
        open_input("testsrc", size=(320, 240))
    assert (caught.value.parameters, caught.value.scope) == (["size"], "input")
    with pytest.raises(UsageError, match="^format='mjpeg' and pixel_format='yuyv422' disagree") as caught:
        open_input("cam0", format="mjpeg", pixel_format="yuyv422")
    assert status_for(caught.value)[1].startswith("--input-format mjpeg and --input-pixel-format yuyv422")


def test_a_missing_virtual_camera_says_how_to_make_one() -> None:
    with pytest.raises(DeviceError) as caught:
        open_output("v4l2:/dev/video63")
    assert "no video device /dev/video63" in str(caught.value)
    assert "modprobe v4l2loopback video_nr=63" in (caught.value.hint or "")
    with pytest.raises(DeviceError, match="is not a video device"):
        open_output("v4l2:/dev/null")


def test_cli_device_errors_exit_8() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["run", "-i", "cam77", "-o", "null"])
    assert result.exit_code == ExitStatus.DEVICE_ERROR
    assert "error: no camera cam77" in result.output
    result = runner.invoke(cli, ["run", "-i", "testsrc", "--duration", "0.1", "-o", "v4l2:/dev/video63"])
    assert result.exit_code == ExitStatus.DEVICE_ERROR
    assert "hint: load the v4l2loopback module" in result.output
    result = runner.invoke(cli, ["run", "-i", "cam0", "--channels", "1", "-o", "null"])
    assert result.exit_code == ExitStatus.USAGE


def test_devices_command_lists_cameras_microphones_and_speakers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":5")
    runner = CliRunner()
    result = runner.invoke(cli, ["devices", "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert [m["spec"] for m in found["microphones"]][0] == "mic0"
    assert found["microphones"][0]["device"] == "default"
    assert found["speakers"][0]["spec"] == "speaker"
    assert found["screen"] == {"spec": "screen", "display": ":5"}
    assert len(found["cameras"]) == len(list_cameras(modes=False))
    for camera in found["cameras"]:
        assert camera["spec"].startswith("cam") and camera["device"].startswith("/dev/video")
    text = runner.invoke(cli, ["devices"]).output
    assert "Cameras:" in text and "Microphones:" in text and "mic0" in text
    assert "screen    X display :5" in text


def test_srt_and_udp_specs_are_live_network_outputs() -> None:
    out = open_output("udp://127.0.0.1:5999")
    assert out.live and out.container_format == "mpegts"
    assert out.options.format_options["pkt_size"] == "1316"
    with pytest.raises(OutputError):
        open_output("v4l2")  # not a device: an unknown file format


@pytest.mark.device
@pytest.mark.skipif(not glob.glob("/dev/video*"), reason="no camera on this machine (/dev/video*)")
def test_a_real_camera_gives_frames() -> None:
    cameras = list_cameras()
    if not cameras:
        pytest.skip("/dev/video* exist but none captures video")
    camera = open_input("cam0", duration=1.0)
    assert camera.live and camera.video is not None
    processor = MediaStreamTrackProcessor(camera.video, max_buffer_size=64)
    camera.start()
    frames = list(processor.readable)
    try:
        assert len(frames) >= 3
        assert all(f.capture_time is not None and f.width > 0 for f in frames)
        assert [f.timestamp for f in frames] == sorted(f.timestamp for f in frames)
    finally:
        for frame in frames:
            frame.close()
