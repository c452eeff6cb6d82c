"""``window``: frames shown in a desktop window as they come (OpenCV's HighGUI).

``q``, ``Esc`` or closing the window ends the run cleanly: the inputs stop and every other
output (a recording) is finalized. ``window:TITLE`` names the window::

    mstg run -i cam0 -t barcode -o window
    mstg run -i talk.mp4 -o window -o copy.mkv
"""

from __future__ import annotations

import os
import queue
import socket
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DeviceError
from ..tracks import MediaStreamTrackProcessor
from .live import US, Frame, LiveOutput, PlaybackClock

_QUIT_KEYS = (ord("q"), ord("Q"), 27)
#: Show a late frame anyway when nothing was shown for this long (a slow transform).
_MAX_BLANK_S = 0.2
#: Never hold a frame longer than this waiting for the sound's clock.
_MAX_WAIT_S = 2.0


def x_display_reachable(display: str) -> bool:
    """True when an X server answers at ``display`` (``:0``, ``localhost:10.0``)."""
    host, _, rest = display.rpartition(":")
    number = rest.split(".", 1)[0]
    if not number.isdigit():
        return True  # a form we do not know: let the toolkit try
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{number}"
        for address in ("\0" + path, path):
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(1.0)
                try:
                    sock.connect(address)
                    return True
                except OSError:
                    continue
        return False
    try:
        socket.create_connection((host, 6000 + int(number)), timeout=1.0).close()
        return True
    except OSError:
        return False


def check_display(environ: dict[str, str] | None = None) -> None:
    """Raise :class:`DeviceError` where no window can open (Qt would abort the process)."""
    if not sys.platform.startswith("linux"):
        return
    environ = os.environ if environ is None else environ
    display = environ.get("DISPLAY", "")
    if not display:
        wayland = " (a Wayland session needs XWayland)" if environ.get("WAYLAND_DISPLAY") else ""
        raise DeviceError(f"no display to open a window on: DISPLAY is not set{wayland}",
                          hint="run in a desktop session, over 'ssh -X' or under xvfb-run; "
                               "or write a file (-o out.mp4) instead")
    if not x_display_reachable(display):
        raise DeviceError(f"cannot reach the X display {display!r}",
                          hint="is the X server running? check the DISPLAY variable")


def _prepare_qt(environ: Any = os.environ) -> None:
    """OpenCV's Qt wheels bring only the xcb platform and no fonts: point Qt at what works."""
    import cv2

    qt = Path(cv2.__file__).parent / "qt"
    if qt.is_dir():
        if environ.get("QT_QPA_PLATFORM", "").startswith("wayland") and environ.get("DISPLAY"):
            environ["QT_QPA_PLATFORM"] = "xcb"
        fonts = Path("/usr/share/fonts/truetype/dejavu")
        if "QT_QPA_FONTDIR" not in environ and not (qt / "fonts").is_dir() and fonts.is_dir():
            environ["QT_QPA_FONTDIR"] = str(fonts)


class Gui:
    """The one thread that talks to HighGUI: Qt wants every window call on a single thread,
    for the life of the process, so all windows of all runs share this one."""

    _instance: Gui | None = None
    _instance_lock = threading.Lock()

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
        self._listeners: list[Callable[[int], None]] = []
        self.windows = 0
        self._thread = threading.Thread(target=self._loop, name="mstg-gui", daemon=True)
        self._thread.start()

    @classmethod
    def get(cls) -> Gui:
        with cls._instance_lock:
            if cls._instance is None:
                _prepare_qt()
                cls._instance = cls()
            return cls._instance

    def call(self, func: Callable[[], Any]) -> Any:
        """Run ``func`` on the GUI thread and return its result (or raise its error)."""
        future: Future[Any] = Future()
        self._calls.put((func, future))
        return future.result()

    def listen(self, callback: Callable[[int], None]) -> None:
        self._listeners.append(callback)

    def forget(self, callback: Callable[[int], None]) -> None:
        if callback in self._listeners:
            self._listeners.remove(callback)

    def _loop(self) -> None:
        import cv2

        while True:
            try:
                func, future = self._calls.get(timeout=0.01)
            except queue.Empty:
                pass
            else:
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(func())
                    except BaseException as exc:  # handed to the caller
                        future.set_exception(exc)
            if self.windows:
                key = cv2.waitKey(1)
                if key != -1:
                    for listener in list(self._listeners):
                        listener(key & 0xFF)


