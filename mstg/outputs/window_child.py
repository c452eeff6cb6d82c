"""The process that owns a ``window`` output's window (run as ``python -m mstg.outputs.window_child``).

The window lives in a process of its own, with only OpenCV loaded: PyAV's and OpenCV's
wheels both ship libxcb-shm, -shape and -xfixes under the same file names but built
against different libxcb copies, so in one process whichever loads first breaks the
other (Qt hangs creating the window, or FFmpeg's x11grab crashes). Qt also wants its
windows on one thread for the life of a process, which this process's main thread is.

Protocol: stdin carries pictures, each a 16-byte header (``b"BGR3"``, width, height,
channels as little-endian uint32) then the pixels; stdout answers one line per event:
``ready``, ``shown`` (a picture is on screen), ``key N`` and ``closed`` (the user closed it).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import signal
import struct
import sys
import time
from typing import Any

HEADER = struct.Struct("<4sIII")
MAGIC = b"BGR3"
#: When to map a new window again on a bare X server (see :func:`_remap`).
REMAP_AFTER_S = 0.15


def _send(line: str) -> None:
    os.write(1, line.encode() + b"\n")


def _read_exact(fd: int, view: memoryview) -> bool:
    got = 0
    while got < len(view):
        n = os.readv(fd, [view[got:]])
        if n == 0:
            return False
        got += n
    return True


_X_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_ignore_x_errors = _X_ERROR_HANDLER(lambda display, event: 0)


def _xlib() -> Any:
    name = ctypes.util.find_library("X11")
    if name is None:
        return None
    x11 = ctypes.CDLL(name)
    vp, ul = ctypes.c_void_p, ctypes.c_ulong
    x11.XOpenDisplay.restype, x11.XOpenDisplay.argtypes = vp, [ctypes.c_char_p]
    x11.XDefaultRootWindow.restype, x11.XDefaultRootWindow.argtypes = ul, [vp]
    x11.XInternAtom.restype, x11.XInternAtom.argtypes = ul, [vp, ctypes.c_char_p, ctypes.c_int]
    x11.XGetWindowProperty.argtypes = [vp, ul, ul, ctypes.c_long, ctypes.c_long, ctypes.c_int, ul,
                                       ctypes.POINTER(ul), ctypes.POINTER(ctypes.c_int),
                                       ctypes.POINTER(ul), ctypes.POINTER(ul), ctypes.POINTER(vp)]
    x11.XQueryTree.argtypes = [vp, ul, ctypes.POINTER(ul), ctypes.POINTER(ul),
                               ctypes.POINTER(ctypes.POINTER(ul)), ctypes.POINTER(ctypes.c_uint)]
    x11.XFetchName.argtypes = [vp, ul, ctypes.POINTER(ctypes.c_char_p)]
    x11.XUnmapWindow.argtypes = x11.XMapWindow.argtypes = [vp, ul]
    x11.XSync.argtypes = [vp, ctypes.c_int]
    x11.XFree.argtypes = [vp]
    x11.XCloseDisplay.argtypes = [vp]
    x11.XSetErrorHandler.argtypes = [_X_ERROR_HANDLER]
    x11.XSetErrorHandler.restype = vp
    x11.XDefaultScreen.argtypes = [vp]
    x11.XDisplayWidth.argtypes = x11.XDisplayHeight.argtypes = [vp, ctypes.c_int]
    return x11


def _find_window(x11: Any, dpy: int, window: int, title: str, depth: int) -> int | None:
    name = ctypes.c_char_p()
    if x11.XFetchName(dpy, window, ctypes.byref(name)) and name.value is not None:
        found = name.value.decode(errors="replace") == title
        x11.XFree(name)
        if found:
            return window
    if depth == 0:
        return None
    root, parent = ctypes.c_ulong(), ctypes.c_ulong()
    children, count = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
    if not x11.XQueryTree(dpy, window, ctypes.byref(root), ctypes.byref(parent),
                          ctypes.byref(children), ctypes.byref(count)):
        return None
    try:
        for i in range(count.value):
            hit = _find_window(x11, dpy, children[i], title, depth - 1)
            if hit:
                return hit
    finally:
        if children:
            x11.XFree(children)
    return None


def _has_window_manager(x11: Any, dpy: int) -> bool:
    atom = x11.XInternAtom(dpy, b"_NET_SUPPORTING_WM_CHECK", 1)
    if not atom:
        return False
    kind, size, items, left = ctypes.c_ulong(), ctypes.c_int(), ctypes.c_ulong(), ctypes.c_ulong()
    data = ctypes.c_void_p()
    status = x11.XGetWindowProperty(dpy, x11.XDefaultRootWindow(dpy), atom, 0, 1, 0, 0,
                                    ctypes.byref(kind), ctypes.byref(size), ctypes.byref(items),
                                    ctypes.byref(left), ctypes.byref(data))
    if data:
        x11.XFree(data)
    return status == 0 and items.value > 0


def _remap(title: str) -> None:
    """On a bare X server (no window manager: Xvfb, kiosks), unmap and map our new window once.

    Qt 5.15 now and then misses a burst of early events of a new window, its MapNotify among
    them, and then never paints it: the window stays black. Mapping it again gives Qt the
    events it missed. Window managers map windows themselves; there this is left alone.
    """
    x11 = _xlib()
    if x11 is None or not os.environ.get("DISPLAY"):
        return
    x11.XSetErrorHandler(_ignore_x_errors)  # a window gone meanwhile must not end the process
    dpy = x11.XOpenDisplay(None)
    if not dpy:
        return
    try:
        if _has_window_manager(x11, dpy):
            return
        window = _find_window(x11, dpy, x11.XDefaultRootWindow(dpy), title, 3)
        if window:
            x11.XUnmapWindow(dpy, window)
            x11.XSync(dpy, 0)
            x11.XMapWindow(dpy, window)
            x11.XSync(dpy, 0)
    finally:
        x11.XCloseDisplay(dpy)


#: The share of the screen a window may take at most (room for a title bar and a panel).
SCREEN_SHARE = 0.9


def fit_to_screen(width: int, height: int, screen: tuple[int, int] | None) -> tuple[int, int]:
    """The window size for a ``width`` x ``height`` picture: as it is when it fits in
    :data:`SCREEN_SHARE` of ``screen``, else scaled down to fit, the aspect kept.

    >>> fit_to_screen(3026, 1386, (1280, 720))
    (1152, 528)
    >>> fit_to_screen(640, 480, (1280, 720)), fit_to_screen(640, 480, None)
    ((640, 480), (640, 480))
    """
    if screen is None:
        return width, height
    scale = min(1.0, screen[0] * SCREEN_SHARE / width, screen[1] * SCREEN_SHARE / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def screen_size() -> tuple[int, int] | None:
    """The X screen's size in pixels, or None (no X display, or no libX11)."""
    x11 = _xlib()
    if x11 is None or not os.environ.get("DISPLAY"):
        return None
    dpy = x11.XOpenDisplay(None)
    if not dpy:
        return None
    try:
        screen = x11.XDefaultScreen(dpy)
        return int(x11.XDisplayWidth(dpy, screen)), int(x11.XDisplayHeight(dpy, screen))
    finally:
        x11.XCloseDisplay(dpy)


