"""The results manifest: one JSON object a line, appended as each job finishes.

A line holds ``input``, ``outputs`` (with the events file, if any), ``status`` (``ok`` or
``failed``), ``frames`` (video frames read), ``events``, ``seconds``, ``error`` (one line, or
null) and ``exit_status`` (the status ``mstg run`` would have given that file). The file is
only appended to, so a second run adds lines and the latest line about an input wins::

    from mstg.batch.manifest import Manifest

    with Manifest("batch.jsonl") as manifest:
        manifest.write({"input": "a.mp4", "outputs": ["out/a.mp4"], "status": "ok", ...})
    Manifest.completed("batch.jsonl")   # {'/abs/a.mp4': {...}} for resume
"""

from __future__ import annotations

import json
import logging
import os
from typing import IO, Any

from ..errors import OutputError

log = logging.getLogger(__name__)


class Manifest:
    """Appends records as JSON Lines, each flushed and synced so a crash loses none."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._stream: IO[str] | None = None

    def __enter__(self) -> Manifest:
        folder = os.path.dirname(self.path)
        try:
            if folder:
                os.makedirs(folder, exist_ok=True)
            self._stream = open(self.path, "a", encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"cannot write the manifest {self.path}: {exc.strerror}") from exc
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def write(self, record: dict[str, Any]) -> None:
        """Append one record (one line), on disk before this returns."""
        assert self._stream is not None, "use the manifest as a context manager"
        self._stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._stream.flush()
        os.fsync(self._stream.fileno())

    @staticmethod
    def read(path: str) -> list[dict[str, Any]]:
        """Every record of ``path`` (none when it does not exist); a torn last line is skipped."""
        try:
            with open(path, encoding="utf-8") as stream:
                lines = stream.readlines()
        except FileNotFoundError:
            return []
        records = []
        for number, line in enumerate(lines, 1):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                log.warning("%s:%d is not a JSON record; skipped", path, number)
                continue
            if isinstance(record, dict) and "input" in record:
                records.append(record)
        return records

    @classmethod
    def completed(cls, path: str) -> dict[str, dict[str, Any]]:
        """The inputs (by real path) whose latest record is ``ok`` and whose outputs all exist."""
        latest: dict[str, dict[str, Any]] = {}
        for record in cls.read(path):
            latest[os.path.realpath(record["input"])] = record
        return {key: record for key, record in latest.items()
                if record.get("status") == "ok" and all(os.path.exists(p) for p in file_outputs(record))}


def file_outputs(record: dict[str, Any]) -> list[str]:
    """The files a record says its job wrote (not ``null``, ``-`` or URLs)."""
    return [p for p in record.get("outputs", []) if p not in ("null", "-") and "://" not in p]
