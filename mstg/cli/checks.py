"""Checks the command line makes before anything is opened: what a new user trips over.

>>> refuse_binary_on_terminal(["out.mp4"], None)  # a file: nothing to refuse
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from ..errors import UsageError


def refuse_binary_on_terminal(outputs: Sequence[str], output_format: str | None) -> None:
    """``-o -`` with stdout on a terminal would dump binary media into it: refuse (as gzip
    does), unless ``--format`` says that is what the user means."""
    if "-" not in outputs or output_format is not None or not _stdout_is_terminal():
        return
    raise UsageError("not writing binary media to a terminal (-o - with stdout on a terminal)",
                     hint="pipe it to a player (-o - | ffplay -), write a file (-o out.mkv), "
                          "or give --format nut to mean it")


def _stdout_is_terminal() -> bool:
    try:
        return os.isatty(sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # replaced or closed stdout: not a terminal
        return False
