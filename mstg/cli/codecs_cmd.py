"""``mstg encoders`` and ``mstg formats``: what this installation can encode, decode and mux."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from .errors import handle_errors

KINDS = click.Choice(["video", "audio", "subtitle"])


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("kind", type=KINDS, required=False)
@click.option("--all", "show_all", is_flag=True, help="Decoders too (flags: D decodes, E encodes).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines instead of text.")
@handle_errors
def encoders(kind: str | None, show_all: bool, as_json: bool) -> None:
    """List the encoders this installation has (names for --video-codec / --audio-codec),
    optionally of one KIND: video, audio or subtitle.

    \b
    Examples:
      mstg encoders video
      mstg encoders --all --json | jq -r 'select(.decode) | .name'
    """
    from ..capabilities import codecs

    for info in codecs(kind=kind, encoders_only=not show_all):
        if as_json:
            click.echo(json.dumps(asdict(info)))
        else:
            click.echo(f"{info.flags} {info.kind:<8} {info.name:<24} {info.description}")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--all", "show_all", is_flag=True, help="Formats only read, too (D reads, E writes).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines instead of text.")
@handle_errors
def formats(show_all: bool, as_json: bool) -> None:
    """List the container formats this installation writes (names for --format), with their
    file extensions.

    \b
    Examples:
      mstg formats
      mstg formats --all | grep '^D'
    """
    from ..capabilities import formats as list_formats

    for info in list_formats(muxers_only=not show_all):
        if as_json:
            click.echo(json.dumps(asdict(info)))
        else:
            exts = ",".join(info.extensions)
            click.echo(f"{info.flags} {info.name:<20} {exts:<20} {info.description}")
