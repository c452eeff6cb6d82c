"""A plain transcode or stream copy runs without numpy and OpenCV: they load with the first
frame whose pixels or samples are touched (a transform; float audio on its way to an encoder,
checked for NaN and garbage)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import av

from conftest import make_clip

#: Runs ``mstg`` with the given arguments in this interpreter, then prints which of numpy and
#: OpenCV were imported (after the run: whatever it needed is loaded by then).
PROBE = """
import runpy, sys
sys.argv = ["mstg", *sys.argv[1:]]
try:
    runpy.run_module("mstg", run_name="__main__")
except SystemExit as exc:
    status = exc.code
print(status, sorted(m for m in ("numpy", "cv2") if m in sys.modules))
"""


def mstg_modules(*args: str) -> str:
    """The last line the probe prints: the exit status and the heavy modules that were loaded."""
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def test_a_plain_transcode_does_not_import_numpy(tmp_path: Path) -> None:
    source = make_clip(tmp_path / "in.mp4", seconds=0.4, size=(160, 120), audio=False)
    assert mstg_modules("run", "-i", str(source), "-o", str(tmp_path / "out.mp4")) == "0 []"
    assert frames(tmp_path / "out.mp4") == frames(source) == 10
    with_sound = make_clip(tmp_path / "sound.mp4", seconds=0.4, size=(160, 120))
    assert mstg_modules("run", "-i", str(with_sound), "-ca", "copy", "-o", str(tmp_path / "copy.mkv")) == "0 []"
    assert frames(tmp_path / "copy.mkv") == 10
    assert mstg_modules("run", "-i", "testsrc", "--duration", "0.2", "-o", "null") == "0 []"


def test_a_transform_that_touches_pixels_does(tmp_path: Path) -> None:
    source = make_clip(tmp_path / "in.mp4", seconds=0.4, size=(160, 120))
    assert mstg_modules("run", "-i", str(source), "-t", "grayscale", "-o", str(tmp_path / "grey.mp4")) \
        == "0 ['cv2', 'numpy']"
    with av.open(str(tmp_path / "grey.mp4")) as container:
        picture = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert (picture.max(axis=2) - picture.min(axis=2)).max() <= 2  # grey: R, G and B alike
