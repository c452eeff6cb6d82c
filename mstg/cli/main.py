"""The ``mstg`` command: a thin layer over the library (no heavy import at start-up)."""

from __future__ import annotations

import importlib
from typing import Any

import click

from .._version import __version__

#: Sub-commands, imported only when used so that ``mstg --help`` stays fast.
COMMANDS = {
    "run": ("mstg.cli.run", "run", "Read inputs, run transforms, write outputs."),
    "devices": ("mstg.cli.devices_cmd", "devices", "List cameras (with their modes), microphones, speakers."),
    "transforms": ("mstg.cli.transforms_cmd", "transforms", "List transforms, or show one's parameters."),
    "presets": ("mstg.cli.presets_cmd", "presets", "List, show, copy or validate presets (YAML pipelines)."),
    "probe": ("mstg.cli.probe_cmd", "probe", "Show the tracks, codecs, sizes and rates of an input."),
    "encoders": ("mstg.cli.codecs_cmd", "encoders", "List the encoders (and decoders) this installation has."),
    "formats": ("mstg.cli.codecs_cmd", "formats", "List the container formats this installation writes (and reads)."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        entry = COMMANDS.get(name)
        if entry is None:
            return None
        module, attr, _ = entry
        return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="mstg")
def cli() -> None:
    """Media filters for terminals and pipelines: processor tracks in, transforms, generator
    tracks out.

    \b
    Examples:
      mstg run --input demo --transform barcode --output demo.mp4 --events -
      mstg run -i talk.mp4 -t "blur:sigma=3" -o small.webm
      ffmpeg -i in.mkv -f nut - | mstg run -i - -t edges -o - | ffplay -
    """


#: What click (8.2 and later) raises for a group called with nothing: its help, not an error.
_NO_ARGS: type[Exception] = getattr(click.exceptions, "NoArgsIsHelpError", type("_Never", (Exception,), {}))


def main(argv: Any = None) -> None:
    """Console-script entry point: a wrong flag or value is one ``error:`` line too."""
    import os
    import sys

    if os.environ.get("_MSTG_COMPLETE"):  # shell completion: -t values hold ':' and '='
        from .completion import install

        install()
    try:
        result = cli.main(args=argv, prog_name="mstg", standalone_mode=False)
    except _NO_ARGS as exc:  # plain ``mstg``: the help, as click shows it
        exc.show()
        sys.exit(exc.exit_code)
    except click.UsageError as exc:  # an unknown option, a bad or missing value
        from .values import usage_message

        ctx = exc.ctx
        where = ctx.command_path if ctx is not None else "mstg"
        what = "commands" if ctx is None or isinstance(ctx.command, click.Group) else "options"
        _usage_error(usage_message(exc), exc.exit_code, f"'{where} --help' lists the {what}")
    except click.ClickException as exc:
        _usage_error(exc.format_message(), exc.exit_code, None)
    except click.Abort:  # Ctrl-C while click itself was reading the command line
        sys.exit(130)
    sys.exit(result if isinstance(result, int) else 0)


def _usage_error(message: str, status: int, hint: str | None) -> None:
    from .errors import fail

    fail(message[:1].lower() + message[1:], status, hint)
