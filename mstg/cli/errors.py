"""One place that turns exceptions into ``error: ...`` lines and exit statuses."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..errors import ExitStatus, MstgError

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
        debug = bool(os.environ.get("MSTG_DEBUG")) or kwargs.get("debug", False)
        try:
            return func(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt as exc:
            sys.exit(int(getattr(exc, "exit_status", ExitStatus.INTERRUPTED)))
        except BaseException as exc:  # noqa: BLE001 - the one place errors become messages
            if debug:
                raise
            status, message, hint = status_for(exc)
            if status == ExitStatus.BROKEN_PIPE:
                _quiet_stdout()
                sys.exit(int(status))
            fail(message, status, hint)

    return wrapper  # type: ignore[return-value]


def _quiet_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so Python's exit flush stays silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
