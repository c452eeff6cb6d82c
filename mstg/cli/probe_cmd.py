"""``mstg probe``: what FFmpeg sees in an input, as a table (terminal), text or JSON."""

from __future__ import annotations

import json
import os
from typing import Any

import click

from .errors import handle_errors

PROBE_EPILOG = """\b
Examples:
  mstg probe talk.mkv
  mstg probe talk.mkv --json | jq '.tracks[] | select(.kind == "audio") | .language'
  mstg probe demo
  mstg probe "testsrc2=size=1280x720:rate=30"
  ffmpeg -i in.mkv -f nut - | mstg probe -
"""

COLUMNS = ("#", "TRACK", "CODEC", "FORMAT", "DETAILS", "LANG", "NOTES")
KIND_STYLES = {"video": "cyan", "audio": "green", "subtitle": "magenta"}


@click.command(epilog=PROBE_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("input_spec", metavar="INPUT")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--input-format", metavar="FMT", help="FFmpeg demuxer for the input (e.g. nut, lavfi).")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@handle_errors
def probe(input_spec: str, as_json: bool, input_format: str | None, debug: bool) -> None:
    """Show INPUT's container (format, duration, bit rate) and each track: kind, codec,
    profile, pixel or sample format, size, rotation, frame rate, sample rate, channels and
    layout, language, cover art.

    TRACK numbers are those --video-track and --audio-track take. A table on a terminal,
    plain text otherwise (NO_COLOR is respected).
    """
    from ..inputs import lavfi_graph
    from ..probe import probe as probe_input
    from ..probe import probe_demo

    url, fmt = input_spec, input_format
    if input_spec == "-":
        url = "pipe:0"
    elif fmt is None and lavfi_graph(input_spec) is not None:
        url, fmt = lavfi_graph(input_spec), "lavfi"
    info = probe_demo() if input_spec == "demo" and fmt is None else \
        probe_input(url, format=fmt, label=input_spec)
    if as_json:
        click.echo(json.dumps(info, indent=2, default=str))
        return
    from rich.console import Console

    console = Console(no_color=bool(os.environ.get("NO_COLOR")) or None, highlight=False)
    if console.is_terminal:
        _print_table(console, info)
    else:
        click.echo(plain_text(info))


def header(info: dict[str, Any]) -> str:
    """``talk.mkv: Matroska / WebM (matroska,webm), 5.02 s, 113 kb/s, 71.0 kB, 2 chapters``."""
    parts = [f"{info['format_name']} ({info['format']})"]
    if info["duration"] is not None:
        parts.append(_duration(info["duration"]))
    if info["bit_rate"]:
        parts.append(_rate(info["bit_rate"]))
    if info["size_bytes"] is not None:
        parts.append(_bytes(info["size_bytes"]))
    if info["chapters"]:
        parts.append(f"{info['chapters']} chapter(s)")
    return f"{info['input']}: {', '.join(parts)}"


def rows(info: dict[str, Any]) -> list[tuple[str, ...]]:
    """One row of :data:`COLUMNS` per track."""
    return [_row(track) for track in info["tracks"]]


def _row(t: dict[str, Any]) -> tuple[str, ...]:
    kind = "cover art" if t["cover_art"] else f"{t['kind']} {t['number']}"
    codec = " ".join(str(v) for v in (t["codec"], t["profile"]) if v) or "?"
    notes = [n for n in ("default" if t["default"] else "",
                         f"\"{t['title']}\"" if t["title"] else "") if n]
    fmt, details = "", ""
    if t["kind"] == "video":
        fmt = t["pixel_format"] or "?"
        details = f"{t['width']}x{t['height']}"
        if t["frame_rate"]:
            details += f" {t['frame_rate']:g} fps"
        turned = [f"rotation {t['rotation']}"] if t.get("rotation") else []
        turned += ["mirrored"] if t.get("mirrored") else []
        turned += [f"pixels {t['sample_aspect_ratio']}"] if t.get("sample_aspect_ratio") else []
        if turned:
            details += f", {', '.join(turned)} (shown {t['shown_width']}x{t['shown_height']})"
        if t["field_order"] not in (None, "progressive"):
            notes.insert(0, f"interlaced ({t['field_order']})")
    elif t["kind"] == "audio":
        fmt = t["sample_format"] or "?"
        details = f"{t['sample_rate']} Hz {t['layout']} ({t['channels']} ch)"
    if t["bit_rate"]:
        details += f", {_rate(t['bit_rate'])}"
    return (f"#{t['index']}", kind, codec, fmt, details, t["language"] or "", ", ".join(notes))


def plain_text(info: dict[str, Any]) -> str:
    """The header, then the tracks in aligned columns."""
    table = [COLUMNS, *rows(info)]
    widths = [max(len(r[i]) for r in table) for i in range(len(COLUMNS) - 1)]
    lines = [header(info)]
    for row in table:
        cells = [f"{cell:<{width}}" for cell, width in zip(row, widths)] + [row[-1]]
        lines.append("  " + "  ".join(cells).rstrip())
    return "\n".join(lines)


def _print_table(console: Any, info: dict[str, Any]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=header(info), title_justify="left", title_style="bold")
    for name in COLUMNS:
        table.add_column(name, no_wrap=name in ("#", "TRACK"))
    for track, row in zip(info["tracks"], rows(info)):
        style = "yellow" if track["cover_art"] else KIND_STYLES.get(track["kind"], "")
        table.add_row(row[0], Text(row[1], style=style), *row[2:])
    console.print(table)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.3f} s"
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{secs:06.3f}" if hours else f"{minutes}:{secs:06.3f}"


def _rate(bits: int) -> str:
    return f"{bits / 1e6:.2f} Mb/s" if bits >= 1_000_000 else f"{bits / 1e3:.0f} kb/s"


def _bytes(size: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"
