"""Exceptions raised by mstg, and the exit status the command line gives each.

Every exception is also the matching builtin (``FileNotFoundError``, ``ValueError``,
``FileExistsError`` ...), so callers can catch what they already know::

    try:
        mstg.open_input("missing.mp4")
    except FileNotFoundError as exc:
        print(exc)
"""

from __future__ import annotations

import re
from collections.abc import Callable
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


_FIELD = re.compile(r"\{\{|\}\}|\{(\w+)(=?)\}")


def braces(text: str) -> str:
    """``text`` for a :class:`ParameterError` template, as it is (its braces doubled)."""
    return text.replace("{", "{{").replace("}", "}}")


class ParameterError(UsageError):
    """A usage error about named parameters, as structured fields: ``parameters`` (the Python
    names, e.g. ``audio_codec``), their ``values`` and the ``scope`` they belong to (``input``,
    ``output``, ``run``). The message (and hint) is a template: ``{name}`` is a parameter's
    name, ``{name=}`` its name and value (``{{`` and ``}}``: braces). The message names the
    Python parameters; the command line names its flags instead (:meth:`phrased`).

    >>> error = ParameterError("{audio_codec=}: the audio transforms need decoded audio",
    ...                        {"audio_codec": "copy"}, scope="output")
    >>> str(error)
    "audio_codec='copy': the audio transforms need decoded audio"
    >>> error.phrased({"audio_codec": "--audio-codec"}.get)
    '--audio-codec copy: the audio transforms need decoded audio'
    """

    def __init__(self, template: str, given: dict[str, object], *, scope: str,
                 hint: str | None = None) -> None:
        self.template = template
        self.hint_template = hint
        self.parameters = list(given)
        self.values = dict(given)
        self.scope = scope
        super().__init__(self.phrased(), hint=self.phrased_hint())

    def phrased(self, name_of: Callable[[str], str | None] | None = None) -> str:
        """The message with each parameter named by ``name_of(parameter)`` (a flag's name,
        ``--flag value`` with its value), or by its Python name (``name=value``) without one."""
        return self._fill(self.template, name_of)

    def phrased_hint(self, name_of: Callable[[str], str | None] | None = None) -> str | None:
        """The hint, with parameters named as :meth:`phrased` names them."""
        return None if self.hint_template is None else self._fill(self.hint_template, name_of)

    def _fill(self, template: str, name_of: Callable[[str], str | None] | None) -> str:
        def field(match: re.Match[str]) -> str:
            name, with_value = match.group(1), bool(match.group(2))
            if name is None:  # {{ or }}: a brace
                return match.group(0)[0]
            flag = name_of(name) if name_of is not None else None
            if flag is None:  # Python's names (or a parameter with no flag)
                return f"{name}={self.values.get(name)!r}" if with_value else name
            return f"{flag} {self.values.get(name)}" if with_value else flag

        return _FIELD.sub(field, template)


class OptionError(ParameterError):
    """Options given where they do not apply: a :class:`ParameterError` with ``allowed``, where
    they apply.

    >>> error = OptionError({"size": (640, 480)}, scope="input", allowed="cameras and the demo")
    >>> str(error)
    'size: only for cameras and the demo'
    >>> error.phrased({"size": "--input-size"}.get)
    '--input-size: only for cameras and the demo'
    """

    def __init__(self, given: dict[str, object], *, scope: str, allowed: str, hint: str | None = None) -> None:
        self.allowed = allowed
        names = ", ".join("{%s}" % name for name in given)
        super().__init__(f"{names}: only for {braces(allowed)}", given,
                         scope=scope, hint=hint)
