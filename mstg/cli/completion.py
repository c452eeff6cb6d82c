"""Shell completion of ``-t``: transform names, then their parameters (``-t blur:<TAB>`` gives
``blur:sigma=``), then a parameter's choices; and a bash script that completes words holding
``:`` and ``=`` (which bash splits off by itself).

>>> [item.value for item in transform_completions("gra")]
['grayscale']
>>> [item.value for item in transform_completions("blur:")]
['blur:sigma=']
>>> [item.value for item in transform_completions("flip:direction=v")]
['flip:direction=vertical']
"""

from __future__ import annotations

import os
from typing import Any

import click
from click.shell_completion import BashComplete, CompletionItem, split_arg_string

#: What bash (its COMP_WORDBREAKS) cuts a word at, among what ``-t`` values hold.
BASH_BREAKS = ":="


def complete_transforms(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """``shell_complete`` of ``-t``: see :func:`transform_completions`."""
    return transform_completions(incomplete)


def transform_completions(incomplete: str) -> list[CompletionItem]:
    """Completions of a ``-t`` value: a name, a parameter (``key=``), or one of its choices."""
    from ..transforms.registry import Registry

    registry = Registry.discover()
    name, colon, rest = incomplete.partition(":")
    if not colon:
        return [CompletionItem(n) for n in registry.names() if n.startswith(name)]
    try:
        from ..transforms.params import parameters

        params = {p.name: p for p in parameters(registry.load_class(name))}
    except Exception:  # noqa: BLE001 - an unknown or broken transform: nothing to offer
        return []
    done, _, current = rest.rpartition(",")
    head = f"{name}:{done},".replace(":,", ":") if done else f"{name}:"
    given = [item.partition("=")[0] for item in done.split(",") if "=" in item]
    key, equals, value = current.partition("=")
    if equals:
        return _choices(params.get(key), value, f"{head}{key}=")
    items = [CompletionItem(f"{head}{p}=") for p in params if p.startswith(current) and p not in given]
    last = params.get(given[-1]) if given else None
    if last is not None and last.multiple:  # formats=qr_code,<TAB>: more of the list
        items += _choices(last, current, head)
    return items


def _choices(param: Any, typed: str, head: str) -> list[CompletionItem]:
    if param is None:
        return []
    if param.type is bool:
        options = ["true", "false"]
    else:
        options = [str(c) for c in param.choices or ()]
    return [CompletionItem(f"{head}{option}") for option in options if option.startswith(typed)]


_SOURCE = """\
%(complete_func)s() {
    local IFS=$'\\n'
    local response
    response=$(env COMP_LINE_BEFORE="${COMP_LINE:0:$COMP_POINT}" COMP_WORDS="${COMP_WORDS[*]}" \\
COMP_CWORD=$COMP_CWORD %(complete_var)s=bash_complete $1)
    for completion in $response; do
        IFS=',' read type value <<< "$completion"
        if [[ $type == 'dir' ]]; then
            COMPREPLY=()
            compopt -o dirnames
        elif [[ $type == 'file' ]]; then
            COMPREPLY=()
            compopt -o default
        elif [[ $type == 'plain' ]]; then
            COMPREPLY+=("$value")
            [[ $value == *[:=] ]] && compopt -o nospace
        fi
    done
    return 0
}

%(complete_func)s_setup() {
    complete -o nosort -F %(complete_func)s %(prog_name)s
}

%(complete_func)s_setup;
"""


class WholeWordBash(BashComplete):
    """Bash completion that reads the line as typed (``COMP_LINE``), not bash's words (which
    split ``blur:sigma`` at the colon), and answers with what follows the last ``:`` or ``=``
    (the part bash replaces); no space after ``blur:sigma=``."""

    source_template = _SOURCE

    def get_completion_args(self) -> tuple[list[str], str]:
        line = os.environ.get("COMP_LINE_BEFORE")
        if line is None:  # called as click documents it (COMP_WORDS, COMP_CWORD)
            return super().get_completion_args()
        words = split_arg_string(line)
        if not line or line[-1].isspace():
            return words[1:], ""
        return words[1:-1], words[-1]

    def complete(self) -> str:
        args, incomplete = self.get_completion_args()
        cut = 0
        if "COMP_LINE_BEFORE" in os.environ:
            cut = max(incomplete.rfind(c) for c in BASH_BREAKS) + 1
        lines = []
        for item in self.get_completions(args, incomplete):
            value = item.value[cut:] if cut and str(item.value).startswith(incomplete[:cut]) else item.value
            lines.append(f"{item.type},{value}")
        return "\n".join(lines)


def install() -> None:
    """Use :class:`WholeWordBash` for ``_MSTG_COMPLETE=bash_source`` / ``bash_complete``."""
    from click.shell_completion import add_completion_class

    add_completion_class(WholeWordBash, "bash")
