"""The benchmark still runs: ``python bench/run.py --quick`` (tiny input, one run of each case)
prints its tables. Timings are never asserted: they belong to the benchmark, not the tests."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

CASES = ("startup", "transcode", "transcode-aac", "decode", "pixels", "chain", "blur", "edges",
         "barcode", "latency", "memory")


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="the benchmark compares with the ffmpeg CLI")
def test_quick_benchmark_prints_its_tables() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick"],
                            capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("cores: ") and "pyav: " in line for line in lines)
    rows = [line.split() for line in lines]
    # every case has at least one measured row, with a median time in seconds
    for case in CASES:
        measured = [r for r in rows if r and r[0] == case]
        assert measured, f"no row for {case}:\n{result.stdout}"
    tools = {r[1] for r in rows if r and r[0] == "transcode"}
    assert {"ffmpeg", "mstg", "pyav"} <= tools, result.stdout
    # each measured row has its median wall time (a number) after the tool's name
    mstg_row = next(r for r in rows if r[:2] == ["transcode", "mstg"])
    assert float(mstg_row[2]) > 0
    # the targets table names every target
    for number in ("1.", "2.", "3.", "4a.", "4b.", "5.", "6.", "7.", "8."):
        assert any(line.startswith(number + " ") for line in lines), f"target {number} missing"


def test_markdown_tables() -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("the benchmark compares with the ffmpeg CLI")
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--only",
                             "startup,chain", "--markdown"], capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "| case | tool | median s | CPU s | peak RSS MiB | notes |" in result.stdout
    assert "| startup | mstg --help |" in result.stdout
    assert "| 8. chain overhead |" in result.stdout


# what the benchmark's comparisons rest on -----------------------------------------------------
def test_colour_from_decoded_planes_matches_opencv_i420() -> None:
    """BGR, RGB and BGRA of a decoded frame come from its planes (Y read in place, U and V
    interleaved): the same pixels as OpenCV's I420 conversion, padded rows included."""
    import av
    import cv2
    import numpy as np

    from mstg.frames import VideoFrame

    rng = np.random.default_rng(7)
    picture = rng.integers(0, 256, (120, 330, 3), dtype=np.uint8)  # rows padded to 336 bytes
    decoded = av.VideoFrame.from_ndarray(picture, format="bgr24").reformat(format="yuv420p")
    assert decoded.planes[0].line_size > decoded.width
    i420 = VideoFrame.from_av(decoded, timestamp=0).to_ndarray("yuv420p")
    for fmt, code in (("bgr24", cv2.COLOR_YUV2BGR_I420), ("rgb24", cv2.COLOR_YUV2RGB_I420),
                      ("bgra", cv2.COLOR_YUV2BGRA_I420)):
        got = VideoFrame.from_av(decoded, timestamp=0).to_ndarray(fmt)
        assert np.array_equal(got, cv2.cvtColor(i420, code)), fmt
    # and the colours are right, not merely consistent: within YUV rounding of the original
    bgr = VideoFrame.from_av(decoded, timestamp=0).to_ndarray("bgr24").astype(int)
    smooth = cv2.blur(picture, (5, 5)).astype(int)  # chroma is shared by 2x2 pixels
    assert np.abs(cv2.blur(bgr.astype(np.uint8), (5, 5)).astype(int) - smooth).mean() < 6


@pytest.mark.parametrize("chosen, tune", [(None, True), (3, True), (None, False)])
def test_opencv_threads_left_to_the_pipeline(chosen: int | None, tune: bool) -> None:
    """A pipeline that opts in (as the command line does) gives OpenCV half the cores per
    call, unless the program chose; one that does not leaves OpenCV as it was."""
    code = ("import cv2, mstg\n"
            + (f"cv2.setNumThreads({chosen})\n" if chosen else "")
            + "from mstg.transforms.video import Blur\n"
            "mstg.Pipeline([mstg.open_input('testsrc=size=64x48', duration=0.2)],"
            f" [mstg.open_output('null')], [Blur()], tune_process={tune}).run()\n"
            "print(cv2.getNumThreads(), cv2.getNumberOfCPUs())\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    threads, cores = (int(v) for v in result.stdout.split())
    assert threads == (chosen if chosen else max(1, cores // 2) if tune else cores)


def test_encoder_picks_its_own_frame_types(tmp_path) -> None:
    """A transcode lets x264 choose I, P and B frames (as FFmpeg's CLI does), instead of
    copying the decoder's: an all-intra input does not make an all-intra output."""
    import av
    from av.video.frame import PictureType

    from conftest import make_clip, run_mstg

    source = tmp_path / "intra.mkv"
    with av.open(str(make_clip(tmp_path / "clip.mp4", seconds=1.0, size=(160, 120),
                               audio=False))) as clip, av.open(str(source), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.options = {"g": "1"}  # every frame a keyframe
        for frame in clip.decode(video=0):
            frame.pict_type = av.video.frame.PictureType.NONE
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    with av.open(str(source)) as check:
        assert all(p.is_keyframe for p in check.demux(video=0) if p.size)
    result = run_mstg("run", "-q", "-i", str(source), "-o", str(tmp_path / "out.mp4"))
    assert result.returncode == 0, result.stderr.decode()
    with av.open(str(tmp_path / "out.mp4")) as done:
        types = [PictureType(f.pict_type).name for f in done.decode(video=0)]
    assert len(types) == 25 and types[0] == "I"
    assert types.count("I") < 5 and "P" in types
