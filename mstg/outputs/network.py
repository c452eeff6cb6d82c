"""Network streams: ``udp://``, ``srt://``, ``tcp://``, ``rtp://`` (MPEG-TS), ``rtsp://``, ``rtmp://`` (FLV).

The encoding is the file sink's, tuned for latency: x264 with ``tune=zerolatency`` (no
B-frames, no look-ahead) and a keyframe every second so a viewer can join quickly; UDP
datagrams of 7 TS packets. A file sent to a stream is paced to its timestamps::

    mstg run -i cam0 -o "srt://127.0.0.1:9000?mode=listener"
    mstg run -i talk.mp4 -o udp://239.0.0.1:1234      # ffplay udp://239.0.0.1:1234
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from ..errors import OutputError
from ..frames import VideoFrame
from ..tracks import MediaStreamTrackProcessor
from .file import EncodeOptions, FileOutput

US = 1_000_000
#: x264 options for a live stream; what the user gives with --codec-option wins.
LOW_LATENCY_X264 = {"tune": "zerolatency"}


#: Protocols some FFmpeg builds lack (PyAV's wheels have no libsrt): asked about up front.
PROBED_PROTOCOLS = frozenset({"srt", "rist"})


def check_protocol(scheme: str) -> None:
    """Raise :class:`OutputError` when PyAV's FFmpeg cannot speak ``scheme`` at all."""
    import av

    try:  # a caller to a closed local port: refused at once where the protocol exists
        av.open(f"{scheme}://127.0.0.1:9?connect_timeout=1&timeout=1", timeout=0.2).close()
    except av.error.ProtocolNotFoundError:
        raise OutputError(f"this FFmpeg (the one PyAV brings) cannot send {scheme}:// streams",
                          hint="send udp:// or tcp:// instead (ffmpeg can relay them to SRT), "
                               "or install a PyAV built with lib" + scheme) from None
    except Exception:  # noqa: BLE001 - any other failure means the protocol is there
        pass


class NetworkOutput(FileOutput):
    """A :class:`~mstg.outputs.file.FileOutput` for a URL, with low-latency encoder defaults.

    Each video frame's capture-to-send latency goes to the context's ``latencies_ms``.

    >>> NetworkOutput("udp://127.0.0.1:1234", format="mpegts").live
    True
    """

    live = True
    latency_kind = "video"

    def __init__(self, url: str, *, format: str | None = None, options: EncodeOptions | None = None,
                 overwrite: bool = False) -> None:
        options = options or EncodeOptions()
        scheme = url.split(":", 1)[0].lower()
        if scheme in PROBED_PROTOCOLS:
            check_protocol(scheme)
        if scheme == "udp" and "pkt_size" not in options.format_options:
            options.format_options = {**options.format_options, "pkt_size": "1316"}
        super().__init__(url, format=format, options=options, overwrite=overwrite)
        self._gop = 30

    def _add_video(self, first: VideoFrame) -> Any:
        rate = self.options.fps or (US / first.duration if first.duration else 30.0)
        self._gop = max(1, round(rate))
        return super()._add_video(first)

    def _video_codec_options(self, codec_name: str) -> dict[str, str]:
        out = super()._video_codec_options(codec_name)
        user = self.options.codec_options
        defaults: dict[str, str] = {}
        if codec_name in ("libx264", "libx265"):
            defaults.update(LOW_LATENCY_X264)
        defaults["g"] = str(self._gop)
        out.update({k: v for k, v in defaults.items() if k not in user})
        return out

    def _frames(self, processor: MediaStreamTrackProcessor, pending: list[Any]) -> Iterator[Any]:  # type: ignore[override]
        for frame in FileOutput._frames(processor, pending):
            captured = frame.capture_time if isinstance(frame, VideoFrame) else None
            yield frame
            sink = self.context.latencies_ms
            if captured is not None and sink is not None:  # the caller has encoded and sent it by now
                sink.append((time.monotonic() - captured) * 1000.0)
