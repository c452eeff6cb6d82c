"""``mstg presets``: list, show, copy and validate presets; and ``mstg run --preset`` merging."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from ..errors import UsageError
from .errors import handle_errors

PRESETS_EPILOG = """\b
Examples:
  mstg presets
  mstg presets show barcode-scanner
  mstg presets copy to-gif my-gif
  mstg presets validate ./mine.yaml
  mstg run --preset barcode-scanner
  mstg run --preset ./mine.yaml -o other.mp4
"""


# --- the preset keys: mstg run's flags ----------------------------------------------------
def preset_options() -> dict[str, Any]:
    """The keys a preset may hold besides version/name/description/transforms: one per flag
    of ``mstg run`` (see :func:`mstg.presets.preset_keys`, from the job's flag table).

    A repeatable flag's key is its plural (``inputs``, ``outputs``); any other flag's key is
    its long name (``video-codec``, ``duration``, ``format``).
    """
    from ..presets import preset_keys

    return preset_keys()


def preset_job(ref: str) -> Any:
    """The job (a :class:`~mstg.job.RunConfig`) of the preset ``ref`` names."""
    from ..presets import load_preset

    return load_preset(ref).to_config()


def complete_presets(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of preset names (bundled and the user's), and of paths."""
    from click.shell_completion import CompletionItem

    from ..presets import is_path, list_presets

    if is_path(incomplete) or incomplete.startswith("."):
        return [CompletionItem(incomplete, type="file")]
    return [CompletionItem(p.name) for p in list_presets()
            if p.name.startswith(incomplete) and not p.shadowed]


# --- mstg presets --------------------------------------------------------------------------
@click.group(invoke_without_command=True, epilog=PRESETS_EPILOG,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def presets(ctx: click.Context, as_json: bool) -> None:
    """List the presets (bundled, then yours), one line each; show or validate one.

    A preset is a YAML file holding what `mstg run`'s flags hold. Yours live in
    $XDG_CONFIG_HOME/mstg/presets (~/.config/mstg/presets); a name is looked up among the
    bundled presets first, then there; anything with a '/' or ending in .yaml is a path.
    See docs/presets.md.
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_cmd, as_json=as_json)


@presets.command("list", epilog="\b\nExamples:\n  mstg presets list\n  mstg presets list --json")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@handle_errors
def list_cmd(as_json: bool, debug: bool = False) -> None:
    """List the presets, one line each (the same as `mstg presets`)."""
    from ..presets import list_presets, user_dir

    rows = [_row(found) for found in list_presets()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = [("NAME", "SOURCE", "DESCRIPTION")] + [
        (r["name"], r["source"], _summary(r)) for r in rows]
    widths = [max(len(r[i]) for r in table) for i in range(2)]
    for name, source, text in table:
        click.echo(f"{name:<{widths[0]}}  {source:<{widths[1]}}  {text}".rstrip())
    if sys.stderr.isatty():
        click.echo(f"\nyour presets: {user_dir()}", err=True)


def _row(found: Any) -> dict[str, Any]:
    from ..presets import read_preset

    row: dict[str, Any] = {"name": found.name, "source": found.source, "path": str(found.path),
                           "description": "", "error": None, "shadowed": found.shadowed}
    try:
        row["description"] = read_preset(found.path, deep=False, source=found.source).description
    except UsageError as exc:
        row["error"] = str(exc)
    return row


def _summary(row: dict[str, Any]) -> str:
    text = row["description"].splitlines()[0] if row["description"] else ""
    if row["error"]:
        text = f"(broken: {row['error']})"
    if row["shadowed"]:
        text = f"(hidden by the bundled '{row['name']}': use its path) {text}"
    return text


@presets.command("show", epilog="\b\nExamples:\n  mstg presets show barcode-scanner\n"
                                "  mstg presets show to-gif > my-gif.yaml")
@click.argument("name", shell_complete=complete_presets)
@click.option("--path", "path_only", is_flag=True, help="Print only the file's path.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@handle_errors
def show(name: str, path_only: bool, debug: bool = False) -> None:
    """Print the preset NAME's YAML as written (comments included), to copy or read."""
    from ..presets import find_preset

    found = find_preset(name)
    if path_only:
        click.echo(str(found.path))
        return
    text = found.path.read_text(encoding="utf-8")
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb":
        from rich.console import Console
        from rich.syntax import Syntax

        Console().print(Syntax(text, "yaml", theme="ansi_dark", background_color="default"))
    else:
        click.echo(text, nl=not text.endswith("\n"))


@presets.command("copy", epilog="\b\nExamples:\n  mstg presets copy to-gif my-gif\n"
                                "  \"$EDITOR\" \"$(mstg presets copy to-gif my-gif)\"\n"
                                "  mstg run --preset my-gif -i clip.mp4 -o clip.gif")
@click.argument("name", shell_complete=complete_presets)
@click.argument("new")
@click.option("-y", "--overwrite", is_flag=True, help="Replace a preset of yours named NEW.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@handle_errors
def copy(name: str, new: str, overwrite: bool, debug: bool = False) -> None:
    """Copy the preset NAME into your presets folder as NEW (made if missing), renamed NEW,
    to change it there; prints the new file's path."""
    from ..presets.copying import copy_preset

    click.echo(str(copy_preset(name, new, overwrite=overwrite)))


@presets.command("validate", epilog="\b\nExamples:\n  mstg presets validate ./mine.yaml\n"
                                    "  mstg presets validate\n  mstg presets validate --json mine.yaml")
@click.argument("refs", nargs=-1, metavar="[NAME|PATH]...", shell_complete=complete_presets)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@handle_errors
def validate(refs: tuple[str, ...], as_json: bool, debug: bool = False) -> None:
    """Check presets (all of them when none is named): every problem with its
    file:line:column and key path. Exit status 2 when one is broken.
    """
    from ..presets import PresetError, list_presets, load_preset, read_preset

    options = preset_options()
    targets: list[tuple[str, Any]] = [(ref, None) for ref in refs] or \
        [(str(p.path), p) for p in list_presets()]
    results = []
    for ref, found in targets:
        result: dict[str, Any] = {"preset": ref, "ok": True, "problems": []}
        try:
            preset = read_preset(found.path, options, source=found.source) if found \
                else load_preset(ref, options)
            result.update(name=preset.name, path=str(preset.path))
        except PresetError as exc:
            result.update(ok=False, problems=[p.to_dict() for p in exc.problems])
            _report(exc.problems, as_json)
        except UsageError as exc:  # not found
            result.update(ok=False, problems=[{"message": str(exc), "hint": exc.hint}])
            _report([exc], as_json)
        results.append(result)
        if result["ok"] and not as_json:
            click.echo(f"ok: {result['path']} ({result['name']})")
    if as_json:
        click.echo(json.dumps(results, indent=2))
    if not all(r["ok"] for r in results):
        sys.exit(2)


def _report(problems: list[Any], as_json: bool) -> None:
    if as_json:
        return
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
        hint = getattr(problem, "hint", None)
        if hint:
            click.echo(f"hint: {hint}", err=True)
