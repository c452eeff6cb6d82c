"""Scanning many things for barcodes, as ``mstg scan`` does: pictures, folders (recursive),
globs, videos and live inputs, each code reported as an event with its source.

Pictures are read one by one through photo mode (:mod:`.barcode_read`); videos and live
inputs run through a pipeline with the ``barcode`` transform (one event per code in view).

>>> found = []
>>> summary = scan(["demo"], on_event=found.append, once=True, duration=1)
>>> summary.codes >= 1 and found[0]["source"] == "demo"
True
"""

from __future__ import annotations

import glob
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, InputNotFoundError

log = logging.getLogger(__name__)

#: Files taken from a folder as videos (pictures: those ``mstg.inputs.images`` reads).
VIDEO_EXTENSIONS = {".mp4", ".mkv", ".mov", ".webm", ".avi", ".m4v", ".ts", ".mts", ".mpg",
                    ".mpeg", ".wmv", ".flv", ".3gp", ".ogv", ".nut", ".y4m"}


@dataclass
class ScanSummary:
    """What a scan found: codes reported, pictures read, pictures with none, files skipped."""

    codes: int = 0
    pictures: int = 0
    empty: int = 0
    skipped: int = 0
    stopped: bool = False


def expand(specs: list[str]) -> Iterator[tuple[str, str, bool]]:
    """``(kind, path or spec, named)`` for each thing to scan: ``picture`` or ``media``;
    ``named`` is False for files found in a folder or by a glob (a file that cannot be read
    is then skipped, not an error)."""
    from ..inputs.images import IMAGE_EXTENSIONS, is_animated, is_glob, natural_key

    def kind_of(path: str) -> str | None:
        ext = os.path.splitext(path)[1].lower()
        if ext in IMAGE_EXTENSIONS:
            return "media" if is_animated(path) else "picture"
        return "media" if ext in VIDEO_EXTENSIONS else None

    for spec in specs:
        if os.path.isdir(spec):
            files = [os.path.join(root, name) for root, _dirs, names in os.walk(spec) for name in names]
            for path in sorted(files, key=natural_key):
                kind = kind_of(path)
                if kind is not None:
                    yield kind, path, False
        elif is_glob(spec):
            matches = [p for p in glob.glob(spec, recursive=True) if os.path.isfile(p)]
            if not matches:
                raise InputNotFoundError(f"no file matches {spec}")
            for path in sorted(matches, key=natural_key):
                yield kind_of(path) or "media", path, False
        elif os.path.isfile(spec):
            yield ("picture" if kind_of(spec) == "picture" else "media"), spec, True
        else:
            yield "media", spec, True  # a device, the demo, a URL, lavfi (open_input says if not)


def scan(specs: list[str], *, on_event: Callable[[dict[str, Any]], None],
         on_skip: Callable[[str, Exception], None] | None = None, formats: str = "all",
         photo: bool = True, empty: bool = False, once: bool = False, expect: int | None = None,
         confirm: str = "1", start: float | None = None, duration: float | None = None) -> ScanSummary:
    """Scan each of ``specs``; every code (and, with ``empty``, every picture with none) goes
    to ``on_event``. ``once`` / ``expect``: stop after the first / after ``expect`` codes."""
    from ..chain import TransformChain
    from ..inputs.images import read_picture
    from .barcode import Barcode

    summary = ScanSummary()
    goal = 1 if once else expect
    pipeline: Any = None
    broken: list[BaseException] = []  # the reader went away: stop, and say so after

    def counted(event: dict[str, Any]) -> None:
        kind = event.get("type")
        if broken or (goal is not None and summary.codes >= goal and kind != "barcode-sequence"):
            return  # a joined sequence still follows the part that completed it
        if kind == "barcode":
            summary.codes += 1
        elif kind == "barcode-none":
            summary.empty += 1
        try:
            on_event(event)
        except BrokenPipeError as exc:
            broken.append(exc)
        if (broken or (goal is not None and summary.codes >= goal)) and pipeline is not None:
            summary.stopped = True
            pipeline.stop()

    reader = Barcode(formats=formats, photo="on" if photo else "off", empty=empty,
                     highlight=False)
    pending: list[dict[str, Any]] = []
    chain = TransformChain([reader], on_event=pending.append)
    for kind, spec, named in expand(specs):
        if broken:
            raise broken[0]
        if goal is not None and summary.codes >= goal:
            summary.stopped = True
            break
        try:
            if kind == "picture":
                summary.pictures += 1
                with read_picture(spec) as frame:
                    for out in chain.push(frame):
                        out.close()
                for event in pending:
                    counted(event)
                pending.clear()
                continue
            pipeline = _pipeline(spec, formats, photo, confirm, start, duration, counted)
            pipeline.run()
            pipeline = None
        except (InputError, InputNotFoundError) as exc:
            if named:
                raise
            summary.skipped += 1
            if on_skip is not None:  # the caller says it (once)
                on_skip(spec, exc)
            else:
                log.warning("skipped %s: %s", spec, exc)
    if broken:
        raise broken[0]
    return summary


def _pipeline(spec: str, formats: str, photo: bool, confirm: str, start: float | None,
              duration: float | None, on_event: Callable[[dict[str, Any]], None]) -> Any:
    from ..inputs import open_input
    from ..outputs import open_output
    from ..pipeline import Pipeline
    from .barcode import Barcode

    source = open_input(spec, audio_track=None, start=start, duration=duration)
    found = Barcode(formats=formats, photo="cycle" if photo else "off", confirm=confirm,
                    highlight=False)
    return Pipeline([source], [open_output("null")], [found], on_event=on_event)
