"""Exceptions raised by mstg, and the exit status the command line gives each.

Every exception is also the matching builtin (``FileNotFoundError``, ``ValueError``,
``FileExistsError`` ...), so callers can catch what they already know::

    try:
        mstg.open_input("missing.mp4")
    except FileNotFoundError as exc:
        print(exc)
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Exit statuses of the ``mstg`` command, one per kind of failure."""

    OK = 0
    ERROR = 1  #: unexpected internal error (a bug: run with --debug and report it)
    USAGE = 2  #: bad flag, option value or transform parameter
    INPUT_NOT_FOUND = 3  #: the input file, URL or device does not exist
    INPUT_INVALID = 4  #: the input exists but cannot be read or decoded
    OUTPUT_ERROR = 5  #: unknown output format or codec, or the output cannot be written
    OUTPUT_EXISTS = 6  #: the output file exists and -y was not given
    TRANSFORM_FAILED = 7  #: a transform raised or returned something unusable
    DEVICE_ERROR = 8  #: a capture or playback device is missing or busy
    BATCH_FAILED = 9  #: mstg batch: some files failed (the manifest says which and why)
    BROKEN_PIPE = 141  #: the reader of stdout went away (ended quietly)
    INTERRUPTED = 130  #: Ctrl-C (SIGINT)
    TERMINATED = 143  #: SIGTERM
    NOTHING_FOUND = 10  #: mstg scan: no code found (or fewer than --expect)


class MstgError(Exception):
    """Base class of every error mstg raises on purpose."""

    exit_status: ExitStatus = ExitStatus.ERROR
    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class UsageError(MstgError, ValueError):
    """A flag, option value or parameter is not valid."""

    exit_status = ExitStatus.USAGE


class InputNotFoundError(MstgError, FileNotFoundError):
    """The input does not exist."""

    exit_status = ExitStatus.INPUT_NOT_FOUND


class InputError(MstgError, ValueError):
    """The input exists but cannot be opened, read or decoded."""

    exit_status = ExitStatus.INPUT_INVALID


class OutputError(MstgError, ValueError):
    """The output format or codec is unknown, or the output cannot be written."""

    exit_status = ExitStatus.OUTPUT_ERROR


class OutputExistsError(MstgError, FileExistsError):
    """The output file exists and overwriting was not allowed."""

    exit_status = ExitStatus.OUTPUT_EXISTS
    hint = "pass -y to overwrite it"


class TransformError(MstgError, RuntimeError):
    """A transform raised, or returned something that is not a frame."""

    exit_status = ExitStatus.TRANSFORM_FAILED


class DeviceError(MstgError, OSError):
    """A capture or playback device is missing, busy or failed."""

    exit_status = ExitStatus.DEVICE_ERROR


class MstgWarning(UserWarning):
    """Something mstg went on without (a file a glob matched that is not a picture): the
    command line shows it as ``warning: ...``, unless ``-q``."""


class InvalidStateError(MstgError, RuntimeError):
    """An operation on a track or generator that has ended (like the DOM's InvalidStateError)."""


class OptionError(UsageError):
    """Options given where they do not apply, as structured fields: ``parameters`` (the
    Python names, e.g. ``size``), their ``values``, the ``scope`` they belong to (``input``,
    ``output``, ``run``) and ``allowed``, where they apply. The message names the Python
    parameters; the command line names its flags instead (:meth:`phrased`).

    >>> error = OptionError({"size": (640, 480)}, scope="input", allowed="cameras and the demo")
    >>> str(error)
    'size: only for cameras and the demo'
    >>> error.phrased({"size": "--input-size"}.get)
    '--input-size: only for cameras and the demo'
    """

    def __init__(self, given: dict[str, object], *, scope: str, allowed: str, hint: str | None = None) -> None:
        self.parameters = list(given)
        self.values = dict(given)
        self.scope = scope
        self.allowed = allowed
        super().__init__(self.phrased(lambda name: name), hint=hint)

    def phrased(self, name_of: object) -> str:
        """The message with each parameter named by ``name_of(parameter)`` (a flag's name)."""
        names = [name_of(p) or p for p in self.parameters]  # type: ignore[operator]
        return f"{', '.join(names)}: only for {self.allowed}"

