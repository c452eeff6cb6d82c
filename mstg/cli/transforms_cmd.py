"""``mstg transforms``: list the transforms, or show one's parameters."""

from __future__ import annotations

import re
from typing import Any

import click

from .errors import handle_errors

TRANSFORMS_EPILOG = """\b
Examples:
  mstg transforms
  mstg transforms blur
  mstg transforms --json
  mstg transforms ./filters/sepia.py:Sepia
"""


@click.command(epilog=TRANSFORMS_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@handle_errors
def transforms(name: str | None, as_json: bool, debug: bool) -> None:
    """List every transform (built-in, from installed packages), or show NAME's parameters.

    Third-party plugins are listed from their package metadata and imported only when
    named: `mstg transforms NAME`.
    """
    import json
    import warnings

    from ..transforms.registry import catalogue, describe_transform

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data: Any = catalogue() if name is None else describe_transform(name)
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        click.echo(_list_text(data) if name is None else _detail_text(data))
    for warning in caught:
        click.echo(f"warning: {warning.message}", err=True)


def _list_text(rows: list[dict[str, Any]]) -> str:
    table = [("NAME", "KIND", "SOURCE", "SUMMARY")]
    for row in rows:
        summary = row["summary"] or ""
        if row.get("error"):
            summary = f"(broken: {row['error']})"
        if row.get("conflict"):
            summary = f"(CONFLICT: defined {len(row['conflict'])} times) {summary}"
        table.append((row["name"], row["kind"] or "-", row["source"], plain(summary)))
    widths = [max(len(r[i]) for r in table) for i in range(3)]
    return "\n".join(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}".rstrip()
                     for r in table)


_LITERAL = re.compile(r"``(.+?)``", re.S)
_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|mod|data|exc|obj):`~?([^`]+?)`")


def plain(text: str) -> str:
    """A docstring's reStructuredText markup as a terminal shows it: ``sigma`` as sigma,
    :meth:`flush` as flush().

    >>> plain("Gaussian blur like FFmpeg's ``gblur``; see :meth:`~mstg.Transform.flush`.")
    "Gaussian blur like FFmpeg's gblur; see flush()."
    """
    return _ROLE.sub(_role, _LITERAL.sub(r"\1", text))


def _role(match: re.Match[str]) -> str:
    name = match.group(1).rsplit(".", 1)[-1]
    return f"{name}()" if match.group(0).startswith((":meth:", ":func:", ":py:meth:", ":py:func:")) else name


def _detail_text(info: dict[str, Any]) -> str:
    return plain(_detail_lines(info))


def _detail_lines(info: dict[str, Any]) -> str:
    lines = [f"{info['name']}: {info['summary']}",
             f"  kind: {info['kind']}    from: {info['source']} ({info['target']})"]
    if info.get("doc"):
        lines += ["", *(f"  {line}".rstrip() for line in info["doc"].splitlines())]
    lines += ["", "Parameters:"]
    params = info["parameters"]
    if not params:
        lines.append("  (none)")
    for p in params:
        default = "required" if p["required"] else f"default {_shown(p['default'])}"
        limits = [text for text in (_range(p), _choices(p)) if text]
        lines.append(f"  {p['name']} ({p['type']}, {', '.join([default, *limits])})")
        if p["help"]:
            lines.append(f"      {p['help']}")
    lines += ["", "Example:", f"  {info['example']}"]
    return "\n".join(lines)


def _range(p: dict[str, Any]) -> str:
    if p["min"] is not None and p["max"] is not None:
        return f"{p['min']} to {p['max']}"
    if p["min"] is not None:
        return f"at least {p['min']}"
    return f"at most {p['max']}" if p["max"] is not None else ""


def _choices(p: dict[str, Any]) -> str:
    if not p["choices"]:
        return ""
    joined = "|".join(str(c) for c in p["choices"])
    return f"any of {joined}, comma-separated" if p["multiple"] else f"one of {joined}"


def _shown(value: Any) -> str:
    """A default as it is typed after ``-t``: true/false, numbers, quoted text."""
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value)
