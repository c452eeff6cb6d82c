"""Output paths as templates: one per input file, folders created as needed.

Fields: ``{stem}`` (``talk`` for ``clips/a/talk.mkv``), ``{name}`` (``talk.mkv``), ``{ext}``
(``mkv``), ``{relpath}`` (the file's folder below the folder or glob it was found under:
``a``), ``{parent}`` (the folder's own name: ``a``), ``{index}`` (its place in the batch,
from 0)::

    >>> from mstg.batch.discover import FoundInput
    >>> expand("out/{relpath}/{stem}.mp4", FoundInput("clips/a/talk.mkv", "clips"), 0)
    'out/a/talk.mp4'
    >>> expand("out/{relpath}/{stem}.mp4", FoundInput("talk.mkv", "."), 0)
    'out/talk.mp4'
"""

from __future__ import annotations

import os
import string

from ..errors import UsageError
from .discover import FoundInput

FIELDS = ("stem", "name", "ext", "relpath", "parent", "index")
#: Outputs that are not files: the same for every job, never templated.
NOT_FILES = ("null", "-")


def fields(found: FoundInput, index: int) -> dict[str, object]:
    """The values of the template fields for one input."""
    name = os.path.basename(found.path)
    stem, ext = os.path.splitext(name)
    return {"stem": stem, "name": name, "ext": ext.lstrip("."), "relpath": found.relpath,
            "parent": os.path.basename(os.path.dirname(os.path.abspath(found.path))), "index": index}


def check(template: str) -> None:
    """Raise :class:`~mstg.errors.UsageError` for a template with an unknown field or bad braces.

    >>> check("out/{stem}.{bad}")
    Traceback (most recent call last):
    ...
    mstg.errors.UsageError: unknown field {bad} in the output template 'out/{stem}.{bad}'
    """
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise UsageError(f"the output template {template!r} is not valid: {exc}") from exc
    for field_name in names:
        if field_name.split(":")[0].split("!")[0] not in FIELDS:
            raise UsageError(f"unknown field {{{field_name}}} in the output template {template!r}",
                             hint="fields: " + " ".join("{%s}" % f for f in FIELDS))


def expand(template: str, found: FoundInput, index: int) -> str:
    """The path ``template`` gives for one input (``null`` and ``-`` as they are)."""
    if template in NOT_FILES or "://" in template:
        return template
    check(template)
    return os.path.normpath(template.format_map(fields(found, index)))


def is_templated(template: str) -> bool:
    """Whether ``template`` names any field (else every job would write the same file)."""
    return any(f is not None for _, f, _, _ in string.Formatter().parse(template))
