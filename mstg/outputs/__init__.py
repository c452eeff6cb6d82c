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
    """The sink ``spec`` names: ``null``, ``-`` (stdout), a URL or a file path."""
    if spec == "null":
        return NullOutput()
    match = _URL.match(spec)
    if match and format is None:
        format = NETWORK_FORMATS.get(match.group(1).lower())
    return FileOutput(spec, format=format, options=options, overwrite=overwrite)
