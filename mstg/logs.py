"""Logging for mstg and the FFmpeg libraries it drives: one explicit call, made by the CLI.

mstg's modules each log to ``logging.getLogger(__name__)``; FFmpeg's own lines (through
PyAV, loggers ``libav.*``) and PyAV's (``av.*``) go to Python logging too. Nothing is shown
unless asked: :func:`configure` is the one place that decides, for a process that wants it.
Encoders that print by themselves are told how much to say: x265 through its
``log-level`` (see :func:`encoder_log_level`), SVT-AV1 through ``SVT_LOG``.

>>> encoder_log_level()  # nothing configured: encoders say only what fails
'error'
"""

from __future__ import annotations

import logging
import os
import sys

__all__ = ["configure", "encoder_log_level", "QUIET", "NORMAL", "VERBOSE", "DEBUG"]

QUIET, NORMAL, VERBOSE, DEBUG = -1, 0, 1, 2
#: The loggers of FFmpeg's lines (PyAV names them libav.<component>) and of PyAV itself.
FFMPEG_LOGGERS = ("libav", "av")
_HANDLER_NAME = "mstg-stderr"


def encoder_log_level() -> str:
    """How much an encoder that prints by itself (x265) may say: ``info`` when FFmpeg's
    lines are shown (``-v``), else ``error``."""
    return "info" if logging.getLogger("libav").isEnabledFor(logging.INFO) else "error"


def configure(verbosity: int = NORMAL) -> None:
    """Send mstg's and FFmpeg's log lines to stderr as ``verbosity`` says: QUIET and NORMAL
    show mstg's warnings only (FFmpeg's lines not at all), VERBOSE adds mstg's and FFmpeg's
    information, DEBUG everything. Never stdout. Calling it again replaces the setting.

    >>> configure(VERBOSE); logging.getLogger("libav").isEnabledFor(logging.INFO)
    True
    >>> configure(NORMAL); logging.getLogger("libav").isEnabledFor(logging.ERROR)
    False
    """
    import av.logging

    own = {QUIET: logging.ERROR, NORMAL: logging.WARNING, VERBOSE: logging.INFO}.get(verbosity, logging.DEBUG)
    theirs = logging.DEBUG if verbosity >= DEBUG else logging.INFO if verbosity == VERBOSE else logging.CRITICAL + 1
    handler = next((h for h in logging.getLogger().handlers if h.get_name() == _HANDLER_NAME), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        logging.getLogger().addHandler(handler)
    logging.getLogger("mstg").setLevel(own)
    for name in FFMPEG_LOGGERS:
        logging.getLogger(name).setLevel(theirs)
    # FFmpeg's lines reach Python logging only from this level up (None: not at all)
    av.logging.set_level(None if theirs > logging.CRITICAL else
                         av.logging.DEBUG if theirs == logging.DEBUG else av.logging.VERBOSE)
    if verbosity < VERBOSE:
        os.environ.setdefault("SVT_LOG", "1")  # SVT-AV1 prints to stderr by itself: errors only
