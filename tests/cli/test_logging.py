"""FFmpeg's and the encoders' own lines go through logging: silent by default, shown with -v,
never on stdout, never despite -q."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from conftest import probe, run_mstg

MSTG_LINE = ("mstg:", "warning:", "error:", "hint:", "input:", "output:", "transforms:")


def _encoder_available(name: str) -> bool:
    import av

    return name in av.codecs_available


@pytest.mark.skipif(not _encoder_available("libx265"), reason="this FFmpeg has no libx265")
def test_x265_says_nothing_unless_asked(tmp_path: Path) -> None:
    plain = run_mstg("run", "-i", "testsrc", "--duration", "1", "-cv", "libx265", "-o", "x.mp4", cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr.decode()
    assert plain.stdout == b"" and [line for line in plain.stderr.decode().splitlines()
                                    if not line.startswith(MSTG_LINE)] == []
    assert len(probe(tmp_path / "x.mp4")["video"]) == 25
    quiet = run_mstg("run", "-i", "testsrc", "--duration", "1", "-cv", "libx265", "-o", "q.mp4", "-q", cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stdout == b"" and quiet.stderr == b""
    verbose = run_mstg("run", "-i", "testsrc", "--duration", "1", "-cv", "libx265", "-o", "v.mp4", "-v", cwd=tmp_path)
    assert verbose.stdout == b"" and "x265 [info]" in verbose.stderr.decode()


@pytest.mark.skipif(not _encoder_available("libsvtav1"), reason="this FFmpeg has no libsvtav1")
def test_svt_av1_says_nothing_unless_asked(tmp_path: Path) -> None:
    result = run_mstg("run", "-i", "testsrc", "--duration", "0.2", "-cv", "libsvtav1", "-o", "a.mkv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert "Svt[" not in result.stderr.decode() and result.stdout == b""


def test_unused_muxer_options_are_not_printed(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink:  # a port nobody else uses
        sink.bind(("127.0.0.1", 0))
        url = f"udp://127.0.0.1:{sink.getsockname()[1]}?pkt_size=1316"
        quiet = run_mstg("run", "-i", "testsrc", "--duration", "0.2", "-o", url, "-q", cwd=tmp_path)
        plain = run_mstg("run", "-i", "testsrc", "--duration", "0.2", "-o", url, cwd=tmp_path)
        got = sink.recv(2048)
    assert quiet.returncode == plain.returncode == 0, plain.stderr.decode()
    assert quiet.stderr == b"" and "Some options were not used" not in plain.stderr.decode()
    assert got[0] == 0x47  # MPEG-TS packets arrived


def test_configure_routes_ffmpeg_lines_by_verbosity() -> None:
    import logging

    from mstg import logs

    try:
        logs.configure(logs.VERBOSE)
        assert logs.encoder_log_level() == "info"
        assert logging.getLogger("mstg.pipeline").isEnabledFor(logging.INFO)
        logs.configure(logs.QUIET)
        assert logs.encoder_log_level() == "error"
        assert not logging.getLogger("libav.x265").isEnabledFor(logging.CRITICAL)
        assert not logging.getLogger("mstg.pipeline").isEnabledFor(logging.WARNING)
    finally:
        logs.configure(logs.NORMAL)