def _gui_available() -> bool:
    import cv2

    info = cv2.getBuildInformation()
    gui = info[info.find("GUI:"):].split("\n", 1)[0] if "GUI:" in info else ""
    return "NONE" not in gui.upper()


class WindowOutput(LiveOutput):
    """Shows each video frame in a window, at once (or when ``clock`` says it is due).

    ``clock`` (a :class:`~mstg.outputs.live.PlaybackClock` kept by a speaker) holds each frame
    until its sound is heard, as ``play`` does; ``on_present(timestamp_us, monotonic_s)`` is
    called for each frame shown.

    >>> out = WindowOutput("preview")  # doctest: +SKIP
    """

    name = "window"
    wants = ("video",)

    def __init__(self, title: str = "mstg", *, clock: PlaybackClock | None = None,
                 on_present: Callable[[int, float], None] | None = None) -> None:
        super().__init__()
        check_display()
        if not _gui_available():
            raise DeviceError("this OpenCV has no window support (opencv-python-headless?)",
                              hint="pip install opencv-python (not the -headless one)")
        self.title = title
        self.clock = clock
        self.on_present = on_present
        self.late_frames = 0
        self.closed_by_user = False
        self._quit = threading.Event()
        self._created = False
        self._last_shown = 0.0

    # the GUI thread's side ----------------------------------------------------------------
    def _paint(self, image: np.ndarray) -> bool:
        import cv2

        if not self._created:
            cv2.namedWindow(self.title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
            cv2.resizeWindow(self.title, image.shape[1], image.shape[0])
            self._created = True
        cv2.imshow(self.title, image)
        return self._visible()

    def _visible(self) -> bool:
        import cv2

        try:
            return bool(cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) >= 1)
        except cv2.error:
            return False

    def _destroy(self) -> None:
        import cv2

        if self._created:
            try:
                cv2.destroyWindow(self.title)
                cv2.waitKey(1)
            except cv2.error:
                pass
            self._created = False

    # the output thread's side -------------------------------------------------------------
    def _on_key(self, key: int) -> None:
        if key in _QUIT_KEYS:
            self._quit.set()

    def _consume(self, kind: str, processor: MediaStreamTrackProcessor) -> None:
        gui = Gui.get()
        gui.listen(self._on_key)
        gui.windows += 1
        idle_checks = 0
        try:
            while not self._quit.is_set():
                frame, ended = self._next(processor, 0.05)
                if ended:
                    break
                if frame is None:
                    idle_checks += 1
                    if self._created and idle_checks % 4 == 0 and not gui.call(self._visible):
                        self._quit.set()
                    continue
                try:
                    self._show(gui, frame)
                finally:
                    frame.close()
        finally:
            gui.forget(self._on_key)
            gui.call(self._destroy)
            gui.windows -= 1
        if self._quit.is_set():  # the user closed the window or pressed q: end the run
            self.closed_by_user = True
            processor.cancel()
            self._ask_to_stop()

    def _show(self, gui: Gui, frame: Frame) -> None:
        if not self._due(frame):
            self.late_frames += 1
            return
        image = frame.to_ndarray("bgr24")
        visible = gui.call(lambda: self._paint(image))
        now = time.monotonic()
        self._last_shown = now
        self._record_latency(frame)
        self.frames_written["video"] += 1
        if self.on_present is not None:
            self.on_present(frame.timestamp, now)
        if not visible:
            self._quit.set()

    def _due(self, frame: Frame) -> bool:
        """Wait until the clock reaches the frame; False for a frame too late to show."""
        clock = self.clock
        if clock is None:
            return True
        began = time.monotonic()
        while not (self._quit.is_set() or self._aborted.is_set()):
            now_us = clock.now_us()
            waited = time.monotonic() - began
            if now_us is None:
                if clock.finished or waited > 0.5:
                    return True
                self._aborted.wait(0.005)
                continue
            ahead = frame.timestamp - now_us
            if ahead <= 0:
                late = -ahead > (frame.duration or 40_000)
                return not late or time.monotonic() - self._last_shown > _MAX_BLANK_S
            if waited > _MAX_WAIT_S:
                return True
            self._aborted.wait(min(ahead / US, 0.01))
        return False
