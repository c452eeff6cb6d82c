"""One place that turns exceptions into ``error: ...`` lines and exit statuses."""

from __future__ import annotations

import functools
import os
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..errors import ExitStatus, MstgError, MstgWarning, ParameterError

F = TypeVar("F", bound=Callable[..., Any])


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM before the run has started: stop at once with ``exit_status``."""

    def __init__(self, exit_status: ExitStatus) -> None:
        super().__init__(exit_status.name.lower())
        self.exit_status = exit_status


def fail(message: str, status: int, hint: str | None = None) -> None:
    """Print ``error: message`` (and a hint) on stderr and exit with ``status``."""
    click.echo(f"error: {message}", err=True)
    if hint:
        click.echo(f"hint: {hint}", err=True)
    sys.exit(int(status))


def status_for(exc: BaseException) -> tuple[int, str, str | None]:
    """(exit status, message, hint) for an exception."""
    if isinstance(exc, ParameterError):  # the library names parameters; here they are flags
        from ..job import flag_for

        def flag(name: str) -> str | None:
            return flag_for(f"{exc.scope}.{name}")

        return exc.exit_status, exc.phrased(flag), exc.phrased_hint(flag)
    if isinstance(exc, MstgError):
        return exc.exit_status, str(exc), exc.hint
    if isinstance(exc, BrokenPipeError):
        return ExitStatus.BROKEN_PIPE, "", None
    if isinstance(exc, FileNotFoundError):
        return ExitStatus.INPUT_NOT_FOUND, str(exc), None
    return ExitStatus.ERROR, f"internal error: {type(exc).__name__}: {exc}", \
        "run again with --debug for the traceback, and report it"


def handle_errors(func: F) -> F:
    """Decorator for commands: mstg's errors become one line; ``--debug`` shows tracebacks."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = _explained(func, args, kwargs)
        except SystemExit as exc:
            _exit_at_once_if_stuck(exc.code if isinstance(exc.code, int) else int(exc.code is not None))
            raise
        except click.exceptions.Exit as exc:
            _exit_at_once_if_stuck(exc.exit_code)
            raise
        _exit_at_once_if_stuck(0)
        return result

    return wrapper  # type: ignore[return-value]


def _exit_at_once_if_stuck(status: int) -> None:
    """Exit with ``status`` now (``os._exit``) when an input's thread is still blocked in a read
    (a stalled stream, abandoned after a stop: the outputs are finished): the interpreter's
    shutdown would otherwise crash in FFmpeg's callback on that thread."""
    inputs = sys.modules.get("mstg.inputs.base")  # no input was opened without it
    if inputs is None:
        return
    deadline = time.monotonic() + 0.5  # one that is only closing its file gets to finish
    for thread in inputs.reading_threads():
        thread.join(max(0.0, deadline - time.monotonic()))
    if not inputs.reading_threads():
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)


def _explained(func: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """Runs the command; mstg's errors become one line and an exit status."""
    debug = bool(os.environ.get("MSTG_DEBUG")) or kwargs.get("debug", False)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore" if kwargs.get("quiet") else "default", MstgWarning)
            warnings.showwarning = _show_warning
            return func(*args, **kwargs)
    except (click.exceptions.Exit, click.ClickException, SystemExit):
        raise
    except KeyboardInterrupt as exc:
        sys.exit(int(getattr(exc, "exit_status", ExitStatus.INTERRUPTED)))
    except BaseException as exc:  # noqa: BLE001 - the one place errors become messages
        interrupt = _interrupt_within(exc)
        if interrupt is not None:  # a signal that came while Python wrapped it (class creation)
            sys.exit(int(getattr(interrupt, "exit_status", ExitStatus.INTERRUPTED)))
        if debug:
            raise
        status, message, hint = status_for(exc)
        if status == ExitStatus.BROKEN_PIPE:
            _quiet_stdout()
            sys.exit(int(status))
        fail(message, status, hint)


def _interrupt_within(exc: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM an error wraps (``RuntimeError: Error calling __set_name__`` when
    the signal came while a class was being made), or None."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def _show_warning(message: Warning | str, category: type[Warning], *_: Any, **__: Any) -> None:
    """mstg's warnings as one ``warning: ...`` line; others as Python shows them."""
    if issubclass(category, MstgWarning):
        click.echo(f"warning: {message}", err=True)
    else:
        _PYTHON_SHOWWARNING(message, category, *_, **__)  # type: ignore[arg-type]


_PYTHON_SHOWWARNING = warnings.showwarning


def _quiet_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so Python's exit flush stays silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
