"""What to say when an encoder cannot be used: an unknown name, or a GPU encoder with no GPU.

>>> software_encoder_for("hevc_nvenc")
'libx265'
>>> str(encoder_setup_error("out.mp4", ["h264_nvenc"], OSError(1, "Operation not permitted")))
'out.mp4: no usable GPU encoder was found for h264_nvenc (no such GPU, or no driver for it)'
"""

from __future__ import annotations

from collections.abc import Sequence

from ..capabilities import ENCODERS_HINT
from ..errors import OutputError

#: Where the encoders are listed (``mstg encoders``, or FFmpeg's own list).
LIST_HINT = ENCODERS_HINT
#: Suffixes FFmpeg gives encoders that run on a GPU or another hardware block.
HARDWARE_SUFFIXES = ("_nvenc", "_qsv", "_vaapi", "_amf", "_videotoolbox", "_v4l2m2m", "_mf",
                     "_vulkan", "_omx", "_mediacodec", "_d3d12va")
#: A software encoder of the same format, by the hardware encoder's prefix (first usable wins).
SOFTWARE = {"h264": ("libx264", "libopenh264"), "hevc": ("libx265",), "av1": ("libsvtav1", "libaom-av1", "librav1e"),
            "vp9": ("libvpx-vp9",), "vp8": ("libvpx",), "mpeg2": ("mpeg2video",), "mjpeg": ("mjpeg",)}


def is_hardware_encoder(name: str) -> bool:
    """True for ``h264_nvenc``, ``hevc_vaapi`` ... (encoders that need a device of their own)."""
    return name.endswith(HARDWARE_SUFFIXES)


def software_encoder_for(name: str) -> str | None:
    """A software encoder this FFmpeg has for the format ``name`` encodes, or None."""
    import av

    for candidate in SOFTWARE.get(name.split("_", 1)[0], ()):
        try:
            av.codec.Codec(candidate, "w")
        except Exception:  # noqa: BLE001 - PyAV raises several kinds for an unknown codec
            continue
        return candidate
    return None


def encoder_setup_error(output: str, encoders: Sequence[str], exc: BaseException) -> OutputError:
    """The error for an encoder that would not open: a GPU encoder's says that no usable GPU
    was found and which software encoder to use instead of FFmpeg's ``Operation not permitted``."""
    hardware = [name for name in encoders if is_hardware_encoder(name)]
    if not hardware:
        return OutputError(f"{output}: cannot set up the encoder: {exc}")
    name = hardware[0]
    software = software_encoder_for(name)
    flag = "--audio-codec" if name.split("_", 1)[0] in ("aac", "mp3", "opus") else "--video-codec"
    hint = f"use the software encoder: {flag} {software}" if software else LIST_HINT
    return OutputError(f"{output}: no usable GPU encoder was found for {name} "
                       "(no such GPU, or no driver for it)", hint=hint)
