"""``mstg scan``: the zbarimg of mstg. Pictures, folders, globs, videos and live inputs in; one
line per code out (or JSON Lines); the exit status says whether anything was found."""

from __future__ import annotations

import json
from typing import Any

import click

from ..errors import ExitStatus
from .errors import handle_errors

SCAN_EPILOG = """\b
One line per code: SOURCE, TIME (seconds in the source; - for a picture),
FORMAT and VALUE, tab-separated (control characters in the value escaped).
\b
Exit status: 0 codes found (at least --expect), 10 nothing found (or fewer),
other statuses as for 'mstg run' (3 input not found, 4 unreadable ...).
\b
Examples:
  mstg scan photos/                      # every picture and video, recursively
  mstg scan 'shots/*.jpg' --empty        # also name the pictures with no code
  mstg scan shelf.mp4 --json             # JSON Lines, as --events writes them
  mstg scan cam0 --once                  # wait for one code, print it, exit 0
  mstg scan label.png --formats qr_code,data_matrix && echo found
"""


@click.command(epilog=SCAN_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines (the barcode events).")
@click.option("--once", is_flag=True, help="Stop at the first code.")
@click.option("--expect", type=click.IntRange(min=1), metavar="N",
              help="Stop after N codes; exit 0 only if N were found.")
@click.option("--empty", is_flag=True, help="Also name the pictures where nothing was found.")
@click.option("--formats", default="all", metavar="LIST", show_default=True,
              help="Comma-separated formats (qr_code,ean_13,...).")
@click.option("--no-photo", is_flag=True, help="Plain reads only (no retries on hard pictures).")
@click.option("--confirm", default="1", metavar="N[/M]", show_default=True,
              help="Video: report a code after N agreeing reads within M frames.")
@click.option("--start", type=click.FloatRange(min=0), help="Video: start this many seconds in.")
@click.option("--duration", type=click.FloatRange(min=0, min_open=True),
              help="Video: stop after this many seconds (live inputs: default 10).")
@click.option("-q", "--quiet", is_flag=True, help="No warnings about skipped files.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@handle_errors
def scan(paths: tuple[str, ...], as_json: bool, once: bool, expect: int | None, empty: bool,
         formats: str, no_photo: bool, confirm: str, start: float | None,
         duration: float | None, quiet: bool, debug: bool) -> None:
    """Find and decode the barcodes in PATHs: pictures, folders (recursively), globs,
    videos, and live inputs (cam0, screen, demo, a URL)."""
    from .. import logs
    from ..errors import UsageError
    from ..transforms.barcode_formats import parse_formats
    from ..transforms.barcode_scan import scan as run_scan

    logs.configure(logs.DEBUG if debug else logs.QUIET if quiet else logs.NORMAL)  # as mstg run

    try:
        parse_formats(formats)
    except ValueError as exc:
        raise UsageError(str(exc)) from None

    def show(event: dict[str, Any]) -> None:
        click.echo(json.dumps(event, ensure_ascii=False, separators=(", ", ": ")) if as_json
                   else line(event))

    def skipped(path: str, exc: Exception) -> None:
        if not quiet:
            click.echo(f"warning: skipped {path}: {exc}", err=True)

    summary = run_scan(list(paths), on_event=show, on_skip=skipped, formats=formats,
                       photo=not no_photo, empty=empty, once=once, expect=expect,
                       confirm=confirm, start=start, duration=duration)
    wanted = expect or 1
    raise SystemExit(int(ExitStatus.OK if summary.codes >= wanted else ExitStatus.NOTHING_FOUND))


def line(event: dict[str, Any]) -> str:
    """``source<TAB>time<TAB>format<TAB>value``; ``none`` as the format for an empty picture,
    ``qr_code-sequence`` for the whole value of a joined structured-append sequence."""
    stamp = event.get("sourceTimestamp", event.get("timestamp"))
    when = "-" if "sourceTimestamp" not in event and "source" in event else f"{stamp / 1e6:.3f}"
    if event.get("type") == "barcode-none":
        return f"{event.get('source', '')}\t{when}\tnone\t"
    value = event["rawValue"].encode("unicode_escape").decode("ascii") \
        if any(not c.isprintable() for c in event["rawValue"]) else event["rawValue"]
    kind = f"{event['format']}-sequence" if event.get("type") == "barcode-sequence" else event["format"]
    return f"{event.get('source', '')}\t{when}\t{kind}\t{value}"
