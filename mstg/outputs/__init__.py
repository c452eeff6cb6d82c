"""Generator sinks: encoded files, stdout pipes, network streams and the null sink.

>>> from mstg.outputs import open_output
>>> open_output("null")
<NullOutput 'null'>
"""

from __future__ import annotations

import re

from .base import NullOutput, Output
from .file import EncodeOptions, FileOutput
from .formats import BY_EXTENSION

__all__ = ["EncodeOptions", "FileOutput", "NullOutput", "Output", "open_output", "BY_EXTENSION"]

#: Network schemes and the muxer each gets unless ``format`` says otherwise.
NETWORK_FORMATS = {"udp": "mpegts", "srt": "mpegts", "tcp": "mpegts", "rtp": "rtp_mpegts",
                   "rtsp": "rtsp", "rtmp": "flv", "rtmps": "flv", "icecast": "mp3"}
_URL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")


def open_output(spec: str, *, options: EncodeOptions | None = None, format: str | None = None,
                overwrite: bool = False) -> Output:
    """The sink ``spec`` names: ``null``, ``-`` (stdout), a URL or a file path; or a live one:
    ``window[:TITLE]``, ``speaker[:DEVICE]``, ``play[:DEVICE]``, ``v4l2:/dev/videoN``."""
    if spec == "null":
        return NullOutput()
    live = open_live_output(spec)
    if live is not None:
        return live
    match = _URL.match(spec)
    if match and format is None:
        format = NETWORK_FORMATS.get(match.group(1).lower())
    if match and match.group(1).lower() in NETWORK_FORMATS:
        from .network import NetworkOutput

        return NetworkOutput(spec, format=format, options=options, overwrite=overwrite)
    from .pictures import PictureOutput, is_picture_output
    from .segmented import SegmentedOutput, is_segmented_output

    if is_picture_output(spec, format):
        return PictureOutput(spec, options=options, overwrite=overwrite)
    if is_segmented_output(spec, format):
        return SegmentedOutput(spec, format=format, options=options, overwrite=overwrite)
    return FileOutput(spec, format=format, options=options, overwrite=overwrite)


# live outputs: window, speaker, play, virtual camera (mstg.outputs.window ...) --------------
def open_live_output(spec: str) -> Output | None:
    """The live output ``spec`` names, or None when it names none."""
    name, _, arg = spec.partition(":")
    if name == "window":
        from .window import WindowOutput

        return WindowOutput(arg or "mstg")
    if name == "speaker":
        from .speaker import SpeakerOutput

        return SpeakerOutput(arg or "default")
    if name == "play":
        from .play import PlayOutput

        return PlayOutput(arg or "default")
    if name == "v4l2" and arg:
        from .virtualcam import VirtualCameraOutput

        return VirtualCameraOutput(arg)
    return None