def _visible(cv2: Any, title: str) -> bool:
    try:
        return bool(cv2.getWindowProperty(title, cv2.WND_PROP_VISIBLE) >= 1)
    except cv2.error:
        return False


def main(argv: list[str]) -> int:
    title = argv[1] if len(argv) > 1 else "mstg"
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it closes us
    import cv2
    import numpy as np

    info = cv2.getBuildInformation()
    gui = info[info.find("GUI:"):].split("\n", 1)[0] if "GUI:" in info else ""
    if "NONE" in gui.upper():
        _send("error no-gui")
        return 3
    _send("ready")
    header = bytearray(HEADER.size)
    image: Any = None
    created = False
    remap_at = 0.0
    while True:
        readable, _, _ = select.select([0], [], [], 0.01 if created else 0.1)
        key = -1
        if readable:
            if not _read_exact(0, memoryview(header)):
                break  # the parent has finished (or died): close the window
            magic, width, height, channels = HEADER.unpack(header)
            if magic != MAGIC:
                _send("error bad-header")
                return 4
            if image is None or image.shape != (height, width, channels):
                image = np.empty((height, width, channels), np.uint8)
            if not _read_exact(0, memoryview(image).cast("B")):
                break
            if not created:
                cv2.namedWindow(title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
                cv2.resizeWindow(title, *fit_to_screen(width, height, screen_size()))
                created, remap_at = True, time.monotonic() + REMAP_AFTER_S
            cv2.imshow(title, image)
            key = cv2.waitKey(1)
            _send("shown")
        elif created:
            key = cv2.waitKey(1)
        if remap_at and time.monotonic() >= remap_at:
            _remap(title)
            cv2.imshow(title, image)
            cv2.waitKey(1)
            remap_at = 0.0
        if key != -1:
            _send(f"key {key & 0xFF}")
        if created and not _visible(cv2, title):
            _send("closed")
            break
    if created:
        cv2.destroyAllWindows()
        cv2.waitKey(1)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except BrokenPipeError:
        sys.exit(0)
