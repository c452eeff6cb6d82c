"""``mstg serve``: the browser page, its camera through the transforms and back (WebRTC)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import Any

import click

from ..errors import ExitStatus, UsageError
from .errors import handle_errors
from .presets_cmd import complete_presets

SERVE_EPILOG = """\b
Examples:
  mstg serve -t barcode                         # open the printed URL in a browser
  mstg serve -t barcode -o scans.mp4 --events scans.jsonl
  mstg serve -t barcode --host 0.0.0.0 --port 8443   # a phone on this network: HTTPS + token
"""


@click.command(epilog=SERVE_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-t", "--transform", "transforms", multiple=True, metavar="NAME[:K=V,...]",
              help="A transform to apply to each visitor's camera, in order.")
@click.option("--preset", metavar="NAME|PATH", shell_complete=complete_presets,
              help="Take the transforms from a preset (-t wins).")
@click.option("-o", "--output", "outputs", multiple=True, metavar="OUTPUT",
              help="Also record the first visitor here (any mstg output); repeatable.")
@click.option("--events", metavar="FILE|-", help="Write every visitor's events as JSON Lines here.")
@click.option("-y", "--overwrite", is_flag=True, help="Overwrite output files that exist.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; any but loopback needs the token and HTTPS.")
@click.option("--port", type=click.IntRange(0, 65535), default=0,
              help="Port to listen on (default: any free one).")
@click.option("--token", metavar="SECRET", help="The token every request must carry (default: made "
                                                "up and printed when the address is not loopback).")
@click.option("--cert", type=click.Path(exists=True, dir_okay=False), help="Your TLS certificate (PEM).")
@click.option("--key", type=click.Path(exists=True, dir_okay=False), help="Its private key (PEM).")
@click.option("--video-codec", type=click.Choice(["auto", "h264", "vp8"]), default="auto",
              show_default=True, help="auto: H.264 where the browser offers it, VP8 otherwise.")
@click.option("--bitrate", "-b", metavar="RATE", help="Video bitrate sent back, e.g. 2M.")
@click.option("--fps", type=click.FloatRange(min=0, min_open=True),
              help="The most frames per second sent back (default: as they come).")
@click.option("-q", "--quiet", is_flag=True, help="Nothing on stderr but the URL and errors.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@handle_errors
def serve(**opts: Any) -> None:
    """Serve a page that sends the visitor's camera and microphone to mstg, runs the
    transforms, and shows the result with the events beside it (WebRTC).

    The URL to open is printed on stderr. Ctrl-C stops the server; recordings are finalized.
    """
    from ..webrtc import require

    require()
    from ..outputs.file import parse_bitrate
    from ..webrtc.negotiate import set_bitrate
    from ..webrtc.page import PageServer
    from ..outputs import open_output
    from .events import EventWriter

    if opts["bitrate"]:
        set_bitrate(parse_bitrate(opts["bitrate"]))
    make_transforms = _transforms(opts)
    make_transforms()  # a bad -t fails now, not at the first visitor
    if opts["events"] == "-" and "-" in opts["outputs"]:
        raise UsageError("stdout cannot carry both media (-o -) and events (--events -)")
    if len(set(opts["outputs"])) != len(opts["outputs"]):
        raise UsageError("the same output is named twice")
    outputs = [open_output(spec, overwrite=opts["overwrite"]) for spec in opts["outputs"]]
    events = EventWriter.open(opts["events"], overwrite=opts["overwrite"]) if opts["events"] else None
    _show_log(quiet=opts["quiet"])
    server = PageServer(transforms=make_transforms, recording=(lambda: outputs) if outputs else None,
                        on_event=events.write if events else None, host=opts["host"],
                        port=opts["port"], token=opts["token"], cert=opts["cert"], key=opts["key"],
                        video_codec=opts["video_codec"], max_fps=opts["fps"])
    stop = threading.Event()
    received: list[ExitStatus] = []

    def on_signal(signum: int, _frame: Any) -> None:
        received.append(ExitStatus.INTERRUPTED if signum == signal.SIGINT else ExitStatus.TERMINATED)
        stop.set()
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        url = server.start()
        click.echo(f"mstg: serving on {url}", err=True)
        if server.access.token and not server.access.loopback:
            click.echo(f"mstg: token {server.access.token} (every request needs it)", err=True)
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        if events is not None:
            events.close()
    if received:
        sys.exit(int(received[-1]))


def _transforms(opts: dict[str, Any]) -> Any:
    """A function making a fresh transform chain (each visitor's transforms keep their own state)."""
    from ..job import open_transforms

    steps = list(opts["transforms"])
    if not steps and opts["preset"]:
        from .presets_cmd import preset_job

        steps = list(preset_job(opts["preset"]).transforms or [])
    return lambda: open_transforms(steps)


def _show_log(*, quiet: bool) -> None:
    """Connections coming and going, one line each, on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("mstg: %(message)s"))
    logger = logging.getLogger("mstg.webrtc")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
