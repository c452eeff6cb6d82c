"""``mstg devices``: the cameras (with the modes each offers), microphones, speakers and screen."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from .errors import handle_errors

DEVICES_EPILOG = """\b
Examples:
  mstg devices
  mstg devices --json | jq '.cameras[0].modes'
  mstg run -i cam0 --input-size 1280x720 --input-fps 30 --input-format mjpeg -o window
  mstg run -i mic1 --sample-rate 16000 --channels 1 -o voice.wav
"""


def _modes_text(modes: list[dict[str, Any]]) -> list[str]:
    by_format: dict[str, list[str]] = {}
    for mode in modes:
        rates = "/".join(f"{r:g}" for r in mode["fps"])
        size = f"{mode['width']}x{mode['height']}" + (f"@{rates}" if rates else "")
        by_format.setdefault(mode["format"], []).append(size)
    return [f"{name}: {', '.join(sizes)}" for name, sizes in by_format.items()]


def devices_text(found: dict[str, list[dict[str, Any]]], display: str | None) -> str:
    """The listing for people: one device a line, camera modes indented under each."""
    lines = ["Cameras:"]
    for camera in found["cameras"]:
        where = f"  {camera.get('device', '')}" if camera.get("device") else ""
        lines.append(f"  {camera['spec']:<8}{where}  {camera['name']}")
        if camera.get("error"):
            lines.append(f"            ({camera['error']})")
        lines.extend(f"            {text}" for text in _modes_text(camera.get("modes", [])))
    if not found["cameras"]:
        lines.append("  (none)")
    for title, key in (("Microphones", "microphones"), ("Speakers", "speakers")):
        if key == "speakers" and not found.get(key):
            continue
        lines.append(f"{title}:")
        for device in found.get(key, []):
            alsa = f"  {device['device']}" if device.get("device") else ""
            lines.append(f"  {device['spec']:<8}{alsa}  {device['name']}")
        if not found.get(key):
            lines.append("  (none)")
    lines.append("Screen:")
    lines.append(f"  screen    X display {display}" if display else "  (no DISPLAY)")
    return "\n".join(lines)


@click.command(epilog=DEVICES_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@handle_errors
def devices(as_json: bool, debug: bool) -> None:
    """List the capture devices: cameras (cam0, cam1 ... with the formats, sizes and frame
    rates each offers), microphones (mic0 is the default input, mic1 ... the hardware ones),
    speakers and the screen. The names are what -i and -o take.
    """
    from ..inputs.devices import list_devices

    found = list_devices()
    display = os.environ.get("DISPLAY") if sys.platform.startswith("linux") else None
    if as_json:
        found = {**found, "screen": {"spec": "screen", "display": display}}  # type: ignore[dict-item]
        click.echo(json.dumps(found, indent=2))
    else:
        click.echo(devices_text(found, display))
