"""Pipes and the network: stdin/stdout through real subprocesses, HTTP on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import probe, run_mstg


def test_stdout_then_stdin_chain_through_real_processes(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.webm"
    first = subprocess.Popen([sys.executable, "-m", "mstg", "run", "-i", str(clip), "-o", "-"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    second = subprocess.run([sys.executable, "-m", "mstg", "run", "-i", "-", "-o", str(out)],
                            stdin=first.stdout, capture_output=True, timeout=120)
    first.stdout.close()  # type: ignore[union-attr]
    assert first.wait(60) == 0, first.stderr.read().decode()  # type: ignore[union-attr]
    assert second.returncode == 0, second.stderr.decode()
    frames = probe(out)
    assert len(frames["video"]) == 50 and len(frames["audio"]) > 0
    assert [round(t, 2) for t, _ in frames["video"][:3]] == [0.0, 0.04, 0.08]


def test_stdout_is_nut_with_raw_video_by_default(clip: Path, tmp_path: Path) -> None:
    result = run_mstg("run", "-i", str(clip), "--duration", "0.2", "-o", "-")
    assert result.returncode == 0 and result.stderr == b""
    dump = tmp_path / "dump.nut"
    dump.write_bytes(result.stdout)
    import av

    with av.open(str(dump)) as container:
        assert container.format.name == "nut"
        assert container.streams.video[0].codec_context.name == "rawvideo"
        assert len(list(container.decode(video=0))) == 5


def test_ffmpeg_cli_reads_what_mstg_writes_to_stdout(clip: Path) -> None:
    ffmpeg = pytest.importorskip("shutil").which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("Debian's ffmpeg CLI is not installed (.ci/run installs it)")
    producer = subprocess.Popen([sys.executable, "-m", "mstg", "run", "-i", str(clip), "-o", "-"],
                                stdout=subprocess.PIPE)
    counted = subprocess.run([ffmpeg, "-v", "error", "-i", "-", "-map", "0:v", "-f", "null", "-",
                              "-progress", "pipe:2"], stdin=producer.stdout, capture_output=True,
                             timeout=120)
    producer.stdout.close()  # type: ignore[union-attr]
    assert producer.wait(60) == 0 and counted.returncode == 0
    assert b"frame=50" in counted.stderr


def test_broken_pipe_on_stdout_ends_quietly(clip: Path) -> None:
    producer = subprocess.Popen([sys.executable, "-m", "mstg", "run", "-i", str(clip), "-o", "-"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    producer.stdout.read(1000)  # type: ignore[union-attr]
    producer.stdout.close()  # type: ignore[union-attr]
    status = producer.wait(60)
    stderr = producer.stderr.read().decode()  # type: ignore[union-attr]
    assert status == 141 and "Traceback" not in stderr and stderr == ""


@pytest.fixture()
def http_server(clip: Path):  # type: ignore[no-untyped-def]
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(clip.parent))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_http_input_from_a_local_server(http_server: str, clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "clip.mkv"
    result = run_mstg("run", "-i", f"{http_server}/{clip.name}", "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    assert len(probe(out)["video"]) == 50


def test_http_input_that_does_not_exist_is_a_clear_error(http_server: str, tmp_path: Path) -> None:
    result = run_mstg("run", "-i", f"{http_server}/missing.mp4", "-o", str(tmp_path / "x.mkv"))
    assert result.returncode in (3, 4)
    lines = result.stderr.decode().strip().splitlines()
    assert lines[0].startswith("error: ") and "missing.mp4" in lines[0]
    assert not (tmp_path / "x.mkv").exists()


@pytest.mark.parametrize("piped_as", ["mkv", "nut"])
def test_start_on_stdin_gives_what_it_gives_on_the_file(clip: Path, tmp_path: Path, piped_as: str) -> None:
    """A pipe cannot seek: --start reads from the beginning and skips, to the same frames."""
    import numpy as np

    source = tmp_path / f"clip.{piped_as}"
    assert run_mstg("run", "-i", str(clip), "-o", str(source), "--video-codec", "ffv1").returncode == 0
    from_file, from_pipe = tmp_path / "file.mkv", tmp_path / "pipe.mkv"
    args = ["--start", "1", "--duration", "0.5", "--video-codec", "ffv1"]
    assert run_mstg("run", "-i", str(source), *args, "-o", str(from_file)).returncode == 0
    piped = run_mstg("run", "-i", "-", *args, "-o", str(from_pipe), input=source.read_bytes())
    assert piped.returncode == 0, piped.stderr.decode()
    a, b = probe(from_file), probe(from_pipe)
    assert len(b["video"]) == len(a["video"]) >= 12 and len(b["audio"]) > 0
    assert [round(t, 3) for t, _ in b["video"]] == [round(t, 3) for t, _ in a["video"]]
    assert np.array_equal(a["video"][0][1].to_ndarray(format="gray"), b["video"][0][1].to_ndarray(format="gray"))
