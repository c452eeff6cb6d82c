"""Shared helpers of the WebRTC tests: a fake camera clip, and headless Chromium by Selenium.

Chromium reads its fake camera from a Y4M file (``--use-file-for-fake-video-capture``) and
makes up a beeping microphone; ``--use-fake-ui-for-media-stream`` answers the permission
prompt, so the page's ``getUserMedia`` works with no display and no click.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

CHROMIUM = os.environ.get("MSTG_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("MSTG_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = ["--headless=new", "--no-sandbox", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
         "--autoplay-policy=no-user-gesture-required", "--disable-dev-shm-usage"]


def need_webrtc() -> None:
    """Skip (with the reason) when aiortc/aiohttp are not installed."""
    pytest.importorskip("aiortc", reason="the webrtc extra is not installed (pip install 'mstg[webrtc]')")
    pytest.importorskip("aiohttp", reason="the webrtc extra is not installed (pip install 'mstg[webrtc]')")


def need_browser() -> None:
    """Skip (with the reason) when Chromium, chromedriver or Selenium are missing."""
    need_webrtc()
    pytest.importorskip("selenium", reason="selenium is not installed (the test extra)")
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(path) or shutil.which(path)):
            pytest.skip(f"{path} is not installed (apt-get install chromium chromium-driver)")


def qr_y4m(path: Path, text: str, *, size: tuple[int, int] = (640, 480), frames: int = 30,
           fps: int = 30) -> dict[str, Any]:
    """A Y4M clip of a still QR code of ``text`` on white; returns where the code is."""
    from mstg.inputs.demo import barcode_image

    width, height = size
    code = barcode_image("qr_code", text, 6)
    luma = np.full((height, width), 235, np.uint8)
    top, left = (height - code.shape[0]) // 2, (width - code.shape[1]) // 2
    luma[top: top + code.shape[0], left: left + code.shape[1]] = code
    chroma = np.full((height // 2, width // 2), 128, np.uint8).tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma.tobytes() + chroma + chroma)
    return {"left": left, "top": top, "size": code.shape[0]}


@contextmanager
def chromium(y4m: Path | None = None, extra: list[str] = ()) -> Iterator[Any]:  # type: ignore[assignment]
    """A headless Chromium (Selenium WebDriver) with a fake camera and a fresh profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="mstg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={profile}", *extra]:
        options.add_argument(flag)
    if y4m is not None:
        options.add_argument(f"--use-file-for-fake-video-capture={y4m}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(check: Callable[[], Any], *, timeout: float = 60.0, what: str = "the condition") -> Any:
    """Poll ``check`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what} (last: {value!r})")
        time.sleep(0.1)
