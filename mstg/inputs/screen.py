"""The screen: ``screen`` (all of it), ``screen:+X,Y`` or ``screen:0.0+X,Y`` (a region from X,Y).

Linux grabs an X11 display (``$DISPLAY``, or the one named) with FFmpeg's x11grab; macOS
uses AVFoundation's screen device and Windows gdigrab. ``size`` picks the region's size
(the whole screen by default), ``fps`` the rate (30 by default)::

    mstg run -i screen -o screen.mp4
    mstg run -i screen:0.0+100,200 --input-size 640x480 -o window
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from ..errors import DeviceError
from .capture import DeviceInput

_REGION = re.compile(r"^(?P<display>[^+]*?)(?:\+(?P<x>\d+),(?P<y>\d+))?$")


def is_screen_spec(spec: str) -> bool:
    """``screen`` or ``screen:...``."""
    return spec == "screen" or spec.startswith("screen:")


def x11_url(spec: str, environ: dict[str, str] | None = None) -> str:
    """The x11grab url for a screen spec: ``screen:0.0+100,200`` -> ``:0.0+100,200``."""
    environ = os.environ if environ is None else environ
    rest = spec[len("screen:"):] if spec.startswith("screen:") else ""
    match = _REGION.match(rest)
    if match is None:
        raise DeviceError(f"bad screen {spec!r}: use screen, screen:+X,Y or screen:DISPLAY+X,Y")
    display = match.group("display")
    if not display:
        display = environ.get("DISPLAY", "")
        if not display:
            raise DeviceError("no X display to grab: DISPLAY is not set",
                              hint="run inside an X11 session (or Xvfb), or name one: screen::0")
        display = display.split("+", 1)[0]
    elif display[0].isdigit():
        display = f":{display}"
    if match.group("x") is not None:
        return f"{display}+{match.group('x')},{match.group('y')}"
    return display


def xcb_conflict(maps: Path = Path("/proc/self/maps")) -> bool:
    """True when OpenCV's libxcb-shm was loaded before PyAV's (x11grab would crash)."""
    try:
        text = maps.read_text()
    except OSError:
        return False
    return any("libxcb-shm" in line and "opencv" in line for line in text.splitlines())


class ScreenInput(DeviceInput):
    """A live screen (or a region of it).

    >>> ScreenInput("screen:+0,0", size=(640, 480), fps=15)  # doctest: +SKIP
    <ScreenInput 'screen:+0,0' video>
    """

    def __init__(self, spec: str = "screen", *, size: tuple[int, int] | None = None,
                 fps: float | None = None, duration: float | None = None,
                 platform: str | None = None) -> None:
        platform = platform or sys.platform
        # the picture's format is known from the display: no need to read frames to learn it
        options = {"framerate": f"{fps or 30:g}", "probesize": "32"}
        if size is not None:
            options["video_size"] = f"{size[0]}x{size[1]}"
        if platform.startswith("linux"):
            if xcb_conflict():
                raise DeviceError("screen capture cannot run in this process: OpenCV (cv2) was "
                                  "imported before PyAV (av)",
                                  hint="import av (or mstg.inputs) before cv2")
            url, format = x11_url(spec), "x11grab"
            hint = "is the X server running, and does the region fit on the screen (--input-size)?"
        elif platform == "darwin":
            url, format = f"Capture screen {spec[len('screen:'):] or 0}", "avfoundation"
            hint = "allow screen recording for this terminal in System Settings"
        elif platform.startswith("win"):
            url, format = "desktop", "gdigrab"
            hint = None
        else:
            raise DeviceError(f"screen capture is not supported on {platform}")
        super().__init__(url, format=format, options=options, label=spec, duration=duration,
                         hint=hint)
