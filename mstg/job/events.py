"""Events as JSON Lines, one object a line, flushed per line so a shell reads them live.

>>> import io
>>> out = io.StringIO()
>>> EventWriter(out, owned=False).write({"type": "barcode", "rawValue": "x"})
>>> out.getvalue()
'{"type": "barcode", "rawValue": "x"}\\n'
"""

from __future__ import annotations

import json
import os
import sys
import threading
from typing import IO, Any

from ..errors import OutputError, OutputExistsError


class EventWriter:
    """Writes each event as one JSON line to a file or stdout (thread-safe)."""

    def __init__(self, stream: IO[str], *, owned: bool) -> None:
        self._stream = stream
        self._owned = owned
        self._lock = threading.Lock()
        self.count = 0
        self.broken = False

    @classmethod
    def open(cls, target: str, *, overwrite: bool = False) -> EventWriter:
        """``-`` is stdout; a path is created (kept if it exists, unless ``overwrite``)."""
        if target == "-":
            return cls(sys.stdout, owned=False)
        if os.path.exists(target) and not overwrite:
            raise OutputExistsError(f"{target} exists")
        try:
            return cls(open(target, "w", encoding="utf-8"), owned=True)
        except OSError as exc:
            raise OutputError(f"cannot write events to {target}: {exc.strerror}") from exc

    def write(self, event: dict[str, Any]) -> None:
        line = json.dumps(event, ensure_ascii=False, separators=(", ", ": ")) + "\n"
        with self._lock:
            if self.broken:
                return
            try:
                self._stream.write(line)
                self._stream.flush()
                self.count += 1
            except BrokenPipeError:
                self.broken = True  # the reader left; the media goes on

    def close(self) -> None:
        with self._lock:
            if self._owned:
                self._stream.close()
